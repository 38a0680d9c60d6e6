/**
 * Turns raw answers (CLI flags, an answers file, stored .yo-rc.json answers, prompt results) into one
 * complete, validated `Answers` object, or the full list of problems. Nothing here touches the disk.
 */
import { CATALOG_BY_NAME, type DataNeed } from './catalog.js';
import { LIMITS, shown, tooLong } from './checks.js';
import { customServiceCollisions, routeShadowing } from './reserved.js';
import { declarationOf, OPTION_NAMES, type AnswerBag, type AnyDecl, type Answers, type OptionName } from './options.js';

export type RawAnswers = Partial<Record<OptionName, unknown>>;

/** Coerces one raw value (a CLI string or a JSON/YAML value) to the declared type. */
export function coerce(decl: AnyDecl, raw: unknown): { value?: unknown; problem?: string } {
  const label = `--${decl.flag}`;
  switch (decl.type) {
    case 'string':
      if (typeof raw === 'string') return { value: raw.trim() };
      // YAML reads `gitmeshRef: 0123456` as the number 123456: turning it back into a string would pin another ref.
      if (typeof raw === 'number') return { problem: `${label} must be a quoted string (the file holds the number ${raw})` };
      return { problem: `${label} must be a string` };
    case 'number': {
      // Decimal digits only: Number() would read "0x10" as 16 and "1e3" as 1000.
      if (typeof raw === 'string' && !/^\s*-?[0-9]+\s*$/.test(raw)) return { problem: `${label} must be a decimal integer, got ${shown(raw)}` };
      const n = typeof raw === 'string' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) return { problem: `${label} must be an integer, got ${shown(raw)}` };
      if (n < decl.min || n > decl.max) return { problem: `${label} must be from ${decl.min} to ${decl.max}, got ${n}` };
      return { value: n };
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'yes') return { value: true };
      if (raw === 'false' || raw === 'no') return { value: false };
      return { problem: `${label} must be true or false, got ${shown(raw)}` };
    case 'choice':
      if (typeof raw === 'string' && decl.choices.includes(raw)) return { value: raw };
      return { problem: `${label} must be one of ${decl.choices.join(', ')}, got ${shown(raw)}` };
    case 'list':
    case 'multi': {
      const list = toList(raw);
      if (!list) return { problem: `${label} must be a comma-separated list` };
      if (decl.type === 'multi') {
        const unknown = list.filter((item) => !decl.choices.includes(item));
        // Unknown service names are reported by the declaration's own validator with the catalog listed.
        if (unknown.length && decl.flag !== 'services') return { problem: `${label}: unknown value(s) ${unknown.map(shown).join(', ')}; choose from ${decl.choices.join(', ')}` };
        // A choice listed twice would be stored twice (and rendered twice); --services says so in its own words.
        const twice = list.find((item, index) => list.indexOf(item) !== index);
        if (twice !== undefined && decl.flag !== 'services') return { problem: `${label}: ${shown(twice)} is listed twice` };
      }
      if (decl.type === 'list') {
        const long = list.map((item) => tooLong(item, decl.limit)).find(Boolean);
        if (long) return { problem: `${label}: ${long}` };
      }
      return { value: list };
    }
    case 'json': {
      const parsed = decl.parse(raw);
      return parsed.problems.length ? { problem: parsed.problems.join('; ') } : { value: parsed.value };
    }
  }
}

function toList(raw: unknown): string[] | undefined {
  if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return raw.map((item) => item.trim()).filter(Boolean);
  if (typeof raw === 'string') return raw.split(',').map((item) => item.trim()).filter(Boolean);
  return undefined;
}

export interface Resolution {
  readonly answers?: Answers;
  readonly problems: readonly string[];
  /** Options that have no value and no permission to default (a non-interactive run must name them). */
  readonly missing: readonly OptionName[];
}

export interface ResolveOptions {
  /** Fill every unanswered option with its default (`--defaults`, `--answers`, or stored answers). */
  readonly useDefaults: boolean;
}

/**
 * Resolves every option in declaration order, so `when` and computed defaults see earlier answers.
 * All problems are collected; none stops the loop, so the user sees them all at once.
 */
export function resolveAnswers(raw: RawAnswers, { useDefaults }: ResolveOptions): Resolution {
  const bag: Record<string, unknown> = {};
  const problems: string[] = [];
  const missing: OptionName[] = [];
  for (const name of Object.keys(raw)) {
    if (!(OPTION_NAMES as string[]).includes(name)) problems.push(`unknown option "${name}"`);
  }
  for (const name of OPTION_NAMES) {
    const decl = declarationOf(name);
    const applies = decl.when ? decl.when(bag) : true;
    const given = raw[name];
    let value: unknown;
    if (given === null) {
      // `domain: null` (or an empty YAML value) silently meant "the default": say so instead.
      problems.push(`--${decl.flag}: null is not a value; leave the key out to take the default`);
      continue;
    }
    if (given !== undefined) {
      const coerced = coerce(decl, given);
      if (coerced.problem) {
        problems.push(coerced.problem);
        continue;
      }
      value = coerced.value;
      // Length first: a pattern is never tried on a 30 MB value, and the limit names the tool it comes from.
      const long = decl.type === 'string' ? tooLong(value as string, decl.limit) : undefined;
      if (long) {
        problems.push(`--${decl.flag}: ${long}`);
        continue;
      }
    } else if (!applies || useDefaults || decl.hidden) {
      value = defaultOf(decl, bag);
    } else {
      missing.push(name);
      continue;
    }
    // A computed default derives from earlier answers: when one of those was rejected, its failure is
    // already reported, and blaming a flag the user never set (--acme-email from a bad --domain) misleads.
    const derivedFromRejected = given === undefined && typeof decl.default === 'function' && problems.length > 0;
    const problem = applies && !derivedFromRejected ? (decl.validate as ((v: unknown, a: AnswerBag) => string | undefined) | undefined)?.(value, bag) : undefined;
    if (problem) problems.push(`--${decl.flag}: ${problem}`);
    bag[name] = value;
  }
  if (problems.length || missing.length) return { problems, missing };
  const answers = bag as Answers;
  const contradictions = crossCheck(answers);
  return contradictions.length ? { problems: contradictions, missing } : { answers, problems: [], missing };
}

