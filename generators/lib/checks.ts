/**
 * Single-value checks used by the option declarations. Each returns a problem sentence or undefined.
 * They are strict on purpose: every value ends up in YAML, nginx config, shell or a file path.
 */
import { CATALOG_BY_NAME, DATA_NEEDS, SERVICE_KINDS, type DataNeed, type ServiceKind } from './catalog.js';
import type { CustomService } from './options.js';

/**
 * A value as echoed in a problem: JSON-quoted (so a newline or a NBSP is visible) and cut short, so a
 * 30 MB answer gives a one-line error, not a 60 MB one.
 */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const quoted = (part: string): string => JSON.stringify(part).replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > 60 ? `${quoted(text.slice(0, 40)).slice(0, -1)}…" (${text.length} characters)` : quoted(text);
}

/** Characters that do not show what they are in a terminal: Unicode spaces, line separators, bidi controls, BOM. */
const INVISIBLE = /[\u007f-\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/g;

/**
 * Length limits of free text, each from the tool that consumes the value (the option declarations
 * carry them as `maxLength`, and validation refuses a longer value before any other check).
 */
export const LIMITS = {
  /** The primary domain is the certificate's common name: X.509 ub-common-name is 64 (RFC 5280, openssl refuses longer). */
  commonName: { max: 64, why: 'the certificate common name limit' },
  /** A DNS name (RFC 1035): 253 characters. */
  dnsName: { max: 253, why: 'the DNS name limit' },
  /** An SMTP path holds at most 254 characters (RFC 5321 4.5.3.1.3). */
  email: { max: 254, why: 'the email address limit' },
  /** Linux PATH_MAX is 4096 bytes with the terminating NUL. */
  hostPath: { max: 4095, why: 'PATH_MAX' },
  /** Docker image references: a repository name of at most 255 characters. */
  imageRef: { max: 255, why: "Docker's image name limit" },
  /** No tool here reads a longer git URL reliably; longer values are refused, not guessed at. */
  gitUrl: { max: 2048, why: 'the longest repository URL accepted' },
  /**
   * A route is one nginx parameter in several directives (location, the stripping rewrite) and a
   * Kubernetes Ingress path; nginx refuses parameters over 4096 bytes. 255 keeps every derived one well inside.
   */
  route: { max: 255, why: 'the longest route nginx and the Ingress take with room to spare' },
  /** A path in the GitMesh checkout (build context) or an HTTP health path: one NAME_MAX worth. */
  path: { max: 255, why: 'NAME_MAX' },
  /**
   * Env names are YAML keys in compose (implicit keys stop at 1024 characters) and in workflows
   * (actionlint); `<NAME>_FILE` and `${NAME:?…}` wrap them. 128 leaves room for both.
   */
  envName: { max: 128, why: 'the env name limit of the compose and workflow files' },
  /** A secret is a file name under secrets/ and `<SECRET>_FILE` in the environment (the env name limit less `_FILE`). */
  secretName: { max: 64, why: 'the secret name limit' },
  /** Five cron fields fit easily; anything longer is not a schedule. */
  cron: { max: 100, why: 'the cron schedule limit' },
} as const satisfies Record<string, Limit>;

export interface Limit {
  readonly max: number;
  /** The tool or standard the limit comes from, quoted in the error. */
  readonly why: string;
}

/** The length problem of one value, before any pattern is tried on it. */
export function tooLong(value: string, limit: Limit): string | undefined {
  return value.length > limit.max ? `${shown(value)} is longer than ${limit.max} characters (${limit.why})` : undefined;
}

const SLUG = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function slug(value: string): string | undefined {
  if (!SLUG.test(value) || value.length > 40) {
    return `${shown(value)} is not a slug: use 1-40 lowercase letters, digits and single dashes, starting with a letter (no paths, spaces or shell characters)`;
  }
  return undefined;
}

export function domain(value: string): string | undefined {
  const name = value.toLowerCase();
  const labels = name.split('.');
  const ok =
    name === value &&
    name.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    /^[a-z]{2,63}$/.test(labels.at(-1) ?? '');
  return ok ? undefined : `${shown(value)} is not a valid fully-qualified domain name (lowercase labels of letters, digits and dashes, e.g. gitmesh.example.com)`;
}

export function serverNames(names: readonly string[], primary: unknown): string | undefined {
  const problems = names.map(domain).filter((p): p is string => p !== undefined);
  const seen = new Set<string>([String(primary)]);
  for (const name of names) {
    if (seen.has(name)) problems.push(`server name ${shown(name)} is listed twice (or repeats the primary domain)`);
    seen.add(name);
  }
  return problems.length ? problems.join('; ') : undefined;
}

export function serviceSelection(names: readonly string[]): string | undefined {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (!CATALOG_BY_NAME.has(name)) problems.push(`unknown service ${shown(name)} (known: ${[...CATALOG_BY_NAME.keys()].join(', ')})`);
    if (seen.has(name)) problems.push(`service "${name}" is listed twice`);
    seen.add(name);
  }
  return problems.length ? problems.join('; ') : undefined;
}

