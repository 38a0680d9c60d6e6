/**
 * One generation session, independent of how it was started (Yeoman or the bin): collects raw
 * answers from the answers file, stored answers and flags, resolves them, and runs the pipeline.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveAnswers, type RawAnswers, type Resolution } from './answers.js';
import { declarationOf, OPTION_NAMES, type OptionName } from './options.js';
import { storedAnswers } from './pipeline.js';
import { duplicateJsonKeys } from './checks.js';
import { RefusedError, UsageError } from './errors.js';

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

export { RefusedError, RunError, UsageError } from './errors.js';

/** An answers file holds a few answers: anything bigger is a mistake (`--answers /dev/zero`), not read into memory. */
export const ANSWERS_FILE_MAX_BYTES = 1024 * 1024;

/** Reads at most the cap (plus one byte, to tell a file that is too big) from a regular file. */
function readCapped(full: string, path: string): string {
  let fd: number;
  try {
    fd = openSync(full, 'r');
  } catch {
    throw new UsageError([`--answers: cannot read ${path}`]);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError([`--answers: ${path} is not a regular file`]);
    const buffer = Buffer.alloc(ANSWERS_FILE_MAX_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > ANSWERS_FILE_MAX_BYTES) throw new UsageError([`--answers: ${path} is larger than 1 MiB; an answers file holds a few answers`]);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length));
    } catch {
      throw new UsageError([`--answers: ${path} is not UTF-8 text`]);
    }
  } finally {
    closeSync(fd);
  }
}

/** YAML numbers written other than in plain decimal (0x10, 0o17, 1e3, 012): refused, never read as something else. */
function nonDecimalNumbers(doc: import('yaml').Document, text: string): string[] {
  const found: string[] = [];
  const visit = (node: unknown, key: string): void => {
    if (isMap(node)) for (const pair of node.items) visit(pair.value, String(isScalar(pair.key) ? pair.key.value : key));
    else if (isSeq(node)) node.items.forEach((item, index) => visit(item, `${key}[${index}]`));
    else if (isScalar(node) && typeof node.value === 'number' && node.range) {
      const source = text.slice(node.range[0], node.range[1]);
      if (!/^-?(?:0|[1-9][0-9]*)$/.test(source)) found.push(`${key}: ${source}`);
    }
  };
  const { isMap, isScalar, isSeq } = yamlLib!;
  visit(doc.contents, '');
  return found;
}

let yamlLib: typeof import('yaml') | undefined;

/** Reads an answers file (JSON or YAML). YAML is imported lazily: the common JSON path stays light. */
export async function readAnswersFile(path: string, cwd: string): Promise<RawAnswers> {
  const full = resolve(cwd, path);
  const text = readCapped(full, path);
  const yaml = /\.ya?ml$/i.test(full);
  const byFlag = new Map(OPTION_NAMES.map((name) => [declarationOf(name).flag, name]));
  const label = (key: string): string => {
    const top = key.split(/[.[:]/, 1)[0]!;
    const name = (byFlag.get(top) ?? top) as OptionName;
    return OPTION_NAMES.includes(name) ? `--${declarationOf(name).flag}` : key;
  };
  let data: unknown;
  try {
    if (yaml) {
      yamlLib ??= await import('yaml');
      const doc = yamlLib.parseDocument(text, { uniqueKeys: true });
      if (doc.errors.length) throw doc.errors[0];
      // A string option gets "must be a quoted string" from coerce, which names what YAML read.
      const isString = (entry: string): boolean => {
        const top = entry.split(/[.[:]/, 1)[0]!;
        const name = (byFlag.get(top) ?? top) as OptionName;
        return OPTION_NAMES.includes(name) && declarationOf(name).type === 'string';
      };
      const numbers = nonDecimalNumbers(doc, text).filter((entry) => !isString(entry));
      if (numbers.length) throw new UsageError(numbers.map((entry) => `${label(entry)} must be a decimal integer (the file writes ${entry.split(': ').slice(1).join(': ')})`));
      data = doc.toJS();
    } else {
      data = JSON.parse(text);
      const duplicates = duplicateJsonKeys(text);
      if (duplicates.length) throw new UsageError(duplicates.map((key) => `--answers: ${path} has the duplicate key ${JSON.stringify(key)} (JSON would keep only the last one): write it once`));
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError([`--answers: ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError([`--answers: ${path} must hold an object of answers`]);
  // Accept both camelCase names and kebab-case flags as keys.
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [byFlag.get(key) ?? key, value]));
}

export interface Gathered {
  readonly raw: RawAnswers;
  /** True when unanswered options may take their defaults without asking. */
  readonly useDefaults: boolean;
  /** Answers stored in .yo-rc.json (with --ask-answered they become the questions' defaults). */
  readonly stored?: RawAnswers;
  /** The .yo-rc.json text read: the run is refused if another run changes it before this one writes. */
  readonly basis: { readonly yoRc: string | undefined };
}

/** Precedence: flags > answers file > stored answers. Stored answers make a rerun ask nothing. */
export async function gatherAnswers(cwd: string, flags: RunFlags, cliAnswers: RawAnswers): Promise<Gathered> {
  const yoRcPath = join(cwd, '.yo-rc.json');
  let yoRc: string | undefined;
  try {
    yoRc = readFileSync(yoRcPath, 'utf8');
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
  return { raw, useDefaults: Boolean(flags.defaults || flags.answers || (stored && !flags.askAnswered)), ...(stored ? { stored: stored as RawAnswers } : {}), basis: { yoRc } };
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
