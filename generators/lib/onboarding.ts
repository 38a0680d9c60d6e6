/**
 * Onboarding: a new service is one more entry in the stored `customServices` answer, so adding or
 * removing it re-renders every concern (Dockerfile, compose, edge route, CI matrix, monitoring,
 * backups, docs) through the same planner, in one transaction.
 *
 * Each field is declared once (question, flag, help, type, `when`, check), like the main options:
 * the sub-generator asks and validates one question at a time, and the bin's flags are checked with
 * the same functions, every problem naming its flag.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RESERVED_PORTS, servicesInUse } from './answers.js';
import type { RawAnswers } from './answers.js';
import { DATA_NEEDS, SERVICE_KINDS } from './catalog.js';
import * as check from './checks.js';
import type { Limit } from './checks.js';
import { reservedSecret, reservedServiceName, routeShadowing, wiredEnvNames } from './reserved.js';
import type { Answers, CustomService } from './options.js';
import { prepare } from './prepare/index.js';

export type ServiceDraft = Readonly<Partial<Record<keyof CustomService, unknown>>>;

interface FieldContext {
  /** The stack's answers before this change. */
  readonly answers: Answers;
  /** The fields answered so far, coerced. */
  readonly service: ServiceDraft;
}

export interface ServiceField {
  readonly flag: string;
  readonly key: keyof CustomService;
  /** The question asked. */
  readonly message: string;
  /** The flag's help line. */
  readonly help: string;
  readonly type: 'string' | 'number' | 'choice' | 'list' | 'multi';
  readonly choices?: readonly string[];
  readonly required?: boolean;
  /** A typical valid answer (docs and the property tests start from it). */
  readonly example?: string;
  /** Longest accepted text (each item of a list), from the tool that consumes the value (checks.ts LIMITS). */
  readonly limit?: Limit;
  /** The prompt's default (shown in brackets, taken on Enter). */
  readonly default?: (service: ServiceDraft) => unknown;
  /** Asked only when this holds for the answers so far. */
  readonly when?: (service: ServiceDraft) => boolean;
  /** A problem with the coerced value, in the context of the stack and the fields before it. */
  readonly check?: (value: never, context: FieldContext) => string | undefined;
}

const hasPort = (service: ServiceDraft): boolean => service.port !== undefined;

