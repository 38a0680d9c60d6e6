/**
 * `yo gitmesh-devops`: asks (or reads) the answers, then renders the deployment repo through the
 * shared run. All decisions live in ../lib; this class only adapts them to Yeoman's run loop.
 */
import Generator from 'yeoman-generator';
import type { RawAnswers } from '../lib/answers.js';
import { yeomanOptionDescription } from '../lib/help.js';
import { declarationOf, OPTION_NAMES, type Answers } from '../lib/options.js';
import { interview, type Question } from '../lib/prompts.js';
import { executeRun, finishInterruptedRun } from '../lib/run.js';
import { RUN_FLAGS, assertCleanTree, type RunFlagName } from '../lib/run-flags.js';
import { gatherAnswers, missingAnswers, resolveOrThrow, type RunFlags } from '../lib/session.js';

/** Yeoman parses `--dry-run` as `dry-run` (and callers may pass `dryRun`): accept both spellings. */
function flag(options: Record<string, unknown>, name: RunFlagName): unknown {
  return options[name] ?? options[RUN_FLAGS[name].camel];
}

function runFlags(options: Record<string, unknown>): RunFlags {
  const answers = flag(options, 'answers');
  return {
    defaults: Boolean(flag(options, 'defaults')),
    ...(typeof answers === 'string' ? { answers } : {}),
    dryRun: Boolean(flag(options, 'dry-run')),
    force: Boolean(flag(options, 'force')),
    restore: Boolean(flag(options, 'restore')),
    allowDirty: Boolean(flag(options, 'allow-dirty')),
    askAnswered: Boolean(flag(options, 'ask-answered')),
  };
}

function cliAnswers(options: Record<string, unknown>): RawAnswers {
  const raw: RawAnswers = {};
  for (const name of OPTION_NAMES) {
    const value = options[declarationOf(name).flag] ?? options[name];
    if (value !== undefined) raw[name] = value;
  }
  return raw;
}

export default class GitmeshDevopsGenerator extends Generator {
  private answers?: Answers;
  private basis?: { readonly yoRc: string | undefined };

  constructor(args: string[], options: Record<string, unknown>) {
    // customInstallTask: this generator installs no packages, so Yeoman's npm-install step stays silent.
    super(args, options as never, { customInstallTask: true } as never);
    for (const name of OPTION_NAMES) {
      const decl = declarationOf(name);
      this.option(decl.flag, { type: decl.type === 'boolean' ? Boolean : String, description: yeomanOptionDescription(decl) });
    }
    for (const [name, spec] of Object.entries(RUN_FLAGS)) {
      if (name === 'ask-answered') continue; // Yeoman declares it itself, with the same meaning
      this.option(name, { type: spec.type === 'boolean' ? Boolean : String, description: spec.description });
    }
  }

  async prompting(): Promise<void> {
    const options = this.options as Record<string, unknown>;
    const flags = runFlags(options);
    // Refuse a dirty tree before asking anything: answering every question and then being refused wastes the user's time.
    // An interrupted run is finished first: its changes are not "uncommitted changes" of the user's, and its answers count.
    finishInterruptedRun(this.destinationRoot(), flags, (line) => this.log(line));
    if (!flags.allowDirty && !flags.dryRun) assertCleanTree(this.destinationRoot());
    const gathered = await gatherAnswers(this.destinationRoot(), flags, cliAnswers(options));
    this.basis = gathered.basis;
    const first = resolveOrThrow(gathered.raw, gathered.useDefaults);
    let raw = gathered.raw;
    if (first.missing.length) {
      const interactive = options.interactive ?? process.stdin.isTTY;
      if (!interactive) throw missingAnswers(first.missing);
      const ask = async (question: Question): Promise<unknown> => ((await this.prompt([question as never])) as Record<string, unknown>)[question.name];
      raw = await interview(raw, ask, { useDefaults: gathered.useDefaults, ...(gathered.stored ? { suggested: gathered.stored } : {}) });
    }
    this.answers = resolveOrThrow(raw, true).answers!;
  }

  async writing(): Promise<void> {
    const status = await executeRun(this.destinationRoot(), this.answers!, runFlags(this.options as Record<string, unknown>), (line) => this.log(line), this.basis ? { basis: this.basis } : {});
    if (status !== 0) process.exitCode = status;
  }
}
