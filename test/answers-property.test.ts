/**
 * Issue 19, property: over free-text answers (every string and list option, and every text field of
 * an onboarded service, taken from their declarations with their declared length limits), any value
 * validation accepts yields files that their real tools read: every YAML file parses, `nginx -t`
 * passes on the edge config (with the certificate `make certs` creates for the domain), `bash -n` /
 * `sh -n` pass on every script, and every crontab line has its schedule fields and a command. Any
 * value validation rejects makes the bin exit 1 having written nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { resolveAnswers, type RawAnswers } from '../generators/lib/answers.js';
import { renderFiles } from '../generators/lib/files/index.js';
import { SERVICE_FIELDS, serviceFromFlags, withServiceAdded, type ServiceField } from '../generators/lib/onboarding.js';
import { declarationOf, OPTION_NAMES, type AnyDecl, type OptionName } from '../generators/lib/options.js';
import { prepare } from '../generators/lib/prepare/index.js';
import { padTo } from './support/arbitraries.js';
import { edgeTree, upstreamHosts, withServiceHosts } from './support/edge-lab.js';
import type { Generated } from './support/generate.js';
import { repoState, runBin, stateDiff } from './support/repo-state.js';
import { nginxTestErrors, requireTool } from './support/validators.js';

/** Pieces that break files when they slip through: whitespace of every kind, quotes, shell and YAML syntax. */
const PIECES = [' ', '\t', '\n', '\r', '\u000b', '\u00a0', '\u2028', '\ufeff', '"', "'", '`', '$', '${X}', '{', '}', ';', '#', '\\', '/', '..', ':', ': ', '@', '*', '%', '&', '|', '<', '-', '_', '.', 'A', 'z', '0', '9', 'é', '\u202e'];

const textOf = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value ?? ''));

/** Values for one declaration: its example with a piece inserted, strings of pieces, and lengths around its limit. */
function valuesFor(example: string, maxLength: number | undefined): fc.Arbitrary<string> {
  const around = maxLength ?? 64;
  const inserted = (pieces: fc.Arbitrary<string>) => fc.tuple(fc.nat(example.length), pieces).map(([at, piece]) => `${example.slice(0, at)}${piece}${example.slice(at)}`);
  return fc.oneof(
    // Mostly valid: the example with a harmless character, or stretched to its limit (one past it, too).
    { arbitrary: inserted(fc.constantFrom('a', 'z', '0', '9')), weight: 3 },
    { arbitrary: fc.integer({ min: -1, max: 1 }).map((delta) => padTo(example, around + delta)), weight: 3 },
    // Mostly invalid: a piece that breaks files if it slips through, or a string of them.
    { arbitrary: inserted(fc.constantFrom(...PIECES)), weight: 3 },
    { arbitrary: fc.array(fc.constantFrom(...PIECES), { minLength: 0, maxLength: 8 }).map((pieces) => pieces.join('')), weight: 1 },
  );
}

interface Target {
  readonly label: string;
  readonly arbitrary: fc.Arbitrary<string>;
  /** The answers with the value, or the problems validation found. */
  readonly decide: (value: string) => { raw?: RawAnswers; problems: string[] };
  /** The bin's arguments that give this value. */
  readonly args: (value: string) => string[];
  readonly service: boolean;
}

const BASES: readonly RawAnswers[] = [{ tlsMode: 'self-signed' }, {}, { tlsMode: 'provided' }];

/** The first base answers under which the option is asked (its `when`), so its value is really used. */
function baseFor(decl: AnyDecl): RawAnswers {
  for (const base of BASES) {
    const resolved = resolveAnswers(base, { useDefaults: true }).answers!;
    if (!decl.when || decl.when(resolved)) return base;
  }
  throw new Error(`no base answers make --${decl.flag} apply`);
}

function optionTarget(name: OptionName): Target {
  const decl = declarationOf(name);
  const base = baseFor(decl);
  const example = textOf(typeof decl.default === 'function' ? (decl.default as (a: RawAnswers) => unknown)(resolveAnswers(base, { useDefaults: true }).answers!) : decl.default) || 'extra.example.com';
  return {
    label: `--${decl.flag}`,
    arbitrary: valuesFor(example, 'limit' in decl ? decl.limit.max : undefined),
    decide: (value) => {
      const raw = { ...base, [name]: value };
      const resolution = resolveAnswers(raw, { useDefaults: true });
      return resolution.answers ? { raw, problems: [] } : { problems: [...resolution.problems] };
    },
    args: (value) => ['--defaults', ...Object.entries(base).map(([key, v]) => `--${declarationOf(key as OptionName).flag}=${String(v)}`), `--${decl.flag}=${value}`],
    service: false,
  };
}

/** An onboarded service that exercises every text field: a route, a health path, env and secrets. */
const SERVICE_FLAGS: Readonly<Record<string, string>> = { kind: 'node-api', port: '9100' };

function serviceTarget(field: ServiceField, stack: RawAnswers): Target {
  const flags = (value: string): Record<string, string> => ({ ...Object.fromEntries(SERVICE_FIELDS.filter((f) => f.example !== undefined).map((f) => [f.flag, f.example!])), ...SERVICE_FLAGS, [field.flag]: value });
  return {
    label: `add-service --${field.flag}`,
    arbitrary: valuesFor(field.example!, field.limit?.max),
    decide: (value) => {
      const answers = resolveAnswers(stack, { useDefaults: true }).answers!;
      const { service, problems } = serviceFromFlags(flags(value), answers);
      if (problems.length) return { problems };
      const raw = withServiceAdded(answers, service);
      const resolution = resolveAnswers(raw, { useDefaults: true });
      return resolution.answers ? { raw, problems: [] } : { problems: [...resolution.problems] };
    },
    args: (value) => ['add-service', ...Object.entries(flags(value)).map(([flag, v]) => `--${flag}=${v}`)],
    service: true,
  };
}