/** One declaration per onboarding field: the sub-generator's options and questions, and the bin's flags. */
export const SERVICE_FIELDS: readonly ServiceField[] = [
  {
    flag: 'name',
    example: 'billing',
    key: 'name',
    message: 'Service name (a slug, e.g. billing)',
    help: 'Service name: a slug, unique in the stack',
    type: 'string',
    required: true,
    check: (name: string, { answers }) =>
      check.slug(name) ?? (servicesInUse(answers).some((svc) => svc.name === name) ? `"${name}" is already a service of this stack; choose another name` : reservedServiceName(name)),
  },
  {
    flag: 'kind',
    key: 'kind',
    message: 'Kind of service',
    help: `What it is: ${SERVICE_KINDS.join(', ')} (image: a prebuilt image, no Dockerfile)`,
    type: 'choice',
    choices: SERVICE_KINDS,
    required: true,
  },
  {
    flag: 'source',
    example: 'services/apps/billing',
    key: 'source',
    message: 'Source path in the GitMesh checkout (for kind image: repository:tag)',
    help: 'Path in the gitmesh/ checkout, or repository:tag for kind image',
    type: 'string',
    required: true,
    limit: check.LIMITS.path,
    check: (source: string, { service }) => check.tooLong(source, service.kind === 'image' ? check.LIMITS.imageRef : check.LIMITS.path) ?? check.serviceSource(String(service.kind ?? ''), source),
  },
  {
    flag: 'port',
    key: 'port',
    message: 'Port it listens on (empty for a worker)',
    help: 'Port it listens on, 1024-65535 (omit for a worker)',
    type: 'number',
    check: (port: number, { answers }) => {
      const owner = servicesInUse(answers).find((svc) => svc.port === port);
      return check.port(port) ?? (owner ? `port ${port} is already used by service "${owner.name}"` : RESERVED_PORTS.has(port) ? `port ${port} is reserved for ${RESERVED_PORTS.get(port)}` : undefined);
    },
  },
  {
    flag: 'health-path',
    example: '/health',
    key: 'healthPath',
    message: 'HTTP health path, e.g. /health (empty: a TCP check)',
    help: 'HTTP health path, e.g. /health (needs --port; omit for a TCP or process check)',
    type: 'string',
    when: hasPort,
    limit: check.LIMITS.path,
    check: (path: string, { service }) => check.tooLong(path, check.LIMITS.path) ?? check.httpPath(path) ?? (hasPort(service) ? undefined : 'a health path needs --port'),
  },
  {
    flag: 'route',
    example: '/billing/',
    key: 'routePath',
    message: 'Edge path to expose it at, e.g. /billing/ (empty: internal only)',
    help: 'Edge path prefix, e.g. /billing/ (needs --port; omit to keep it internal)',
    type: 'string',
    when: hasPort,
    limit: check.LIMITS.route,
    check: (route: string, { answers, service }) => {
      const problem = check.tooLong(route, check.LIMITS.route) ?? check.routePath(route);
      if (problem) return problem;
      const owner = servicesInUse(answers).find((svc) => svc.routes.includes(route));
      if (owner) return `route ${route} is already served by "${owner.name}"`;
      const shadowed = routeShadowing(route, servicesInUse(answers));
      if (shadowed) return `route ${route} of ${JSON.stringify(String(service.name ?? 'this service'))} ${shadowed}`;
      return hasPort(service) ? undefined : 'an exposed service needs --port';
    },
  },
  {
    flag: 'replicas',
    key: 'replicas',
    message: 'Replicas',
    help: 'Replicas, 1-50 (default 1)',
    type: 'number',
    default: () => 1,
    check: (n: number) => check.replicas(n),
  },
  {
    flag: 'size',
    key: 'size',
    message: 'Size class (CPU and memory limits)',
    help: `Size class: ${check.SERVICE_SIZES.join(', ')} (default standard)`,
    type: 'choice',
    choices: check.SERVICE_SIZES,
    default: () => 'standard',
  },
  {
    flag: 'needs',
    key: 'needs',
    message: 'Data services it needs',
    help: `Data services it needs, comma separated: ${DATA_NEEDS.join(', ')}`,
    type: 'multi',
    choices: DATA_NEEDS,
    default: () => [],
    check: (needs: string[], { answers }) => {
      const problem = check.dataNeeds(needs);
      if (problem) return problem;
      if (needs.includes('sqs') && answers.queue === 'kafka') return 'this stack runs no SQS queue (--queue kafka); choose kafka, or change the stack with --queue sqs+kafka';
      if (needs.includes('kafka') && answers.queue === 'sqs') return 'this stack runs no Kafka (--queue sqs); change the stack with --queue sqs+kafka first';
      return undefined;
    },
  },
  {
    flag: 'env-vars',
    example: 'BILLING_PLAN',
    key: 'env',
    message: 'Environment variables it needs (comma separated, set in .env)',
    help: 'Environment variables it reads, comma separated UPPER_SNAKE_CASE (set in .env)',
    type: 'list',
    default: () => [],
    limit: check.LIMITS.envName,
    check: (names: string[], { answers, service }) => {
      const problem = check.envNames(names);
      if (problem) return problem;
      const wired = wiredEnvNames(answers, draft(service));
      const taken = names.filter((name) => wired.has(name));
      return taken.length ? `env name ${taken.join(', ')} ${taken.length === 1 ? 'is' : 'are'} set by the generator for this service; leave ${taken.length === 1 ? 'it' : 'them'} out` : undefined;
    },
  },
  {
    flag: 'secrets',
    example: 'billing_token',
    key: 'secrets',
    message: 'Random secrets it needs (comma separated; make secrets creates them)',
    help: 'Random secrets it reads, comma separated lower_snake_case (make secrets creates them)',
    type: 'list',
    default: () => [],
    limit: check.LIMITS.secretName,
    check: (names: string[], { answers, service }) => secretProblems(names, answers, service),
  },
  {
    flag: 'external-secrets',
    example: 'stripe_api_key',
    key: 'externalSecrets',
    message: 'Secrets a third party issues, e.g. stripe_api_key (comma separated; you write the values)',
    help: 'Secrets a third party issues (an API key), comma separated: make secrets writes a placeholder and warns',
    type: 'list',
    default: () => [],
    limit: check.LIMITS.secretName,
    check: (names: string[], { answers, service }) => {
      const both = names.filter((name) => Array.isArray(service.secrets) && service.secrets.includes(name));
      return secretProblems(names, answers, service) ?? (both.length ? `${both.join(', ')} cannot be both a random and a third-party secret` : undefined);
    },
  },
];

