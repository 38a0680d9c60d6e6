/**
 * Single-value checks used by the option declarations. Each returns a problem sentence or undefined.
 * They are strict on purpose: every value ends up in YAML, nginx config, shell or a file path.
 */
import { CATALOG_BY_NAME, DATA_NEEDS, SERVICE_KINDS, type DataNeed, type ServiceKind } from './catalog.js';
import type { CustomService } from './options.js';

const SLUG = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function slug(value: string): string | undefined {
  if (!SLUG.test(value) || value.length > 40) {
    return `"${value}" is not a slug: use 1-40 lowercase letters, digits and single dashes, starting with a letter (no paths, spaces or shell characters)`;
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
  return ok ? undefined : `"${value}" is not a valid fully-qualified domain name (lowercase labels of letters, digits and dashes, e.g. gitmesh.example.com)`;
}

export function serverNames(names: readonly string[], primary: unknown): string | undefined {
  const problems = names.map(domain).filter((p): p is string => p !== undefined);
  const seen = new Set<string>([String(primary)]);
  for (const name of names) {
    if (seen.has(name)) problems.push(`server name "${name}" is listed twice (or repeats the primary domain)`);
    seen.add(name);
  }
  return problems.length ? problems.join('; ') : undefined;
}

export function serviceSelection(names: readonly string[]): string | undefined {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (!CATALOG_BY_NAME.has(name)) problems.push(`unknown service "${name}" (known: ${[...CATALOG_BY_NAME.keys()].join(', ')})`);
    if (seen.has(name)) problems.push(`service "${name}" is listed twice`);
    seen.add(name);
  }
  return problems.length ? problems.join('; ') : undefined;
}

export function registry(value: string): string | undefined {
  return /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?$/.test(value)
    ? undefined
    : `"${value}" is not a registry host (e.g. ghcr.io, registry.example.com:5000)`;
}

export function imageNamespace(value: string): string | undefined {
  return /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(value)
    ? undefined
    : `"${value}" is not a valid image namespace (lowercase path components, e.g. acme or acme/platform)`;
}

export function gitUrl(value: string): string | undefined {
  return /^(?:https:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?\/[A-Za-z0-9._\/-]+|git@[A-Za-z0-9.-]+:[A-Za-z0-9._\/-]+)$/.test(value)
    ? undefined
    : `"${value}" is not an https:// or git@ repository URL`;
}

export function gitRef(value: string): string | undefined {
  const bad = !/^[A-Za-z0-9][A-Za-z0-9._\/-]{0,99}$/.test(value) || value.includes('..') || value.endsWith('.lock') || value.endsWith('/');
  return bad ? `"${value}" is not a valid git ref (tag, branch or commit SHA)` : undefined;
}

export function email(value: string): string | undefined {
  const [local, host, ...rest] = value.split('@');
  return rest.length === 0 && local && /^[A-Za-z0-9._%+-]+$/.test(local) && host && domain(host) === undefined
    ? undefined
    : `"${value}" is not a valid email address`;
}