export function registry(value: string): string | undefined {
  return /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?$/.test(value)
    ? undefined
    : `${shown(value)} is not a registry host (e.g. ghcr.io, registry.example.com:5000)`;
}

export function imageNamespace(value: string): string | undefined {
  return /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(value)
    ? undefined
    : `${shown(value)} is not a valid image namespace (lowercase path components, e.g. acme or acme/platform)`;
}

export function gitUrl(value: string): string | undefined {
  return /^(?:https:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?\/[A-Za-z0-9._\/-]+|git@[A-Za-z0-9.-]+:[A-Za-z0-9._\/-]+)$/.test(value)
    ? undefined
    : `${shown(value)} is not an https:// or git@ repository URL`;
}

export function gitRef(value: string): string | undefined {
  const bad = !/^[A-Za-z0-9][A-Za-z0-9._\/-]{0,99}$/.test(value) || value.includes('..') || value.endsWith('.lock') || value.endsWith('/');
  return bad ? `${shown(value)} is not a valid git ref (tag, branch or commit SHA)` : undefined;
}

export function email(value: string): string | undefined {
  const [local, host, ...rest] = value.split('@');
  // The local part holds at most 64 octets (RFC 5321 4.5.3.1.1).
  return rest.length === 0 && local && local.length <= 64 && /^[A-Za-z0-9._%+-]+$/.test(local) && host && domain(host) === undefined
    ? undefined
    : `${shown(value)} is not a valid email address`;
}

export function absolutePath(value: string): string | undefined {
  return /^\/(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+$/.test(value) && !value.split('/').includes('..')
    ? undefined
    : `${shown(value)} must be an absolute path of letters, digits, dots, dashes and underscores`;
}

export function routePath(value: string): string | undefined {
  return /^\/(?:[a-z0-9][a-z0-9._-]*\/)+$/.test(value) ? undefined : `${shown(value)} is not a route path: use /name/ with lowercase segments and a trailing slash`;
}

export function httpPath(value: string): string | undefined {
  return /^\/[A-Za-z0-9._~\/-]*$/.test(value) ? undefined : `${shown(value)} is not an HTTP path (e.g. /health)`;
}

export function port(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1024 && value <= 65535 ? undefined : `port ${value} must be an integer from 1024 to 65535 (containers run unprivileged)`;
}

const CRON_FIELDS: ReadonlyArray<readonly [string, number, number]> = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
];

/** Macros supercronic (cronexpr) and Kubernetes CronJobs (robfig/cron) both read, with their five-field meaning. */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The five fields of a schedule (a macro expanded), for the code that reasons about its period. */
export const cronFields = (schedule: string): string[] => (CRON_MACROS[schedule] ?? schedule).split(' ');

/**
 * A 5-field cron expression as supercronic and cron accept it: numbers, `*`, ranges, lists and steps,
 * the fields separated by single ASCII spaces (a tab, newline, NBSP or other Unicode space would
 * split or break the crontab line, the compose file and the CronJob), or one of the macros.
 */
