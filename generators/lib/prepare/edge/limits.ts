/**
 * The edge's per-route policy, decided once: rate limits (number, unit, burst), request body size,
 * timeouts and caching for every location of every route. The nginx edge (prepare/edge/view.ts) and
 * the Kubernetes Ingress objects (prepare/kubernetes/ingress.ts) print these numbers; neither
 * decides or re-parses any of them.
 */
import type { ServiceKind } from '../../catalog.js';
import type { EdgeLocationFacts, RateLimit, Route } from '../../model.js';

/** Per-client request rates (nginx `limit_req`). Bursts are served without delay, then 429. */
export const RATE_LIMITS = {
  // The SPA fires a few dozen API calls on load; 20 r/s sustained with a burst of 100 absorbs that.
  api: { zone: 'edge_api', rate: 20, unit: 'r/s', burst: 100 },
  // Sign-in, sign-up, password reset: brute-force targets. The API adds its own per-route limits.
  auth: { zone: 'edge_auth', rate: 30, unit: 'r/m', burst: 10 },
  // Integrations deliver webhooks in bursts (GitHub redelivery, backfills).
  webhook: { zone: 'edge_webhook', rate: 50, unit: 'r/s', burst: 200 },
} as const satisfies Record<string, RateLimit>;

const MIB = 1024 * 1024;
/** Request bodies (JSON, avatar and logo uploads) the edge accepts by default. */
export const DEFAULT_MAX_BODY_BYTES = 10 * MIB;
/** GitHub delivers webhook payloads up to 25 MB. */
const WEBHOOK_MAX_BODY_BYTES = 25 * MIB;
const READ_TIMEOUT_SECONDS = 60;
/** Socket.IO connections stay open; an idle one is closed after an hour (the client reconnects). */
const WEBSOCKET_TIMEOUT_SECONDS = 3600;
/** Vite writes content-hashed files to /assets/: a changed file gets a new name, so cache forever. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/** nginx rate notation: `20r/s`. */
export const nginxRate = (limit: RateLimit): string => `${limit.rate}${limit.unit}`;

/** nginx size notation (`10m`, `512k`, bytes otherwise): the form ingress-nginx's proxy-body-size takes too. */
export function nginxSize(bytes: number): string {
  if (bytes % MIB === 0) return `${bytes / MIB}m`;
  if (bytes % 1024 === 0) return `${bytes / 1024}k`;
  return String(bytes);
}

/** nginx time notation: whole hours as `1h`, otherwise seconds (`60s`). */
export const nginxTime = (seconds: number): string => (seconds % 3600 === 0 ? `${seconds / 3600}h` : `${seconds}s`);

/** What a route's policy depends on: the catalog's route and the service that owns it. */
export type RouteShape = Pick<Route, 'path' | 'upstreamPath' | 'websocket' | 'rateLimit'> & { readonly socketIo?: boolean };

/** The edge locations of one route, most specific first (the order nginx prints them in). */
export function edgeLocations(route: RouteShape, owner: { readonly name: string; readonly kind: ServiceKind }): EdgeLocationFacts[] {
  const limit: RateLimit | undefined = route.rateLimit === 'none' ? undefined : RATE_LIMITS[route.rateLimit];
  const withLimit = limit ? { limit } : {};
  const strip = route.upstreamPath !== route.path;
  /** A sub-path keeps the route's prefix rewrite: `/api/auth/` reaches the API as `/auth/`. */
  const sub = (suffix: string) => ({ path: `${route.path}${suffix}`, upstreamPath: strip ? `${route.upstreamPath}${suffix}` : `${route.path}${suffix}` });
  const body = route.rateLimit === 'webhook' ? WEBHOOK_MAX_BODY_BYTES : DEFAULT_MAX_BODY_BYTES;
  if (route.socketIo) {
    // The whole prefix is Socket.IO: upgrade, long-lived, unbuffered.
    return [{ purpose: 'route', path: route.path, upstreamPath: route.upstreamPath, websocket: true, ...withLimit, maxBodyBytes: body, readTimeoutSeconds: WEBSOCKET_TIMEOUT_SECONDS }];
  }
  const out: EdgeLocationFacts[] = [];
  if (route.websocket) {
    // Socket.IO (transport: websocket) at <path>socket.io/.
    out.push({ purpose: 'socket.io', ...sub('socket.io/'), websocket: true, ...withLimit, maxBodyBytes: body, readTimeoutSeconds: WEBSOCKET_TIMEOUT_SECONDS });
  }
  if (owner.name === 'api' && route.rateLimit === 'api') {
    // Sign-in, sign-up and password reset get the stricter limit.
    out.push({ purpose: 'auth', ...sub('auth/'), websocket: false, limit: RATE_LIMITS.auth, maxBodyBytes: body, readTimeoutSeconds: READ_TIMEOUT_SECONDS });
  }
  if (owner.kind === 'static-frontend') {
    out.push({ purpose: 'assets', ...sub('assets/'), websocket: false, maxBodyBytes: body, cacheControl: IMMUTABLE_CACHE, readTimeoutSeconds: READ_TIMEOUT_SECONDS });
  }
  out.push({
    purpose: 'route',
    path: route.path,
    upstreamPath: route.upstreamPath,
    websocket: false,
    ...withLimit,
    maxBodyBytes: body,
    // index.html and SPA deep links must be revalidated so a deploy is picked up at once.
    ...(owner.kind === 'static-frontend' ? { cacheControl: 'no-cache' } : {}),
    readTimeoutSeconds: READ_TIMEOUT_SECONDS,
  });
  return out;
}
