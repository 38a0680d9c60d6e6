/**
 * Executes one planned run, the same way for `yo gitmesh-devops`, `yo gitmesh-devops:service` and the
 * bin: refuse a dirty tree, plan, then either print the dry run or write through a private mem-fs
 * editor and commit it here. Yeoman's shared mem-fs never sees our files, so its conflicter (the
 * `Overwrite …? (ynarxdeih)` prompt, one `force` line per file, the phantom `.yo-resolve`) never
 * runs: the planner has already decided every file, and the yo path gives exactly the bin's result.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { create as createStore } from 'mem-fs';
import { create as createEditor } from 'mem-fs-editor';
import { unifiedDiff } from './diff.js';
import type { Answers } from './options.js';
import { applyRun, EXIT_CONFLICTS, GENERATOR_VERSION, planRun, pruneEmptyDirs, type PlannedRun } from './pipeline.js';
import { actionLines, countsLine, headerLines, summaryLines } from './report.js';
import { assertCleanTree } from './run-flags.js';
import type { RunFlags } from './session.js';

export type Log = (line: string) => void;

export interface RunOptions {
  /** Extra next steps (onboarding: the .env keys and secrets to set). */
  readonly notes?: readonly string[];
}

export async function executeRun(cwd: string, answers: Answers, flags: RunFlags, log: Log, options: RunOptions = {}): Promise<number> {
  if (!flags.allowDirty && !flags.dryRun) assertCleanTree(cwd);
  const editor = createEditor(createStore() as never);
  const run = planRun(answers, editor, cwd, flags);
  const context = { version: GENERATOR_VERSION, ...(options.notes ? { notes: options.notes } : {}) };
  for (const line of headerLines(run, context)) log(line);
  if (flags.dryRun) {
    printDryRun(run, cwd, log);
    return 0;
  }
  applyRun(run, editor, cwd);
  await editor.commit();
  pruneEmptyDirs(cwd, run);
  for (const line of actionLines(run.entries)) log(line);
  for (const line of summaryLines(run, context)) log(line);
  return run.summary.conflicts.length || run.summary.unresolved.length ? EXIT_CONFLICTS : 0;
}

/** The plan and a patch of every file the run would change; `git apply` takes the patch as printed. */
export function printDryRun(run: PlannedRun, cwd: string, log: Log): void {
  log('Dry run: nothing was written. Plan:');
  for (const line of actionLines(run.entries)) log(line);
  const counts = countsLine(run);
  log(run.summary.changed ? `Plan summary: ${counts}.` : 'Nothing to change: the repo matches the answers.');
  for (const entry of run.entries) {
    if (entry.write === undefined && entry.action !== 'delete') continue;
    const executable = entry.action === 'delete' ? isExecutable(join(cwd, entry.path)) : Boolean(entry.executable);
    const diff = unifiedDiff({
      path: entry.path,
      ...(entry.before !== undefined ? { before: entry.before } : {}),
      ...(entry.action !== 'delete' ? { after: entry.write! } : {}),
      executable,
    });
    if (diff) log(diff);
  }
}

function isExecutable(path: string): boolean {
  try {
    return (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
