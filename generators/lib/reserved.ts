/**
 * Names the stack itself uses, derived from the model (never a hand list), so a new infrastructure
 * service or secret is reserved the day it is added: an onboarded service must not take a compose
 * service name (it would replace or duplicate the database, the edge, the backup job, ...), a secret
 * of the stack, or an environment variable the generator's wiring sets for it.
 */
import { defaultOf, servicesInUse, type ServiceInUse } from './answers.js';
import { TOOL } from './ci-actions.js';
import type { DeploymentModel } from './model.js';
import { declarationOf, OPTION_NAMES, type Answers, type CustomService } from './options.js';
import { prepare } from './prepare/index.js';

/** Answers that switch on everything: every catalog service, every data service, every target. */
function maximal(): Record<string, unknown> {
  const bag: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const decl = declarationOf(name);
    bag[name] = decl.type === 'boolean' ? true : decl.type === 'multi' ? [...decl.choices] : defaultOf(decl, bag);
  }
  return { ...bag, queue: 'sqs+kafka', opensearch: 'cluster' };
}

/** The maximal answers, and one variant per choice of every single-choice option (single vs cluster, TLS modes...). */
function variants(): Answers[] {
  const base = maximal();
  const out: Record<string, unknown>[] = [base];
  for (const name of OPTION_NAMES) {
    const decl = declarationOf(name);
    if (decl.type === 'choice') for (const choice of decl.choices) if (choice !== base[name]) out.push({ ...base, [name]: choice });
  }
  return out as unknown as Answers[];
}

interface StackNames {
  /** Compose service name → what it is. */
  readonly services: ReadonlyMap<string, string>;
  /** Secret name → its description. */
  readonly secrets: ReadonlyMap<string, string>;
}

let cached: StackNames | undefined;

export function stackNames(): StackNames {
  if (cached) return cached;
  const services = new Map<string, string>();
  const secrets = new Map<string, string>();
  for (const answers of variants()) {
    let model: DeploymentModel;
    try {
      model = prepare(answers);
    } catch {
      continue; // a combination prepare refuses adds no name
    }
    for (const svc of model.composeServices) {
      if (!services.has(svc.name)) services.set(svc.name, svc.tier === 'app' ? 'a GitMesh CE catalog service; add it with --services' : `the stack's ${svc.tier} service: ${svc.description.split(/[.:(]/, 1)[0]!.trim()}`);
    }
    for (const secret of model.secrets) if (!secrets.has(secret.name)) secrets.set(secret.name, secret.description);
  }
  for (const tool of Object.values(TOOL)) if (!services.has(tool)) services.set(tool, 'a tool service of compose.tools.yaml');
  cached = { services, secrets };
  return cached;
}

/** Why `name` cannot be an onboarded service's name, or undefined. */
export function reservedServiceName(name: string): string | undefined {
  const what = stackNames().services.get(name);
  return what ? `"${name}" is a service name of the stack (${what}); choose another name` : undefined;
}

/** Why `secret` of an onboarded service would collide with a secret of the stack, or undefined. */
export function reservedSecret(secret: string): string | undefined {
  const what = stackNames().secrets.get(secret);
  return what ? `secret ${secret} is a secret of the stack (${what}); choose another name` : undefined;
}

/**
 * The variables the generator's wiring sets for an onboarded service (NODE_ENV, DB_*, `<SECRET>_FILE`,
 * SERVICE, ...): read from the model of the stack with this service added, with no env of its own.
 */
export function wiredEnvNames(answers: Answers, service: CustomService): Set<string> {
  const probe: CustomService = { ...service, env: [] };
  const model = prepare({ ...answers, customServices: [...answers.customServices.filter((svc) => svc.name !== service.name), probe] });
  const app = model.services.find((svc) => svc.name === service.name);
  return new Set([...(app?.compose.environment ?? []).map(([key]) => key), ...(app?.imageEnv ?? []).map(([key]) => key)]);
}

/** Every collision of the onboarded services with the stack and with one another. */
export function customServiceCollisions(answers: Answers): string[] {
  const problems: string[] = [];
  const secretOwners = new Map<string, string>();
  for (const svc of answers.customServices) {
    const where = `service "${svc.name}"`;
    if (!answers.services.includes(svc.name as never)) {
      const reserved = reservedServiceName(svc.name);
      if (reserved) problems.push(`${where}: ${reserved}`);
    }
    const wired = wiredEnvNames(answers, svc);
    for (const name of svc.env) if (wired.has(name)) problems.push(`${where}: env name ${name} is set by the generator for this service; leave it out (or rename it)`);
    for (const secret of [...svc.secrets, ...(svc.externalSecrets ?? [])]) {
      const reserved = reservedSecret(secret);
      if (reserved) problems.push(`${where}: ${reserved}`);
      const owner = secretOwners.get(secret);
      if (owner) problems.push(`${where}: secret ${secret} is also a secret of "${owner}"; secrets are per service`);
      secretOwners.set(secret, svc.name);
    }
  }
  return problems;
}

/**
 * A route inside another service's route (`/api/v1/` under the API's `/api/`), or one that contains
 * another's: nginx would send part of that service's traffic to the wrong upstream. `/` is everybody's
 * parent (the frontend) and does not count.
 */
export function routeShadowing(route: string, others: readonly ServiceInUse[]): string | undefined {
  for (const other of others) {
    for (const path of other.routes) {
      if (path === '/' || path === route) continue;
      if (route.startsWith(path)) return `would take over part of ${path} (served by "${other.name}"); choose a path outside it`;
      if (path.startsWith(route)) return `would take over ${path} (served by "${other.name}"); choose a path outside it`;
    }
  }
  return undefined;
}

export { servicesInUse };
