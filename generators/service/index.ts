/**
 * `yo gitmesh-devops:service`: onboard (or `--remove`) a service. It edits the stored answers and
 * re-renders the whole repo through the same planner, so your edits are merged, not lost.
 */
import Generator from 'yeoman-generator';
import type { Answers } from '../lib/options.js';
import { answersForServiceChange, SERVICE_FLAGS } from '../lib/onboarding.js';
import { applyRun, EXIT_CONFLICTS, formatPlan, planRun, pruneEmptyDirs, type PlannedRun } from '../lib/pipeline.js';
import { assertCleanTree } from '../lib/run-flags.js';
import { UsageError } from '../lib/session.js';

export default class ServiceGenerator extends Generator {
  private answers?: Answers;
  private planned?: PlannedRun;

  constructor(args: string[], options: Record<string, unknown>) {
    super(args, options as never);
    for (const spec of SERVICE_FLAGS) this.option(spec.flag, { type: spec.type === 'number' ? Number : String, description: spec.message });
    this.option('remove', { type: Boolean, description: 'Remove the onboarded service named by --name' });
    this.option('allow-dirty', { type: Boolean, description: 'Run even when the git working tree has uncommitted changes' });
  }

  async prompting(): Promise<void> {
    const options = this.options as Record<string, unknown>;
    // Only our declared flags: Yeoman's own options (env, resolved, ...) must not leak into the service.
    const values: Record<string, unknown> = Object.fromEntries(SERVICE_FLAGS.flatMap((spec) => (options[spec.flag] === undefined ? [] : [[spec.flag, options[spec.flag]]])));
    if (options.remove) values.name ??= options.name;
    const interactive = options.interactive ?? process.stdin.isTTY;
    const needed = options.remove ? SERVICE_FLAGS.filter((s) => s.flag === 'name') : SERVICE_FLAGS;
    for (const spec of needed) {
      if (values[spec.flag] !== undefined || !interactive) continue;
      const answer = (await this.prompt([
        spec.choices
          ? { type: 'list', name: spec.flag, message: spec.message, choices: [...spec.choices] }
          : { type: 'input', name: spec.flag, message: spec.message, validate: (v: string) => (spec.required && !v ? `${spec.flag} is required` : true) },
      ] as never)) as Record<string, unknown>;
      values[spec.flag] = answer[spec.flag];
    }
    if (!options.remove && SERVICE_FLAGS.some((s) => s.required && values[s.flag] === undefined)) {
      throw new UsageError([`no terminal to ask on: pass ${SERVICE_FLAGS.filter((s) => s.required).map((s) => `--${s.flag}`).join(', ')}`]);
    }
    this.answers = await answersForServiceChange(this.destinationRoot(), options.remove ? 'remove' : 'add', values);
    if (!options['allow-dirty'] && !options.allowDirty) await assertCleanTree(this.destinationRoot());
  }

  writing(): void {
    this.planned = planRun(this.answers!, this.fs, this.destinationRoot());
    applyRun(this.planned, this.fs, this.destinationRoot(), (path) => {
      (this.fs.store.get(path) as { conflicter?: string }).conflicter = 'force';
    });
  }

  end(): void {
    if (!this.planned) return;
    pruneEmptyDirs(this.destinationRoot(), this.planned);
    for (const line of formatPlan(this.planned.entries)) this.log(line);
    if (this.planned.summary.conflicts.length) process.exitCode = EXIT_CONFLICTS;
  }
}
