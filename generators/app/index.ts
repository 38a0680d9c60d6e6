/**
 * `yo gitmesh-devops`: asks (or reads) the answers, then renders the deployment repo through the
 * shared pipeline. All decisions live in ../lib; this class only adapts them to Yeoman's run loop.
 */
import Generator from 'yeoman-generator';
import type { RawAnswers } from '../lib/answers.js';
import { declarationOf, OPTION_NAMES, type Answers } from '../lib/options.js';
import { applyRun, EXIT_CONFLICTS, formatPlan, planRun, type PlannedRun } from '../lib/pipeline.js';
import { questionFor } from '../lib/prompts.js';
import { RUN_FLAGS, assertCleanTree, printDryRun, type RunFlagName } from '../lib/run-flags.js';
import { gatherAnswers, missingMessage, resolveOrThrow, UsageError, type RunFlags } from '../lib/session.js';

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

  private flag(name: RunFlagName): unknown {
    const opts = this.options as Record<string, unknown>;
    return opts[name] ?? opts[RUN_FLAGS[name].camel];
  }

  private runFlags(): RunFlags {
    return {
      defaults: Boolean(this.flag('defaults')),
      ...(typeof this.flag('answers') === 'string' ? { answers: this.flag('answers') as string } : {}),
      dryRun: Boolean(this.flag('dry-run')),
      force: Boolean(this.flag('force')),
      restore: Boolean(this.flag('restore')),
      allowDirty: Boolean(this.flag('allow-dirty')),
      askAnswered: Boolean(this.flag('ask-answered')),
    };
  }

  private cliAnswers(): RawAnswers {
    const opts = this.options as Record<string, unknown>;
    const raw: RawAnswers = {};
    for (const name of OPTION_NAMES) {
      const flag = declarationOf(name).flag;
      const value = opts[flag] ?? opts[name];
      if (value !== undefined) raw[name] = value;
    }
    return raw;
  }

  async prompting(): Promise<void> {
    const flags = this.runFlags();
    const gathered = await gatherAnswers(this.destinationRoot(), flags, this.cliAnswers());
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
    const flags = this.runFlags();
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
    if (!this.planned || this.runFlags().dryRun) return;
    for (const line of formatPlan(this.planned.entries)) this.log(line);
    if (this.planned.summary.conflicts.length) {
      this.log(`\n${this.planned.summary.conflicts.length} file(s) have conflict markers to resolve:\n${this.planned.summary.conflicts.map((p) => `  ${p}`).join('\n')}`);
      process.exitCode = EXIT_CONFLICTS;
    }
  }
}
