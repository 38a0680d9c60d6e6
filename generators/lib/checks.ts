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
export const SERVICE_SIZES = ['light', 'standard', 'heavy'] as const;

/*
 * One check per field of an onboarded service. The sub-generator's questions and flags call them
 * one at a time (so a wrong answer is re-asked at once); `customServices` runs them all on stored JSON.
 */
export function serviceKind(kind: string): string | undefined {
  return SERVICE_KINDS.includes(kind as ServiceKind) ? undefined : `kind "${kind}" is not one of ${SERVICE_KINDS.join(', ')}`;
}

export function serviceSource(kind: string, source: string): string | undefined {
  if (kind === 'image') return !IMAGE_REF.test(source) || source.endsWith(':latest') ? `image "${source}" must be repository:tag with a pinned tag (not latest)` : undefined;
  return !/^[A-Za-z0-9_][A-Za-z0-9._\/-]*$/.test(source) || source.split('/').includes('..') ? `source "${source}" must be a relative path inside the GitMesh checkout` : undefined;
}

export function replicas(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 50 ? undefined : `replicas ${String(value)} must be an integer from 1 to 50`;
}

export function serviceSize(size: string): string | undefined {
  return (SERVICE_SIZES as readonly string[]).includes(size) ? undefined : `size "${size}" must be light, standard or heavy`;
}

export function dataNeeds(needs: readonly string[]): string | undefined {
  const unknown = needs.filter((need) => !DATA_NEEDS.includes(need as DataNeed));
  return unknown.length ? `unknown data service(s) ${unknown.map((n) => `"${n}"`).join(', ')}: needs must list data services from: ${DATA_NEEDS.join(', ')}` : undefined;
}

export function envNames(names: readonly string[]): string | undefined {
  const bad = names.filter((name) => !ENV_NAME.test(name));
  return bad.length ? `${bad.map((n) => `"${n}"`).join(', ')}: env must list UPPER_SNAKE_CASE variable names` : undefined;
}

export function secretNames(names: readonly string[]): string | undefined {
  const bad = names.filter((name) => !SECRET_NAME.test(name));
  return bad.length ? `${bad.map((n) => `"${n}"`).join(', ')}: secrets must list lower_snake_case secret names` : undefined;
}

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
      SERVICE_KINDS.includes(kind) ? serviceSource(kind, source) : undefined,
      portValue !== undefined ? port(portValue) : undefined,
      healthPath !== undefined ? httpPath(healthPath) : undefined,
      healthPath !== undefined && portValue === undefined ? 'a health path needs a port' : undefined,
      route !== undefined ? routePath(route) : undefined,
      route !== undefined && portValue === undefined ? 'an exposed service needs a port' : undefined,
      replicas(replicaCount),
      serviceSize(String(size)),
      isStringArray(lists.needs) ? dataNeeds(lists.needs) : `needs must list data services from: ${DATA_NEEDS.join(', ')}`,
      isStringArray(lists.env) ? envNames(lists.env) : 'env must list UPPER_SNAKE_CASE variable names',
      isStringArray(lists.secrets) ? secretNames(lists.secrets) : 'secrets must list lower_snake_case secret names',
      isStringArray(lists.externalSecrets) ? secretNames(lists.externalSecrets) : 'externalSecrets must list lower_snake_case secret names',
    ].filter((problem): problem is string => problem !== undefined);
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
