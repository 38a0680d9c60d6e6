/**
 * The edge on Kubernetes: one ingress-nginx Ingress per edge location that has a policy of its own
 * (the route's prefix, the stricter sign-in limit, the long-lived Socket.IO endpoint). Every number
 * comes from the route's typed edge facts (`Route.locations`, decided in prepare/edge/limits.ts), the
 * same ones nginx prints. What ingress-nginx cannot express per Ingress is listed in `differences`,
 * which docs/kubernetes.md prints and the tests check.
 */
import type { DeploymentModel, EdgeLocationFacts, RateLimit, Route } from '../../model.js';
import { nginxRate, nginxSize } from '../edge/limits.js';
import { INGRESS_CLASS, labels, type K8sObject, type Names } from './common.js';

const ANNOTATION = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

/** One Ingress object to render: a route's location. */
export interface IngressPlan {
  readonly name: string;
  readonly route: Route;
  readonly location: EdgeLocationFacts;
}

/** Something the nginx edge does that the Kubernetes edge does differently (printed in docs/kubernetes.md). */
export interface EdgeDifference {
  readonly path: string;
  readonly what: string;
  readonly nginx: string;
  readonly ingress: string;
}

/** ingress-nginx's rate limit: `limit-rps` or `limit-rpm`, and a burst that is a whole multiple of the rate. */
export interface IngressLimit {
  readonly annotation: 'limit-rps' | 'limit-rpm';
  readonly rate: number;
  readonly burstMultiplier: number;
  /** The burst ingress-nginx configures: rate × multiplier. */
  readonly burst: number;
}

export function ingressLimit(limit: RateLimit): IngressLimit {
  const burstMultiplier = Math.max(1, Math.round(limit.burst / limit.rate));
  return { annotation: limit.unit === 'r/s' ? 'limit-rps' : 'limit-rpm', rate: limit.rate, burstMultiplier, burst: limit.rate * burstMultiplier };
}

/** What of a location an Ingress can express (two locations with the same key share one Ingress). */
const ingressKey = (loc: EdgeLocationFacts): string => JSON.stringify([loc.limit ?? null, loc.maxBodyBytes, loc.readTimeoutSeconds, loc.websocket]);

const SUFFIX: Readonly<Record<EdgeLocationFacts['purpose'], string>> = { route: '', 'socket.io': '-ws', auth: '-auth', assets: '-assets' };

/** The Ingress objects of all routes, and what the Kubernetes edge cannot do like nginx. */
export function ingressPlans(routes: readonly Route[]): { plans: IngressPlan[]; differences: EdgeDifference[] } {
  const plans: IngressPlan[] = [];
  const differences: EdgeDifference[] = [];
  for (const route of routes) {
    const main = route.locations.find((loc) => loc.purpose === 'route');
    if (!main) throw new Error(`route ${route.name} has no location of its own`);
    for (const loc of route.locations) {
      // A sub-path whose limits equal its route's is served by the route's Ingress (a longer prefix buys nothing).
      if (loc.purpose === 'route' || ingressKey(loc) !== ingressKey(main)) plans.push({ name: `${route.name}${SUFFIX[loc.purpose]}`, route, location: loc });
      if (loc.limit) {
        const ingress = ingressLimit(loc.limit);
        if (ingress.burst !== loc.limit.burst) {
          differences.push({
            path: loc.path,
            what: 'rate-limit burst',
            nginx: `${nginxRate(loc.limit)}, burst ${loc.limit.burst}`,
            ingress: `${nginxRate(loc.limit)}, burst ${ingress.burst} (ingress-nginx's burst is a whole multiple of the rate: \`limit-burst-multiplier\` ${ingress.burstMultiplier})`,
          });
        }
      }
      if (loc.cacheControl) {
        differences.push({
          path: loc.path,
          what: 'Cache-Control',
          nginx: `\`${loc.cacheControl}\``,
          ingress: "the service's own header: ingress-nginx sets response headers per Ingress only through snippets, which it disables by default",
        });
      }
    }
  }
  const names = plans.map((p) => p.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new Error(`two Ingress objects would be named ${duplicate}`);
  return { plans, differences };
}

/** ingress-nginx annotations of one location: TLS redirect, prefix rewrite, body size, timeouts, rate limit. */
export function ingressAnnotations(loc: EdgeLocationFacts): Record<string, string> {
  const strip = loc.upstreamPath !== loc.path;
  const limit = loc.limit ? ingressLimit(loc.limit) : undefined;
  return {
    [ANNOTATION('ssl-redirect')]: 'true',
    [ANNOTATION('force-ssl-redirect')]: 'true',
    [ANNOTATION('proxy-body-size')]: nginxSize(loc.maxBodyBytes),
    ...(strip ? { [ANNOTATION('use-regex')]: 'true', [ANNOTATION('rewrite-target')]: `${loc.upstreamPath}$2` } : {}),
    [ANNOTATION('proxy-read-timeout')]: String(loc.readTimeoutSeconds),
    [ANNOTATION('proxy-send-timeout')]: String(loc.readTimeoutSeconds),
    ...(limit ? { [ANNOTATION(limit.annotation)]: String(limit.rate), [ANNOTATION('limit-burst-multiplier')]: String(limit.burstMultiplier) } : {}),
  };
}

/** The Ingress path of a location: a prefix, or a regex whose second group is what follows it (for the rewrite). */
export function ingressPath(loc: EdgeLocationFacts): { path: string; pathType: 'Prefix' | 'ImplementationSpecific' } {
  if (loc.upstreamPath === loc.path) return { path: loc.path, pathType: 'Prefix' };
  return { path: `${loc.path.replace(/\/$/, '')}(/|$)(.*)`, pathType: 'ImplementationSpecific' };
}

export function ingressObject({ name, route, location }: IngressPlan, hosts: readonly string[], names: Names): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, labels: labels(names, name, 'edge'), annotations: ingressAnnotations(location) },
    spec: {
      ingressClassName: INGRESS_CLASS,
      tls: [{ hosts: [...hosts], secretName: names.tlsSecret }],
      rules: hosts.map((host) => ({
        host,
        http: { paths: [{ ...ingressPath(location), backend: { service: { name: route.service, port: { number: route.port } } } }] },
      })),
    },
  };
}

