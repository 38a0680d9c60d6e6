#!/usr/bin/env node
/**
 * `gitmesh-devops`: the same generator without a global `yo`. A run that needs no questions goes
 * straight through the shared pipeline (no yeoman-environment load: ~2 s saved); a run
 * that must ask loads yeoman-environment and runs the registered generator class, so prompts and
 * output are exactly what `yo gitmesh-devops` gives.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { declarationOf, OPTION_NAMES } from '../generators/lib/options.js';
import { columns, flagText, flagUsage } from '../generators/lib/help.js';
import { SERVICE_FIELDS } from '../generators/lib/onboarding.js';
import { RUN_FLAGS } from '../generators/lib/run-flags.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };

const COMMANDS: Record<string, string> = {
  generate: 'Generate or regenerate the deployment repo in the current directory (default)',
  upgrade: 'Regenerate with the stored answers after a generator upgrade (three-way merges your edits)',
  'add-service': 'Onboard a service: Dockerfile, compose, edge route, CI, monitoring, backups and docs in one run',
  'remove-service': 'Remove an onboarded service (--name) the same way',
};
const SERVICE_COMMANDS = new Set(['add-service', 'remove-service']);

/** Run flags `yo` users pass by habit; this generator installs no packages and caches nothing, so they do nothing. */
const YO_NOOP_FLAGS = ['skip-install', 'force-install', 'skip-cache', 'skip-local-cache', 'insight'] as const;

function help(): string {
  const answerRows = OPTION_NAMES.filter((name) => !declarationOf(name).hidden).map((name) => [flagUsage(declarationOf(name)), flagText(declarationOf(name))] as const);
  const runRows = [
    ...Object.entries(RUN_FLAGS).map(([flag, spec]) => [`  --${flag}${spec.type === 'string' ? ' FILE' : ''}`, spec.description] as const),
    ['  --output DIR', 'Generate into DIR instead of the current directory'] as const,
    ['  --help, --version', 'Print this help, or the version'] as const,
    [`  ${YO_NOOP_FLAGS.map((flag) => (flag === 'insight' ? '--[no-]insight' : `--${flag}`)).join(', ')}`, "Yeoman's run flags: accepted, with no effect (nothing is installed or cached)"] as const,
  ];
  const serviceRows = [...SERVICE_FIELDS.map((field) => [`  --${field.flag} ${field.type === 'number' ? 'N' : field.type === 'list' || field.type === 'multi' ? 'LIST' : field.type === 'choice' ? 'CHOICE' : 'VALUE'}`, field.help] as const)];
  const lines = [
    `gitmesh-devops ${pkg.version}: generate a production deployment repo for GitMesh CE`,
    '',
    'Usage: gitmesh-devops [command] [flags]',
    '',
    'Commands:',
    ...columns(Object.entries(COMMANDS).map(([name, text]) => [`  ${name}`, text] as const)),
    '',
    'Run flags:',
    ...columns(runRows),
    '',
    'add-service / remove-service flags (asked one by one on a terminal when --name, --kind or --source is missing):',
    ...columns(serviceRows),
    '',
    'Answers (every question is also a flag; see docs/options.md):',
    ...columns(answerRows),
    '',
    'Exit status: 0 done, 1 invalid input or error (nothing written), 3 conflicts to resolve.',
  ];
  return lines.join('\n');
}

interface Parsed {
  command: string;
  options: Record<string, unknown>;
}

