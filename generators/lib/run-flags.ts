/** Flags that steer a run (not answers), shared by the Yeoman generator and the bin. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RefusedError } from './errors.js';
import { JOURNAL_PATH } from './repo-io.js';

export const RUN_FLAGS = {
  defaults: { type: 'boolean', camel: 'defaults', description: 'Use the GitMesh CE standard stack for every unanswered question; ask nothing' },
  answers: { type: 'string', camel: 'answers', description: 'Read answers from a JSON or YAML file; defaults fill the rest' },
  'dry-run': { type: 'boolean', camel: 'dryRun', description: 'Print the per-file plan and a unified diff; write nothing' },
  force: { type: 'boolean', camel: 'force', description: 'Overwrite edited files with the template output (your version is copied to .gitmesh-devops/backup/)' },
  restore: { type: 'boolean', camel: 'restore', description: 'Re-create generated files you deleted' },
  'allow-dirty': { type: 'boolean', camel: 'allowDirty', description: 'Run even when the git working tree has uncommitted changes' },
  'ask-answered': { type: 'boolean', camel: 'askAnswered', description: 'Ask again the questions answered in .yo-rc.json' },
} as const;

export type RunFlagName = keyof typeof RUN_FLAGS;

/**
 * Refuses to regenerate over uncommitted changes, so `git diff` can always show and revert a run.
 * Changes an interrupted run left (its journal is there) are the generator's own: the run completes them.
 */
export function assertCleanTree(cwd: string): void {
  if (existsSync(join(cwd, JOURNAL_PATH))) return;
  let status: string;
  try {
    status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return; // not a git repository (first generation): nothing to protect yet
  }
  if (status.trim()) throw new RefusedError('Not run', ['the git working tree has uncommitted changes; commit or stash them, or pass --allow-dirty']);
}
