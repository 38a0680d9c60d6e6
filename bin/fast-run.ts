/** The bin's no-questions path: the shared pipeline on a plain mem-fs editor, committed to disk here. */
import { join } from 'node:path';
import { create as createStore } from 'mem-fs';
import { create as createEditor } from 'mem-fs-editor';
import type { Answers } from '../generators/lib/options.js';
import { applyRun, EXIT_CONFLICTS, formatPlan, planRun, pruneEmptyDirs } from '../generators/lib/pipeline.js';
import { assertCleanTree, printDryRun } from '../generators/lib/run-flags.js';
import type { RunFlags } from '../generators/lib/session.js';

export async function runFast(cwd: string, answers: Answers, flags: RunFlags, log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  if (!flags.allowDirty && !flags.dryRun) await assertCleanTree(cwd);
  const editor = createEditor(createStore() as never);
  const run = planRun(answers, editor, cwd, flags);
  if (flags.dryRun) {
    printDryRun(run, log);
    return 0;
  }
  applyRun(run, editor, cwd);
  await editor.commit();
  pruneEmptyDirs(cwd, run);
  for (const line of formatPlan(run.entries)) log(line);
  if (run.summary.conflicts.length) {
    log(`\n${run.summary.conflicts.length} file(s) have conflict markers to resolve:\n${run.summary.conflicts.map((p) => `  ${join(p)}`).join('\n')}`);
    return EXIT_CONFLICTS;
  }
  if (!run.summary.changed) log('Nothing to change: the repo matches the answers.');
  return 0;
}
