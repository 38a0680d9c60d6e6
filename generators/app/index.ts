/**
 * `yo gitmesh-devops`: asks (or reads) the answers, then renders the deployment repo through the
 * shared pipeline. All decisions live in ../lib; this class only adapts them to Yeoman's run loop.
 */
import Generator from 'yeoman-generator';
import type { RawAnswers } from '../lib/answers.js';
import { declarationOf, OPTION_NAMES, type Answers } from '../lib/options.js';
import { applyRun, EXIT_CONFLICTS, formatPlan, planRun, pruneEmptyDirs, type PlannedRun } from '../lib/pipeline.js';
import { questionFor } from '../lib/prompts.js';
import { RUN_FLAGS, assertCleanTree, printDryRun, type RunFlagName } from '../lib/run-flags.js';
import { gatherAnswers, missingMessage, resolveOrThrow, UsageError, type RunFlags } from '../lib/session.js';

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
  private planned?: PlannedRun;

  constructor(args: string[], options: Record<string, unknown>) {
    super(args, options as never);
    for (const name of OPTION_NAMES) {
      const decl = declarationOf(name);
      this.option(decl.flag, { type: decl.type === 'boolean' ? Boolean : String, description: decl.message });
    }
    for (const [flag, spec] of Object.entries(RUN_FLAGS)) {
      this.option(flag, { type: spec.type === 'boolean' ? Boolean : String, description: spec.description });
    }
  }

  async prompting(): Promise<void> {
    const flags = runFlags(this.options);
    const gathered = await gatherAnswers(this.destinationRoot(), flags, cliAnswers(this.options));
    const raw: Record<string, unknown> = { ...gathered.raw };
    const first = resolveOrThrow(raw, gathered.useDefaults);
    if (first.missing.length) {
      const interactive = (this.options as Record<string, unknown>).interactive ?? process.stdin.isTTY;
      if (!interactive) throw new UsageError([missingMessage(first.missing)]);
      for (const name of OPTION_NAMES) {
        if (!first.missing.includes(name)) continue;
        const question = questionFor(name, raw);
        if (!question) continue;
        const answer = (await this.prompt([question as never])) as Record<string, unknown>;
        raw[name] = answer[name];
      }
    }
    const final = resolveOrThrow(raw, true);
    this.answers = final.answers!;
    if (!flags.allowDirty && !flags.dryRun) await assertCleanTree(this.destinationRoot());
  }

  writing(): void {
    const flags = runFlags(this.options);
    this.planned = planRun(this.answers!, this.fs, this.destinationRoot(), flags);
    if (flags.dryRun) {
      printDryRun(this.planned, (line) => this.log(line));
      return;
    }
    // Our planner already decided every file; Yeoman's conflicter must not ask again.
    applyRun(this.planned, this.fs, this.destinationRoot(), (path) => {
      const file = this.fs.store.get(path) as { conflicter?: string };
      file.conflicter = 'force';
    });
  }

  end(): void {
    if (!this.planned || runFlags(this.options).dryRun) return;
    pruneEmptyDirs(this.destinationRoot(), this.planned);
    for (const line of formatPlan(this.planned.entries)) this.log(line);
    if (this.planned.summary.conflicts.length) {
      this.log(`\n${this.planned.summary.conflicts.length} file(s) have conflict markers to resolve:\n${this.planned.summary.conflicts.map((p) => `  ${p}`).join('\n')}`);
      process.exitCode = EXIT_CONFLICTS;
    }
  }
}