/** Every problem a real tool finds in the files `raw` renders to. */
async function toolProblems(raw: RawAnswers, work: string): Promise<string[]> {
  const answers = resolveAnswers(raw, { useDefaults: true }).answers!;
  const model = prepare(answers);
  const files = renderFiles(model);
  const problems: string[] = [];
  for (const file of files) {
    if (/\.ya?ml$/.test(file.path)) {
      for (const doc of parseAllDocuments(file.content) as ReturnType<typeof parseAllDocuments> & unknown[]) {
        if ('errors' in doc && doc.errors.length) problems.push(`${file.path}: YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
      }
    }
    if (file.path.endsWith('crontab')) {
      for (const line of file.content.split('\n').filter((l) => l.trim() && !l.startsWith('#'))) {
        const fields = line.split(' ');
        const ok = fields[0]!.startsWith('@') ? fields.length >= 2 && /^@[a-z]+$/.test(fields[0]!) : fields.length >= 6 && fields.slice(0, 5).every((f) => /^[0-9*,/-]+$/.test(f));
        if (!ok) problems.push(`${file.path}: crontab line without its schedule fields and a command: ${JSON.stringify(line)}`);
      }
    }
  }
  const dir = join(work, 'repo');
  await rm(dir, { recursive: true, force: true });
  for (const file of files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.content, { mode: file.executable ? 0o755 : 0o644 });
  }
  const scripts = files.filter((file) => /\.sh$/.test(file.path) && file.content.startsWith('#!'));
  for (const shell of ['bash', 'sh']) {
    const mine = scripts.filter((file) => (shell === 'bash') === /bash/.test(file.content.split('\n', 1)[0]!)).map((file) => file.path);
    const check = await execa(shell, ['-c', `for f; do ${shell} -n "$f" 2>&1 || echo "FAILED $f"; done`, shell, ...mine], { cwd: dir, reject: false });
    if (/FAILED/.test(check.stdout)) problems.push(`${shell} -n: ${check.stdout.slice(0, 400)}`);
  }
  const generated: Generated = { dir, answers, model, read: async () => '' };
  const tree = await edgeTree(generated);
  problems.push(...(await withServiceHosts(upstreamHosts(model), () => nginxTestErrors(tree.prefix, tree.conf))).map((p) => `nginx -t: ${p}`));
  await rm(tree.root, { recursive: true, force: true });
  return problems;
}

describe('property: free-text answers either render files their tools read, or are refused with nothing written (issue 19)', function () {
  this.timeout(300_000);

  it('holds for every string and list option and every text field of add-service', async () => {
    for (const tool of ['nginx', 'bash', 'sh', 'openssl']) requireTool(tool);
    const options = OPTION_NAMES.filter((name) => ['string', 'list'].includes(declarationOf(name).type) && !declarationOf(name).hidden);
    const serviceFields = SERVICE_FIELDS.filter((field) => (field.type === 'string' || field.type === 'list') && field.example !== undefined);
    assert.ok(options.length >= 10 && serviceFields.length >= 6, `${options.length} options, ${serviceFields.length} service fields`);
    const stack: RawAnswers = { tlsMode: 'self-signed' };
    const targets = [...options.map(optionTarget), ...serviceFields.map((field) => serviceTarget(field, stack))];

    const work = await mkdtemp(join(tmpdir(), 'gitmesh-prop-answers-'));
    const empty = join(work, 'empty');
    await mkdir(empty);
    const onboarded = join(work, 'stack');
    await mkdir(onboarded);
    assert.equal((await runBin(onboarded, ['--defaults', '--tls-mode=self-signed'])).exitCode, 0);
    const stackState = await repoState(onboarded);
    const seen = { accepted: 0, rejected: 0 };

    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: targets.length - 1 }).chain((index) => fc.tuple(fc.constant(index), targets[index]!.arbitrary)), async ([index, value]) => {
        const target = targets[index]!;
        const decision = target.decide(value);
        if (decision.raw) {
          seen.accepted += 1;
          const problems = await toolProblems(decision.raw, work);
          assert.deepEqual(problems, [], `${target.label}=${JSON.stringify(value)} was accepted but breaks files`);
          return;
        }
        seen.rejected += 1;
        const dir = target.service ? onboarded : empty;
        const result = await runBin(dir, target.args(value));
        assert.equal(result.exitCode, 1, `${target.label}=${JSON.stringify(value)}: rejected in validation (${decision.problems[0]}) but the bin exited ${result.exitCode}: ${result.stdout}`);
        if (target.service) assert.deepEqual(stateDiff(stackState, await repoState(dir)), [], `${target.label}=${JSON.stringify(value)} wrote files`);
        else assert.deepEqual(await readdir(dir), [], `${target.label}=${JSON.stringify(value)} wrote files`);
      }),
      { numRuns: 60, seed: 19, endOnFailure: true },
    );
    assert.ok(seen.accepted >= 10 && seen.rejected >= 10, `accepted ${seen.accepted}, rejected ${seen.rejected}`);
    console.log(`      ${targets.length} free-text answers, ${seen.accepted} accepted values checked with their tools, ${seen.rejected} rejected`);
  });
});