/** A minimal parser driven by the declarations: --flag value, --flag=value, --flag, --no-flag. */
function parseArgs(argv: string[]): Parsed {
  const command = argv[0] !== undefined && argv[0] in COMMANDS ? argv[0] : 'generate';
  const serviceFlags = SERVICE_COMMANDS.has(command) ? SERVICE_FIELDS.map((field) => field.flag) : [];
  const booleans = new Set<string>([
    ...OPTION_NAMES.filter((n) => declarationOf(n).type === 'boolean').map((n) => declarationOf(n).flag),
    ...Object.entries(RUN_FLAGS).filter(([, s]) => s.type === 'boolean').map(([f]) => f),
    ...YO_NOOP_FLAGS,
    'help',
    'version',
    'interactive',
  ]);
  const known = new Set<string>([...OPTION_NAMES.map((n) => declarationOf(n).flag), ...Object.keys(RUN_FLAGS), ...serviceFlags, ...YO_NOOP_FLAGS, 'help', 'version', 'output', 'interactive']);
  const options: Record<string, unknown> = {};
  const problems: string[] = [];
  for (let i = command === 'generate' && argv[0] !== 'generate' ? 0 : 1; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const [rawName, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const negated = rawName.startsWith('no-') && booleans.has(rawName.slice(3));
    const name = negated ? rawName.slice(3) : rawName;
    if (!known.has(name)) {
      problems.push(`unknown flag --${name}`);
      continue;
    }
    if (negated) options[name] = false;
    else if (booleans.has(name)) options[name] = inline === undefined ? true : inline;
    else if (inline !== undefined) options[name] = inline;
    else if (i + 1 < argv.length) options[name] = argv[++i];
    else problems.push(`--${name} needs a value`);
  }
  if (problems.length) {
    process.stderr.write(`${problems.join('\n')}\nRun gitmesh-devops --help for usage.\n`);
    process.exit(1);
  }
  return { command, options };
}

async function main(): Promise<void> {
  const { command, options } = parseArgs(process.argv.slice(2));
  if (options.help) return void process.stdout.write(`${help()}\n`);
  if (options.version) return void process.stdout.write(`${pkg.version}\n`);
  const noops = YO_NOOP_FLAGS.filter((flag) => options[flag] !== undefined);
  if (noops.length) {
    process.stderr.write(`note: ${noops.map((flag) => `--${options[flag] === false ? 'no-' : ''}${flag}`).join(', ')} ${noops.length === 1 ? 'has' : 'have'} no effect here: this generator installs no packages and caches nothing\n`);
    for (const flag of noops) delete options[flag];
  }
  const cwd = resolve(typeof options.output === 'string' ? options.output : process.cwd());
  const { gatherAnswers, resolveOrThrow, missingAnswers, RunError } = await import('../generators/lib/session.js');
  const cliAnswers: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const value = options[declarationOf(name).flag];
    if (value !== undefined) cliAnswers[name] = value;
  }
  const flags = {
    defaults: Boolean(options.defaults),
    ...(typeof options.answers === 'string' ? { answers: resolve(process.cwd(), options.answers) } : {}),
    dryRun: Boolean(options['dry-run']),
    force: Boolean(options.force),
    restore: Boolean(options.restore),
    allowDirty: Boolean(options['allow-dirty']),
    askAnswered: Boolean(options['ask-answered']),
  };
  const interactive = Boolean(process.stdin.isTTY || options.interactive);
  try {
    // An interrupted run is finished first, so the answers below are read from the repo it left.
    const { finishInterruptedRun } = await import('../generators/lib/run.js');
    finishInterruptedRun(cwd, flags, (line) => process.stdout.write(`${line}\n`));
    if (SERVICE_COMMANDS.has(command)) {
      const remove = command === 'remove-service';
      // A terminal and a missing required flag: the sub-generator asks (and checks) each question.
      const needed = remove ? ['name'] : SERVICE_FIELDS.filter((field) => field.required).map((field) => field.flag);
      if (interactive && needed.some((flag) => options[flag] === undefined)) return await runWithYeoman(cwd, 'service', { ...options, ...(remove ? { remove: true } : {}) });
      const { answersForServiceChange } = await import('../generators/lib/onboarding.js');
      const change = await answersForServiceChange(cwd, remove ? 'remove' : 'add', options);
      const { runFast } = await import('./fast-run.js');
      process.exitCode = await runFast(cwd, change.answers, flags, undefined, { notes: change.notes, basis: change.basis });
      return;
    }
    const gathered = await gatherAnswers(cwd, flags, cliAnswers);
    const resolution = resolveOrThrow(gathered.raw, gathered.useDefaults);
    if (resolution.missing.length) {
      if (!interactive) throw missingAnswers(resolution.missing);
      return await runWithYeoman(cwd, 'app', options);
    }
    const { runFast } = await import('./fast-run.js');
    process.exitCode = await runFast(cwd, resolution.answers!, flags, undefined, { basis: gathered.basis });
  } catch (error) {
    if (error instanceof RunError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

/** Interactive path: the real Yeoman environment with our generator registered directly (no lookup). */
async function runWithYeoman(cwd: string, generator: 'app' | 'service', options: Record<string, unknown>): Promise<void> {
  await mkdir(cwd, { recursive: true });
  const { createEnv } = await import('yeoman-environment');
  const env = createEnv({ cwd });
  const generatorPath = join(here, '..', 'generators', generator, 'index.js');
  env.register(generatorPath, { namespace: `gitmesh-devops:${generator}` });
  const { output: _output, ...rest } = options;
  await env.run([`gitmesh-devops:${generator}`], rest);
}

main().catch((error: unknown) => {
  // Expected failures are RunErrors (handled above). Anything else is a bug: one line, the stack on request.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`gitmesh-devops: internal error: ${message.split('\n')[0]}\n${process.env.GITMESH_DEVOPS_DEBUG && error instanceof Error ? `${error.stack}\n` : '(set GITMESH_DEVOPS_DEBUG=1 to see where)\n'}`);
  process.exitCode = 1;
});