/** The service as answered so far, completed with neutral values, for probing what the wiring sets. */
function draft(service: ServiceDraft): CustomService {
  return { replicas: 1, size: 'standard', needs: [], env: [], secrets: [], ...(service as Partial<CustomService>), name: String(service.name ?? 'draft'), kind: (service.kind ?? 'node-worker') as CustomService['kind'], source: String(service.source ?? 'draft') };
}

/** A secret list: names, each once, none of the stack's, none whose `<NAME>_FILE` --env-vars lists too. */
function secretProblems(names: readonly string[], answers: Answers, service: ServiceDraft): string | undefined {
  const problem = check.secretNames(names) ?? names.map(reservedSecret).find(Boolean);
  if (problem) return problem;
  const env = Array.isArray(service.env) ? (service.env as string[]) : [];
  const wired = wiredEnvNames(answers, { ...draft(service), secrets: [...names] });
  const taken = env.filter((name) => wired.has(name));
  return taken.length ? `env name ${taken.join(', ')} (--env-vars) is set by the generator for these secrets; leave it out of --env-vars` : undefined;
}

const fieldByFlag = new Map(SERVICE_FIELDS.map((field) => [field.flag, field]));

/** Coerces a flag or prompt value; '' or an empty list means "not given" for optional fields. */
export function coerceField(field: ServiceField, raw: unknown): { value?: unknown; problem?: string } {
  const input = Array.isArray(raw) ? raw.map((item: unknown) => (typeof item === 'object' && item !== null && 'value' in item ? (item as { value: unknown }).value : item)) : raw;
  switch (field.type) {
    case 'number': {
      if (input === undefined || String(input).trim() === '') return {};
      const n = Number(String(input).trim());
      return Number.isInteger(n) ? { value: n } : { problem: `${JSON.stringify(String(input))} is not a whole number` };
    }
    case 'choice':
      return field.choices!.includes(String(input)) ? { value: String(input) } : { problem: `must be one of ${field.choices!.join(', ')}, got ${JSON.stringify(String(input ?? ''))}` };
    case 'list':
    case 'multi': {
      const list = Array.isArray(input) ? input.map(String) : String(input ?? '').split(',');
      return { value: list.map((item) => item.trim()).filter(Boolean) };
    }
    default: {
      const text = String(input ?? '').trim();
      return text === '' ? {} : { value: text };
    }
  }
}

/** Checks one answer; the problem names the flag, so it reads the same at a prompt and on the command line. */
export function checkField(field: ServiceField, raw: unknown, context: FieldContext): { value?: unknown; problem?: string } {
  const coerced = coerceField(field, raw);
  const problem = coerced.problem ?? (coerced.value === undefined ? (field.required ? 'is required' : undefined) : field.check?.(coerced.value as never, context));
  return problem ? { problem: `--${field.flag}: ${problem}` } : coerced;
}

/** Checks every given flag at once, in field order, and builds the service. */
export function serviceFromFlags(values: Readonly<Record<string, unknown>>, answers: Answers): { service: Record<string, unknown>; problems: string[] } {
  const service: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const field of SERVICE_FIELDS) {
    const raw = values[field.flag];
    if (raw === undefined) {
      if (field.required) problems.push(`--${field.flag} is required`);
      continue;
    }
    const checked = checkField(field, raw, { answers, service });
    if (checked.problem) problems.push(checked.problem);
    else if (checked.value !== undefined) service[field.key] = checked.value;
  }
  return { service, problems };
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