export function absolutePath(value: string): string | undefined {
  return /^\/(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+$/.test(value) && !value.split('/').includes('..')
    ? undefined
    : `"${value}" must be an absolute path of letters, digits, dots, dashes and underscores`;
}

export function routePath(value: string): string | undefined {
  return /^\/(?:[a-z0-9][a-z0-9._-]*\/)+$/.test(value) ? undefined : `"${value}" is not a route path: use /name/ with lowercase segments and a trailing slash`;
}

export function httpPath(value: string): string | undefined {
  return /^\/[A-Za-z0-9._~\/-]*$/.test(value) ? undefined : `"${value}" is not an HTTP path (e.g. /health)`;
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

/** A 5-field cron expression as supercronic and cron accept it: numbers, `*`, ranges, lists and steps. */
export function cron(value: string): string | undefined {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 5) return `"${value}" is not a 5-field cron expression (minute hour day-of-month month day-of-week)`;
  for (const [index, field] of fields.entries()) {
    const [label, min, max] = CRON_FIELDS[index]!;
    for (const part of field.split(',')) {
      const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      const bad = `cron ${label} field "${field}" must use numbers ${min}-${max}, *, ranges, lists and steps`;
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

/** Parses and checks the onboarded-service list: shape, names, kinds, ports, paths and needs. */
export function customServices(raw: unknown): { value?: readonly CustomService[]; problems: string[] } {
  const list = typeof raw === 'string' ? safeJson(raw) : raw;
  if (!Array.isArray(list)) return { problems: ['customServices must be a JSON array of service objects'] };
  const problems: string[] = [];
  const value: CustomService[] = [];
  for (const [index, item] of list.entries()) {
    const where = `customServices[${index}]`;
    if (typeof item !== 'object' || item === null) {
      problems.push(`${where} must be an object`);
      continue;
    }
    const o = item as Record<string, unknown>;
    const name = String(o.name ?? '');
    const kind = o.kind as ServiceKind;
    const found: string[] = [];
    const nameProblem = slug(name);
    if (nameProblem) found.push(nameProblem);
    if (!SERVICE_KINDS.includes(kind)) found.push(`kind "${String(o.kind)}" is not one of ${SERVICE_KINDS.join(', ')}`);
    const source = String(o.source ?? '');
    if (kind === 'image' ? !IMAGE_REF.test(source) || source.endsWith(':latest') : !/^[A-Za-z0-9_][A-Za-z0-9._\/-]*$/.test(source) || source.split('/').includes('..')) {
      found.push(kind === 'image' ? `image "${source}" must be repository:tag with a pinned tag (not latest)` : `source "${source}" must be a relative path inside the GitMesh checkout`);
    }
    const portValue = o.port === undefined ? undefined : Number(o.port);
    if (portValue !== undefined) {
      const p = port(portValue);
      if (p) found.push(p);
    }
    const healthPath = o.healthPath === undefined ? undefined : String(o.healthPath);
    if (healthPath !== undefined) {
      const p = httpPath(healthPath);
      if (p) found.push(p);
      if (portValue === undefined) found.push('a health path needs a port');
    }
    const route = o.routePath === undefined ? undefined : String(o.routePath);
    if (route !== undefined) {
      const p = routePath(route);
      if (p) found.push(p);
      if (portValue === undefined) found.push('an exposed service needs a port');
    }
    const replicas = o.replicas === undefined ? 1 : Number(o.replicas);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 50) found.push(`replicas ${String(o.replicas)} must be an integer from 1 to 50`);
    const size = (o.size ?? 'standard') as CustomService['size'];
    if (!['light', 'standard', 'heavy'].includes(size)) found.push(`size "${String(o.size)}" must be light, standard or heavy`);
    const needs = o.needs ?? [];
    if (!isStringArray(needs) || needs.some((need) => !DATA_NEEDS.includes(need as DataNeed))) found.push(`needs must list data services from: ${DATA_NEEDS.join(', ')}`);
    const env = o.env ?? [];
    if (!isStringArray(env) || env.some((e) => !ENV_NAME.test(e))) found.push('env must list UPPER_SNAKE_CASE variable names');
    const secrets = o.secrets ?? [];
    if (!isStringArray(secrets) || secrets.some((s) => !SECRET_NAME.test(s))) found.push('secrets must list lower_snake_case secret names');
    if (found.length) {
      problems.push(...found.map((p) => `${where} (${name || 'unnamed'}): ${p}`));
      continue;
    }
    value.push({
      name,
      kind,
      source,
      ...(portValue !== undefined ? { port: portValue } : {}),
      ...(healthPath !== undefined ? { healthPath } : {}),
      ...(route !== undefined ? { routePath: route } : {}),
      replicas,
      size,
      needs: needs as DataNeed[],
      env: env as string[],
      secrets: secrets as string[],
    });
  }
  return { value, problems };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