export function defaultOf(decl: AnyDecl, bag: AnswerBag): unknown {
  return typeof decl.default === 'function' ? (decl.default as (a: AnswerBag) => unknown)(bag) : decl.default;
}

/** Ports published on 127.0.0.1 by the development override; app services must not reuse them. */
export const RESERVED_PORTS: ReadonlyMap<number, string> = new Map([
  [80, 'edge HTTP'],
  [443, 'edge HTTPS'],
  [5432, 'PostgreSQL'],
  [6379, 'Redis'],
  [9200, 'OpenSearch'],
  [9324, 'ElasticMQ'],
  [9325, 'ElasticMQ UI'],
  [7233, 'Temporal'],
  [8233, 'Temporal UI'],
  [9092, 'Kafka'],
]);

export interface ServiceInUse {
  readonly name: string;
  readonly port?: number | undefined;
  readonly routes: readonly string[];
  readonly needs: readonly DataNeed[];
}

/** Every application service of an answer set (catalog and onboarded) with what it claims. */
export function servicesInUse(answers: Pick<Answers, 'services' | 'customServices'>): ServiceInUse[] {
  return [
    ...answers.services.map((name) => CATALOG_BY_NAME.get(name)!).map((entry) => ({ name: entry.name, port: entry.port, routes: entry.routes.map((route) => route.path), needs: entry.needs })),
    ...answers.customServices.map((svc) => ({ name: svc.name, port: svc.port, routes: svc.routePath ? [svc.routePath] : [], needs: svc.needs })),
  ];
}

/** Choices that are each valid but contradict one another. */
export function crossCheck(answers: Answers): string[] {
  const problems: string[] = [];
  const all = servicesInUse(answers);
  if (all.length === 0) problems.push('--services: choose at least one application service');
  if (answers.postgresReplica && !answers.postgres) problems.push('--postgres-replica needs --postgres: a replica cannot follow an external database');
  if (answers.services.includes('frontend') && !answers.services.includes('api') && !answers.customServices.some((svc) => svc.routePath === '/api/')) {
    problems.push('--services: the frontend calls the API at /api/; add "api" to the services');
  }
  if (answers.tlsMode === 'letsencrypt' && /(?:^|\.)(?:localhost|local|test|invalid|internal|lan|home\.arpa)$/.test(answers.domain)) {
    problems.push(`--tls-mode letsencrypt cannot issue a certificate for "${answers.domain}"; use --tls-mode self-signed for local names`);
  }
  if (answers.environments.includes('production') && !answers.backupOffsite && !answers.acceptSingleHostBackups) {
    problems.push('production backups must leave the host: add --backup-offsite (an S3-compatible bucket; copies are encrypted) or, to keep them on this host only and lose them with it, --accept-single-host-backups');
  }
  if (answers.hstsPreload && answers.hstsMaxAge < 31536000) problems.push('--hsts-preload requires --hsts-max-age of at least 31536000 (one year)');
  const hasSqs = answers.queue !== 'kafka';
  const hasKafka = answers.queue !== 'sqs';
  const names = new Set<string>();
  const ports = new Map<number, string>();
  const routes = new Map<string, string>();
  for (const svc of all) {
    if (names.has(svc.name)) problems.push(`service name "${svc.name}" is already a service of this stack (a custom service cannot reuse a catalog name)`);
    names.add(svc.name);
    if (svc.port !== undefined) {
      const owner = ports.get(svc.port) ?? RESERVED_PORTS.get(svc.port);
      if (owner) problems.push(`port ${svc.port} of "${svc.name}" collides with ${owner}`);
      else ports.set(svc.port, `service "${svc.name}"`);
    }
    for (const route of svc.routes) {
      const owner = routes.get(route);
      if (owner) problems.push(`route ${route} of "${svc.name}" is already served by "${owner}"`);
      else routes.set(route, svc.name);
    }
    if (answers.customServices.some((custom) => custom.name === svc.name)) {
      for (const route of svc.routes) {
        const shadowed = routeShadowing(route, all.filter((other) => other.name !== svc.name));
        if (shadowed) problems.push(`route ${route} of "${svc.name}" ${shadowed}`);
      }
    }
    const needs = new Set<DataNeed>(svc.needs);
    if (needs.has('sqs') && !hasSqs) problems.push(`service "${svc.name}" needs the SQS queue; use --queue sqs or sqs+kafka`);
    if (needs.has('kafka') && !hasKafka) problems.push(`service "${svc.name}" needs Kafka; use --queue kafka or sqs+kafka`);
  }
  // Onboarded services against the names the stack itself uses (derived from the model), once the rest holds.
  if (!problems.length && answers.customServices.length) problems.push(...customServiceCollisions(answers).map((p) => `--custom-services: ${p}`));
  if (!problems.length) {
    const image = `${answers.registry}/${answers.imageNamespace}/${answers.projectName}-`;
    const longest = Math.max(0, ...servicesInUse(answers).map((svc) => svc.name.length), 'backup'.length);
    if (image.length + longest > LIMITS.imageRef.max) problems.push(`--registry, --image-namespace and --project-name make image names longer than ${LIMITS.imageRef.max} characters (${LIMITS.imageRef.why}): ${shown(image)}`);
  }
  return problems;
}