/** Each edge location and the Ingress that serves it, with the numbers docs/kubernetes.md prints. */
export interface EdgeRow {
  readonly path: string;
  readonly ingress: string;
  readonly rate: string;
  readonly burst: string;
  readonly body: string;
  readonly timeout: number;
}

export function edgeRows(routes: readonly Route[], plans: readonly IngressPlan[]): EdgeRow[] {
  return routes.flatMap((route) =>
    route.locations.map((loc) => {
      const plan = plans.find((p) => p.location === loc) ?? plans.find((p) => p.route === route && p.location.purpose === 'route')!;
      const limit = plan.location.limit;
      return {
        path: loc.path,
        ingress: plan.name,
        rate: limit ? nginxRate(limit) : '—',
        burst: limit ? String(ingressLimit(limit).burst) : '—',
        body: nginxSize(plan.location.maxBodyBytes),
        timeout: plan.location.readTimeoutSeconds,
      };
    }),
  );
}

/** cert-manager: the Issuers (Let's Encrypt staging and production, or self-signed) and the edge certificate. */
export function tlsObjects(model: DeploymentModel, names: Names, hosts: readonly string[]): { issuers: string[]; documents: K8sObject[]; comment: string } {
  const mode = model.settings.tls.mode;
  const issuers: string[] = [];
  const documents: K8sObject[] = [];
  if (mode === 'letsencrypt') {
    for (const [name, server] of [
      ['letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory'],
      ['letsencrypt-production', 'https://acme-v02.api.letsencrypt.org/directory'],
    ] as const) {
      issuers.push(name);
      documents.push({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Issuer',
        metadata: { name, labels: labels(names, name, 'tls') },
        spec: { acme: { server, email: model.settings.tls.acmeEmail, privateKeySecretRef: { name: `${name}-account` }, solvers: [{ http01: { ingress: { ingressClassName: INGRESS_CLASS } } }] } },
      });
    }
  } else if (mode === 'self-signed') {
    issuers.push('self-signed');
    documents.push({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'self-signed', labels: labels(names, 'self-signed', 'tls') }, spec: { selfSigned: {} } });
  }
  if (mode !== 'provided' && model.routes.length) {
    documents.push({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: names.tlsSecret, labels: labels(names, names.tlsSecret, 'tls') },
      spec: {
        secretName: names.tlsSecret,
        dnsNames: [...hosts],
        issuerRef: { kind: 'Issuer', name: mode === 'letsencrypt' ? 'letsencrypt-production' : 'self-signed' },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      },
    });
  }
  const comment =
    mode === 'letsencrypt'
      ? "cert-manager: Let's Encrypt staging and production Issuers and the edge certificate (HTTP-01 through ingress-nginx)."
      : 'cert-manager: a self-signed Issuer and the edge certificate (development only).';
  return { issuers, documents, comment };
}
