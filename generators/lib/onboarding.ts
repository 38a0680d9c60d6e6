/**
 * Onboarding: a new service is one more entry in the stored `customServices` answer, so adding or
 * removing it re-renders every concern (Dockerfile, compose, edge route, CI matrix, monitoring,
 * backups, docs) through the same planner, in one transaction.
 */
import { DATA_NEEDS, SERVICE_KINDS } from './catalog.js';
import type { Answers, CustomService } from './options.js';
import type { RawAnswers } from './answers.js';

interface ServiceFlag {
  readonly flag: string;
  readonly key: keyof CustomService | 'remove';
  readonly message: string;
  readonly type: 'string' | 'number' | 'list' | 'boolean';
  readonly choices?: readonly string[];
  readonly required?: boolean;
}

/** One declaration per onboarding flag: the sub-generator's options, prompts and the bin's parser use it. */
export const SERVICE_FLAGS: readonly ServiceFlag[] = [
  { flag: 'name', key: 'name', message: 'Service name (a slug)', type: 'string', required: true },
  { flag: 'kind', key: 'kind', message: 'Kind', type: 'string', choices: SERVICE_KINDS, required: true },
  { flag: 'source', key: 'source', message: 'Source path in the GitMesh checkout (or repository:tag for kind image)', type: 'string', required: true },
  { flag: 'port', key: 'port', message: 'Port it listens on (empty for workers)', type: 'number' },
  { flag: 'health-path', key: 'healthPath', message: 'HTTP health path (empty: TCP or process check)', type: 'string' },
  { flag: 'route', key: 'routePath', message: 'Edge path to expose it at, e.g. /billing/ (empty: internal)', type: 'string' },
  { flag: 'replicas', key: 'replicas', message: 'Replicas', type: 'number' },
  { flag: 'size', key: 'size', message: 'Size class', type: 'string', choices: ['light', 'standard', 'heavy'] },
  { flag: 'needs', key: 'needs', message: `Data services it needs (comma separated: ${DATA_NEEDS.join(', ')})`, type: 'list' },
  { flag: 'env-vars', key: 'env', message: 'Environment variables it needs (comma separated, set in .env)', type: 'list' },
  { flag: 'secrets', key: 'secrets', message: 'Secrets it needs (comma separated, created by make secrets)', type: 'list' },
];

/** The raw service object from flags or prompt answers, keyed as in customServices. */
export function serviceFromFlags(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of SERVICE_FLAGS) {
    const value = values[spec.flag];
    if (value === undefined || value === '') continue;
    if (spec.type === 'list') out[spec.key] = Array.isArray(value) ? value : String(value).split(',').map((s) => s.trim()).filter(Boolean);
    else if (spec.type === 'number') out[spec.key] = Number(value);
    else out[spec.key] = value;
  }
  return out;
}

export function withServiceAdded(answers: Answers, service: Record<string, unknown>): RawAnswers {
  return { ...answers, customServices: [...answers.customServices, service] };
}

export function withServiceRemoved(answers: Answers, name: string): RawAnswers | string {
  if (!answers.customServices.some((svc) => svc.name === name)) {
    const known = answers.customServices.map((svc) => svc.name);
    return `no onboarded service "${name}" to remove${known.length ? ` (onboarded: ${known.join(', ')})` : ''}; catalog services are removed with --services`;
  }
  return { ...answers, customServices: answers.customServices.filter((svc) => svc.name !== name) };
}

/** The full answer set after adding or removing a service, validated like any other answers. */
export async function answersForServiceChange(cwd: string, op: 'add' | 'remove', values: Readonly<Record<string, unknown>>): Promise<Answers> {
  const { gatherAnswers, resolveOrThrow, UsageError } = await import('./session.js');
  const gathered = await gatherAnswers(cwd, {}, {});
  if (Object.keys(gathered.raw).length === 0) throw new UsageError(['no .yo-rc.json answers here: generate the repo first (gitmesh-devops --defaults)']);
  const current = resolveOrThrow(gathered.raw, true).answers!;
  if (op === 'remove') {
    const name = String(values.name ?? '');
    const next = withServiceRemoved(current, name);
    if (typeof next === 'string') throw new UsageError([next]);
    return resolveOrThrow(next, true).answers!;
  }
  const service = serviceFromFlags(values);
  const missing = SERVICE_FLAGS.filter((spec) => spec.required && service[spec.key] === undefined).map((spec) => `--${spec.flag}`);
  if (missing.length) throw new UsageError([`add-service needs ${missing.join(', ')}`]);
  return resolveOrThrow(withServiceAdded(current, service), true).answers!;
}