/** The .yo-rc.json text each `currentAnswers` result was read from (the run is refused if it changes meanwhile). */
export const answersBasis = new WeakMap<Answers, { readonly yoRc: string | undefined }>();

/** The stack's current answers, from .yo-rc.json; onboarding needs a generated repo. */
export async function currentAnswers(cwd: string): Promise<Answers> {
  const { gatherAnswers, resolveOrThrow, RefusedError } = await import('./session.js');
  const gathered = await gatherAnswers(cwd, {}, {});
  if (Object.keys(gathered.raw).length === 0) throw new RefusedError('Not run', ['no .yo-rc.json answers here: generate the repo first (gitmesh-devops --defaults)']);
  const answers = resolveOrThrow(gathered.raw, true).answers!;
  answersBasis.set(answers, gathered.basis);
  return answers;
}

export interface ServiceChange {
  readonly answers: Answers;
  /** The .yo-rc.json text the change starts from. */
  readonly basis: { readonly yoRc: string | undefined };
  /** Next steps the change leaves to the user (.env keys, secret values, unused secret files). */
  readonly notes: readonly string[];
}

/** The full answer set after adding or removing a service, validated like any other answers. */
export async function answersForServiceChange(cwd: string, op: 'add' | 'remove', values: Readonly<Record<string, unknown>>): Promise<ServiceChange> {
  const { resolveOrThrow, UsageError } = await import('./session.js');
  const current = await currentAnswers(cwd);
  if (op === 'remove') {
    const name = String(values.name ?? '');
    const next = withServiceRemoved(current, name);
    if (typeof next === 'string') throw new UsageError([next]);
    const answers = resolveOrThrow(next, true).answers!;
    return { answers, notes: removalNotes(cwd, current, answers), basis: answersBasis.get(current)! };
  }
  const { service, problems } = serviceFromFlags(values, current);
  if (problems.length) throw new UsageError(problems);
  const answers = resolveOrThrow(withServiceAdded(current, service), true).answers!;
  return { answers, notes: additionNotes(answers.customServices.at(-1)!), basis: answersBasis.get(current)! };
}

export function additionNotes(service: CustomService): string[] {
  const notes: string[] = [];
  if (service.env.length) notes.push(`Set ${service.env.join(', ')} in .env for ${service.name} (listed, empty, in .env.example).`);
  if (service.secrets.length) notes.push(`Run make secrets: it creates ${service.secrets.map((s) => `secrets/${s}`).join(', ')} with random values.`);
  for (const name of service.externalSecrets ?? []) notes.push(`Write the real ${name} (issued by the provider) to secrets/${name}, with no trailing newline: make secrets puts a placeholder there and warns until you do.`);
  return notes;
}

/** After a removal: the secret files and .env keys nothing uses any more. */
export function removalNotes(cwd: string, before: Answers, after: Answers): string[] {
  const kept = new Set(prepare(after).secrets.map((secret) => secret.name));
  const unused = prepare(before)
    .secrets.map((secret) => secret.name)
    .filter((name) => !kept.has(name) && existsSync(join(cwd, 'secrets', name)));
  const removed = before.customServices.filter((svc) => !after.customServices.some((other) => other.name === svc.name));
  const envLeft = removed.flatMap((svc) => svc.env);
  const notes: string[] = [];
  if (unused.length) notes.push(`No service uses ${unused.map((name) => `secrets/${name}`).join(', ')} any more: delete ${unused.length === 1 ? 'it' : 'them'} once you are sure (rm ${unused.map((name) => `secrets/${name}`).join(' ')}).`);
  if (envLeft.length) notes.push(`${envLeft.join(', ')} in .env ${envLeft.length === 1 ? 'is' : 'are'} no longer used: remove ${envLeft.length === 1 ? 'it' : 'them'} from .env.`);
  return notes;
}

export { fieldByFlag };
