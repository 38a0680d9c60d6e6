/**
 * `yo gitmesh-devops:service`: onboard (or `--remove`) a service. It edits the stored answers and
 * re-renders the whole repo through the same run as the main generator, so your edits are merged,
 * not lost. Questions are asked one at a time and each answer is checked as it is given.
 */
import Generator from 'yeoman-generator';
import type { Answers } from '../lib/options.js';
import {
  additionNotes,
  answersForServiceChange,
  checkField,
  answersBasis,
  currentAnswers,
  removalNotes,
  SERVICE_FIELDS,
  withServiceAdded,
  withServiceRemoved,
  type ServiceField,
} from '../lib/onboarding.js';
import { executeRun, finishInterruptedRun } from '../lib/run.js';
import { assertCleanTree } from '../lib/run-flags.js';
import { RefusedError, resolveOrThrow, UsageError } from '../lib/session.js';

export default class ServiceGenerator extends Generator {
  private answers?: Answers;
  private notes: readonly string[] = [];
  private basis?: { readonly yoRc: string | undefined };

  constructor(args: string[], options: Record<string, unknown>) {
    // customInstallTask: this generator installs no packages, so Yeoman's npm-install step stays silent.
    super(args, options as never, { customInstallTask: true } as never);
    for (const field of SERVICE_FIELDS) this.option(field.flag, { type: String, description: field.help });
    this.option('remove', { type: Boolean, description: 'Remove the onboarded service named by --name' });
    this.option('allow-dirty', { type: Boolean, description: 'Run even when the git working tree has uncommitted changes' });
  }

  /** Underscored: Yeoman runs every public prototype method as a task. */
  private _allowDirty(): boolean {
    const options = this.options as Record<string, unknown>;
    return Boolean(options['allow-dirty'] ?? options.allowDirty);
  }

  async prompting(): Promise<void> {
    const options = this.options as Record<string, unknown>;
    finishInterruptedRun(this.destinationRoot(), {}, (line) => this.log(line));
    if (!this._allowDirty()) assertCleanTree(this.destinationRoot());
    // Only our declared flags: Yeoman's own options (env, resolved, ...) must not leak into the service.
    const values: Record<string, unknown> = Object.fromEntries(SERVICE_FIELDS.flatMap((field) => (options[field.flag] === undefined ? [] : [[field.flag, options[field.flag]]])));
    const interactive = Boolean(options.interactive ?? process.stdin.isTTY);
    const current = await currentAnswers(this.destinationRoot());
    this.basis = answersBasis.get(current);
    if (options.remove) {
      if (values.name === undefined) {
        if (!interactive) throw new RefusedError('Missing answers', ['No terminal to ask on: pass --name of the service to remove']);
        const names = current.customServices.map((svc) => svc.name);
        if (!names.length) throw new RefusedError('Not run', ['no onboarded service to remove; catalog services are removed with --services']);
        values.name = await this._ask({ type: 'select', name: 'name', message: 'Service to remove', choices: names.map((name) => ({ name, value: name })) });
      }
      const next = withServiceRemoved(current, String(values.name));
      if (typeof next === 'string') throw new UsageError([next]);
      this.answers = resolveOrThrow(next, true).answers!;
      this.notes = removalNotes(this.destinationRoot(), current, this.answers);
      return;
    }
    const missing = SERVICE_FIELDS.filter((field) => field.required && values[field.flag] === undefined);
    if (!missing.length || !interactive) {
      if (missing.length) throw new RefusedError('Missing answers', [`No terminal to ask on: pass ${missing.map((field) => `--${field.flag}`).join(', ')}`]);
      const change = await answersForServiceChange(this.destinationRoot(), 'add', values);
      this.answers = change.answers;
      this.notes = change.notes;
      return;
    }
    // Interactive: flags given are checked first (all at once), then each missing field is asked in order.
    const service: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const field of SERVICE_FIELDS) {
      if (values[field.flag] !== undefined) {
        const checked = checkField(field, values[field.flag], { answers: current, service });
        if (checked.problem) problems.push(checked.problem);
        else if (checked.value !== undefined) service[field.key] = checked.value;
        continue;
      }
      if (problems.length) continue;
      if (field.when && !field.when(service)) continue;
      const answer = await this._ask(questionFor(field, current, service));
      const checked = checkField(field, answer, { answers: current, service });
      if (checked.value !== undefined) service[field.key] = checked.value;
    }
    if (problems.length) throw new UsageError(problems);
    this.answers = resolveOrThrow(withServiceAdded(current, service), true).answers!;
    this.notes = additionNotes(this.answers.customServices.at(-1)!);
  }

  private async _ask(question: Record<string, unknown>): Promise<unknown> {
    return ((await this.prompt([question as never])) as Record<string, unknown>)[question.name as string];
  }

  async writing(): Promise<void> {
    const status = await executeRun(this.destinationRoot(), this.answers!, { allowDirty: this._allowDirty() }, (line) => this.log(line), { notes: this.notes, ...(this.basis ? { basis: this.basis } : {}) });
    if (status !== 0) process.exitCode = status;
  }
}

/** The prompt for one field: validated as it is answered, with the message naming the flag. */
function questionFor(field: ServiceField, answers: Answers, service: Record<string, unknown>): Record<string, unknown> {
  const validate = (input: unknown): true | string => checkField(field, input, { answers, service }).problem ?? true;
  const fallback = field.default?.(service);
  const base = { name: field.flag, message: field.message, validate };
  switch (field.type) {
    case 'choice':
      return { ...base, type: 'select', choices: field.choices!.map((value) => ({ name: value, value })), ...(fallback !== undefined ? { default: fallback } : {}) };
    case 'multi':
      return { ...base, type: 'checkbox', choices: field.choices!.map((value) => ({ name: value, value, checked: ((fallback as string[] | undefined) ?? []).includes(value) })) };
    case 'list':
      return { ...base, type: 'input', default: ((fallback as string[] | undefined) ?? []).join(',') };
    default:
      return { ...base, type: 'input', ...(fallback !== undefined ? { default: String(fallback) } : {}) };
  }
}
