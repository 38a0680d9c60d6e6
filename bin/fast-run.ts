/** The bin's no-questions path: the shared run (plan, preflight, journalled transaction) with output on stdout. */
import type { Answers } from '../generators/lib/options.js';
import { executeRun, type Log, type RunOptions } from '../generators/lib/run.js';
import type { RunFlags } from '../generators/lib/session.js';

const stdout: Log = (line) => process.stdout.write(`${line}\n`);

export function runFast(cwd: string, answers: Answers, flags: RunFlags, log: Log = stdout, options: RunOptions = {}): Promise<number> {
  return executeRun(cwd, answers, flags, log, options);
}
