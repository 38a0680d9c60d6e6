/**
 * The errors a run reports to the user: a heading saying why, then every problem on its own line.
 * Nothing here prints a stack trace; an error of these kinds is the whole message.
 */

/** Longest problem line echoed; a longer one (a huge value pasted into a flag) is cut in the middle. */
const MAX_LINE = 1_000;

const clip = (line: string): string => (line.length <= MAX_LINE ? line : `${line.slice(0, 600)} … ${line.slice(-300)} (${line.length} characters)`);

/** A run that stops: by default before writing anything. */
export class RunError extends Error {
  constructor(
    readonly heading: string,
    readonly problems: readonly string[],
    /** Set when files were already changed (an interrupted commit that the next run completes). */
    readonly wrote = false,
  ) {
    super(`${heading}${wrote ? '' : ' (nothing was written)'}:\n${problems.map((p) => `  - ${clip(p)}`).join('\n')}`);
    this.name = 'RunError';
  }
}

/** Answers (flags, file, stored or typed) that do not validate. */
export class UsageError extends RunError {
  constructor(problems: readonly string[]) {
    super('Invalid answers', problems);
    this.name = 'UsageError';
  }
}

/** The run cannot start: a dirty tree, missing answers with no terminal, a lock, a repo that cannot be written. */
export class RefusedError extends RunError {
  constructor(heading: string, problems: readonly string[], wrote = false) {
    super(heading, problems, wrote);
    this.name = 'RefusedError';
  }
}