export function cron(value: string): string | undefined {
  if (value.startsWith('@')) return CRON_MACROS[value] ? undefined : `${shown(value)} is not a macro both supercronic and Kubernetes read (${Object.keys(CRON_MACROS).join(', ')})`;
  if (!/^[\x21-\x7e]+(?: [\x21-\x7e]+){4}$/.test(value)) {
    return `${shown(value)} is not a 5-field cron expression (minute hour day-of-month month day-of-week, separated by single spaces) or a macro such as @daily`;
  }
  const fields = value.split(' ');
  for (const [index, field] of fields.entries()) {
    const [label, min, max] = CRON_FIELDS[index]!;
    for (const part of field.split(',')) {
      const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      const bad = `cron ${label} field ${shown(field)} must use numbers ${min}-${max}, *, ranges, lists and steps`;
      if (!match) return bad;
      const [, , from, to, step] = match;
      const nums = [from, to].filter((n): n is string => n !== undefined).map(Number);
      if (nums.some((n) => n < min || n > max)) return bad;
      if (nums.length === 2 && nums[0]! > nums[1]!) return bad;
      if (step !== undefined && Number(step) < 1) return bad;
    }
  }
  return undefined;
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const SECRET_NAME = /^[a-z][a-z0-9_]*$/;
const IMAGE_REF = /^[a-z0-9]+(?:[._\/-][a-z0-9]+)*(?::[0-9]+\/[a-z0-9]+(?:[._\/-][a-z0-9]+)*)?:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const SERVICE_SIZES = ['light', 'standard', 'heavy'] as const;

/*
 * One check per field of an onboarded service. The sub-generator's questions and flags call them
 * one at a time (so a wrong answer is re-asked at once); `customServices` runs them all on stored JSON.
 */
export function serviceKind(kind: string): string | undefined {
  return SERVICE_KINDS.includes(kind as ServiceKind) ? undefined : `kind ${shown(kind)} is not one of ${SERVICE_KINDS.join(', ')}`;
}

export function serviceSource(kind: string, source: string): string | undefined {
  if (kind === 'image') return !IMAGE_REF.test(source) || source.endsWith(':latest') ? `image ${shown(source)} must be repository:tag with a pinned tag (not latest)` : undefined;
  return !/^[A-Za-z0-9_][A-Za-z0-9._\/-]*$/.test(source) || source.split('/').includes('..') ? `source ${shown(source)} must be a relative path inside the GitMesh checkout` : undefined;
}

export function replicas(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 50 ? undefined : `replicas ${String(value)} must be an integer from 1 to 50`;
}

export function serviceSize(size: string): string | undefined {
  return (SERVICE_SIZES as readonly string[]).includes(size) ? undefined : `size ${shown(size)} must be light, standard or heavy`;
}

export function dataNeeds(needs: readonly string[]): string | undefined {
  const unknown = needs.filter((need) => !DATA_NEEDS.includes(need as DataNeed));
  return unknown.length ? `unknown data service(s) ${unknown.map(shown).join(', ')}: needs must list data services from: ${DATA_NEEDS.join(', ')}` : undefined;
}

/** Each name once, every name short enough for its files, then the pattern. */
function nameList(names: readonly string[], what: 'env name' | 'secret', limit: Limit, pattern: RegExp, rule: string): string | undefined {
  const problems: string[] = [];
  const long = names.filter((name) => name.length > limit.max);
  problems.push(...long.map((name) => `${what} ${tooLong(name, limit)}`));
  const bad = names.filter((name) => name.length <= limit.max && !pattern.test(name));
  if (bad.length) problems.push(`${bad.map(shown).join(', ')}: ${rule}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name) && !bad.includes(name) && !long.includes(name)) problems.push(`${what} ${name} is listed twice`);
    seen.add(name);
  }
  return problems.length ? [...new Set(problems)].join('; ') : undefined;
}

export function envNames(names: readonly string[]): string | undefined {
  return nameList(names, 'env name', LIMITS.envName, ENV_NAME, 'env must list UPPER_SNAKE_CASE variable names');
}

export function secretNames(names: readonly string[]): string | undefined {
  return nameList(names, 'secret', LIMITS.secretName, SECRET_NAME, 'secrets must list lower_snake_case secret names');
}

/** Parses and checks the onboarded-service list: shape, names, kinds, ports, paths and needs. */
export function customServices(raw: unknown): { value?: readonly CustomService[]; problems: string[] } {
  const list = typeof raw === 'string' ? safeJson(raw) : raw;
  if (!Array.isArray(list)) return { problems: ['--custom-services must be a JSON array of service objects'] };
  const duplicates = typeof raw === 'string' ? duplicateJsonKeys(raw) : [];
  if (duplicates.length) return { problems: duplicates.map((key) => `--custom-services: the key ${shown(key)} appears twice in one object (JSON would keep only the last one)`) };
  const problems: string[] = [];
  const value: CustomService[] = [];
  for (const [index, item] of list.entries()) {
    const where = `--custom-services: service ${typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string' ? shown((item as { name: string }).name) : `#${index + 1}`}`;
    if (typeof item !== 'object' || item === null) {
      problems.push(`${where} must be an object`);
      continue;
    }
    const o = item as Record<string, unknown>;
    const name = String(o.name ?? '');
    const kind = o.kind as ServiceKind;
    const source = String(o.source ?? '');
    const portValue = o.port === undefined ? undefined : Number(o.port);
    const healthPath = o.healthPath === undefined ? undefined : String(o.healthPath);
    const route = o.routePath === undefined ? undefined : String(o.routePath);
    const replicaCount = o.replicas === undefined ? 1 : Number(o.replicas);
    const size = (o.size ?? 'standard') as CustomService['size'];
    const lists = { needs: o.needs ?? [], env: o.env ?? [], secrets: o.secrets ?? [], externalSecrets: o.externalSecrets ?? [] };
    const found = [
      slug(name),
      serviceKind(String(o.kind)),
      SERVICE_KINDS.includes(kind) ? (tooLong(source, kind === 'image' ? LIMITS.imageRef : LIMITS.path) ? `source ${tooLong(source, kind === 'image' ? LIMITS.imageRef : LIMITS.path)}` : serviceSource(kind, source)) : undefined,
      portValue !== undefined ? port(portValue) : undefined,
      healthPath !== undefined ? (tooLong(healthPath, LIMITS.path) ? `health path ${tooLong(healthPath, LIMITS.path)}` : httpPath(healthPath)) : undefined,
      healthPath !== undefined && portValue === undefined ? 'a health path needs a port' : undefined,
      route !== undefined ? (tooLong(route, LIMITS.route) ? `route ${tooLong(route, LIMITS.route)}` : routePath(route)) : undefined,
      route !== undefined && portValue === undefined ? 'an exposed service needs a port' : undefined,
      replicas(replicaCount),
      serviceSize(String(size)),
      isStringArray(lists.needs) ? dataNeeds(lists.needs) : `needs must list data services from: ${DATA_NEEDS.join(', ')}`,
      isStringArray(lists.env) ? envNames(lists.env) : 'env must list UPPER_SNAKE_CASE variable names',
      isStringArray(lists.secrets) ? secretNames(lists.secrets) : 'secrets must list lower_snake_case secret names',
      isStringArray(lists.externalSecrets) ? secretNames(lists.externalSecrets) : 'externalSecrets must list lower_snake_case secret names',
      // A random and a third-party secret of one name would be one file with two owners.
      isStringArray(lists.secrets) && isStringArray(lists.externalSecrets)
        ? lists.externalSecrets.filter((secret) => (lists.secrets as string[]).includes(secret)).map((secret) => `secret ${secret} is listed twice (in secrets and externalSecrets)`)[0]
        : undefined,
    ].filter((problem): problem is string => problem !== undefined);
    if (found.length) {
      problems.push(...found.map((p) => `${where}: ${p}`));
      continue;
    }
    value.push({
      name,
      kind,
      source,
      ...(portValue !== undefined ? { port: portValue } : {}),
      ...(healthPath !== undefined ? { healthPath } : {}),
      ...(route !== undefined ? { routePath: route } : {}),
      replicas: replicaCount,
      size,
      needs: lists.needs as DataNeed[],
      env: lists.env as string[],
      secrets: lists.secrets as string[],
      ...((lists.externalSecrets as string[]).length ? { externalSecrets: lists.externalSecrets as string[] } : {}),
    });
  }
  return { value, problems };
}

/** Keys repeated in one JSON object (JSON.parse keeps the last silently; YAML refuses them, so do we). */
export function duplicateJsonKeys(text: string): string[] {
  const found: string[] = [];
  const stack: Array<Set<string> | null> = [];
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i, j + 1);
      i = j;
      let k = j + 1;
      while (k < text.length && /\s/.test(text[k]!)) k += 1;
      const keys = stack.at(-1);
      if (text[k] === ':' && keys) {
        const key = JSON.parse(raw) as string;
        if (keys.has(key)) found.push(key);
        keys.add(key);
      }
    }
  }
  return found;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
