/**
 * One generation session, independent of how it was started (Yeoman or the bin): collects raw
 * answers from the answers file, stored answers and flags, resolves them, and runs the pipeline.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MemFsEditor } from 'mem-fs-editor';
import { resolveAnswers, type RawAnswers, type Resolution } from './answers.js';
import { declarationOf, OPTION_NAMES, type OptionName } from './options.js';
import { storedAnswers } from './pipeline.js';

/** Flags that steer a run rather than answer a question. */
export interface RunFlags {
  readonly defaults?: boolean;
  readonly answers?: string;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly restore?: boolean;
  readonly allowDirty?: boolean;
  readonly askAnswered?: boolean;
}

/** A run that stops before writing anything: a heading saying why, then every problem. */
export class RunError extends Error {
  constructor(
    readonly heading: string,
    readonly problems: readonly string[],
  ) {
    super(`${heading} (nothing was written):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
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

/** The run cannot start: a dirty tree, missing answers with no terminal, no repo to onboard into. */
export class RefusedError extends RunError {
  constructor(heading: string, problems: readonly string[]) {
    super(heading, problems);
    this.name = 'RefusedError';
  }
}

/** Reads an answers file (JSON or YAML). YAML is imported lazily: the common JSON path stays light. */
export async function readAnswersFile(path: string, cwd: string): Promise<RawAnswers> {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch {
    throw new UsageError([`--answers: cannot read ${path}`]);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(full) ? (await import('yaml')).parse(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError([`--answers: ${path} is not valid ${/\.ya?ml$/i.test(full) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError([`--answers: ${path} must hold an object of answers`]);
  // Accept both camelCase names and kebab-case flags as keys.
  const byFlag = new Map(OPTION_NAMES.map((name) => [declarationOf(name).flag, name]));
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [byFlag.get(key) ?? key, value]));
}

export interface Gathered {
  readonly raw: RawAnswers;
  /** True when unanswered options may take their defaults without asking. */
  readonly useDefaults: boolean;
  /** Answers stored in .yo-rc.json (with --ask-answered they become the questions' defaults). */
  readonly stored?: RawAnswers;
}

/** Precedence: flags > answers file > stored answers. Stored answers make a rerun ask nothing. */
export async function gatherAnswers(cwd: string, flags: RunFlags, cliAnswers: RawAnswers, editor?: MemFsEditor): Promise<Gathered> {
  const yoRcPath = join(cwd, '.yo-rc.json');
  let yoRc: string | undefined;
  try {
    yoRc = editor ? (editor.exists(yoRcPath) ? editor.read(yoRcPath) ?? undefined : undefined) : readFileSync(yoRcPath, 'utf8');
  } catch {
    yoRc = undefined;
  }
  let stored: Record<string, unknown> | undefined;
  try {
    stored = storedAnswers(yoRc);
  } catch {
    throw new UsageError(['.yo-rc.json is not valid JSON; fix or delete it']);
  }
  const fromFile = flags.answers ? await readAnswersFile(flags.answers, cwd) : {};
  const raw: RawAnswers = { ...(flags.askAnswered ? {} : stored ?? {}), ...fromFile, ...cliAnswers };
  return { raw, useDefaults: Boolean(flags.defaults || flags.answers || (stored && !flags.askAnswered)), ...(stored ? { stored: stored as RawAnswers } : {}) };
}

export function resolveOrThrow(raw: RawAnswers, useDefaults: boolean): Resolution & { missing: readonly OptionName[] } {
  const resolution = resolveAnswers(raw, { useDefaults });
  if (resolution.problems.length) throw new UsageError(resolution.problems);
  return resolution;
}

export function missingAnswers(missing: readonly OptionName[]): RefusedError {
  return new RefusedError('Missing answers', [
    `No terminal to ask on, and these answers are missing: ${missing.map((name) => `--${declarationOf(name).flag}`).join(', ')}. Pass them as flags, use --answers FILE, or --defaults.`,
  ]);
}
