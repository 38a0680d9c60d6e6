/**
 * The nginx view: everything the nginx templates print (upstreams, locations from the routes' edge
 * facts, rate-limit zones, TLS, security headers, compression, the JSON access log, certbot), decided here.
 */
import type { DeploymentModel, EdgeLocationFacts, Route } from '../../model.js';
import { APP_GID } from '../../versions.js';
import { CERT_NAME, EDGE_ACCESS_LOG_FIELDS, EDGE_HEALTH_PATH, EDGE_PATHS, EDGE_PORTS, EDGE_STUB_STATUS } from './layout.js';
import { DEFAULT_MAX_BODY_BYTES, RATE_LIMITS, nginxRate, nginxSize, nginxTime } from './limits.js';

/** Mozilla server-side TLS recommendations (guidelines v5.7), nginx syntax. */
const TLS_PROFILES = {
  intermediate: {
    protocols: 'TLSv1.2 TLSv1.3',
    ciphers:
      'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305',
  },
  modern: { protocols: 'TLSv1.3', ciphers: undefined },
} as const;

const CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "object-src 'none'",
  "frame-ancestors 'self'",
  "form-action 'self'",
  // GitMesh CE's index.html swaps its font/icon stylesheets in with onload="this.media='all'": that one
  // handler is allowed by hash; other inline scripts (optional Segment/Pendo loaders) stay blocked.
  "script-src 'self' 'unsafe-hashes' 'sha256-MhtPZXr7+LpJUY5qtMutB+qWfQtMaPccfe7QXtCcEYc='",
  // Vue components and chart libraries set inline styles; Inter (Google Fonts) and Remix Icon (jsDelivr) load from CDNs.
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com https://cdn.jsdelivr.net",
  "img-src 'self' data: blob: https:",
  "font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net",
  // The API and Socket.IO are same-origin; integrations (OAuth, analytics) are https.
  "connect-src 'self' https: wss:",
  "frame-src 'self' https:",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  'upgrade-insecure-requests',
].join('; ');

const GZIP_TYPES = [
  'application/javascript',
  'application/json',
  'application/manifest+json',
  'application/xml',
  'image/svg+xml',
  'text/css',
  'text/javascript',
  'text/plain',
  'text/xml',
];

export interface EdgeUpstream {
  /** nginx upstream name. */
  readonly name: string;
  readonly service: string;
  readonly server: string;
  readonly keepalive: number;
  /** Below the upstream's own idle timeout (Node's default is 5 s), so nginx never reuses a closing socket. */
  readonly keepaliveTimeout: string;
}

export interface EdgeLocation {
  readonly comment: string;
  /** nginx location modifier and path, e.g. `^~ /assets/`. */
  readonly match: string;
  /** `proxy_pass` target, e.g. `http://up_api/` (a trailing URI replaces the matched prefix). */
  readonly proxyPass: string;
  readonly websocket: boolean;
  readonly limit?: { readonly zone: string; readonly burst: number };
  /** Replaces the upstream's Cache-Control (only on cacheable status codes). */
  readonly cacheControl?: string;
  readonly readTimeout: string;
  readonly clientMaxBodySize?: string;
}

export interface TlsView {
  readonly mode: 'letsencrypt' | 'provided' | 'self-signed';
  readonly profile: 'intermediate' | 'modern';
  readonly protocols: string;
  readonly ciphers?: string;
  readonly curves: string;
  /** Paths relative to the nginx config dir. */
  readonly certificate: string;
  readonly key: string;
  /** OCSP stapling: only for CA-issued certificates that carry an OCSP responder URL. */
  readonly stapling: boolean;
  /** Absolute path the cert watcher checksums to reload nginx after a renewal. */
  readonly watchFile: string;
}

export interface EdgeView {
  readonly serverNames: readonly string[];
  readonly ports: typeof EDGE_PORTS;
  readonly prefix: string;
  readonly conf: string;
  readonly upstreams: readonly EdgeUpstream[];
  readonly locations: readonly EdgeLocation[];
  /** No route owns `/`: unmatched paths get a 404 from the edge itself. */
  readonly rootFallback: boolean;
  readonly zones: readonly { readonly name: string; readonly rate: string }[];
  readonly tls: TlsView;
  readonly headers: readonly (readonly [string, string])[];
  readonly acme?: { readonly webroot: string };
  readonly gzipTypes: readonly string[];
  readonly clientMaxBodySize: string;
  readonly logFormat: string;
  readonly stubStatusPath: string;
  readonly healthPath: string;
  /** Networks allowed on the internal listener (Docker bridge networks are private ranges). */
  readonly statusAllow: readonly string[];
  readonly certbot?: CertbotView;
}

export interface CertbotView {
  readonly certName: string;
  readonly domains: readonly string[];
  readonly email: string;
  readonly webroot: string;
  readonly dir: string;
  readonly nginxProbe: string;
  readonly gid: number;
}

const upstreamName = (service: string): string => `up_${service.replace(/[^A-Za-z0-9]/g, '_')}`;

/**
 * Idle upstream connections each nginx worker keeps open (`keepalive`). It is a cache, not a limit:
 * when a worker has more requests in flight to a service than this, the extra upstream connections
 * are closed after their response, and the next burst connects again (a TCP handshake per request
 * plus TIME_WAIT sockets on the edge). It must cover a worker's peak concurrency, and workers do not
 * share the load evenly. Measured (bench/edge.ts, 64 client connections on 2 workers): with 32, a
 * worker that had accepted 33 or more of them opened 400-3300 new upstream connections a second;
 * with 128 only the keepalive_requests rotation remains (a few dozen a second). Idle sockets are
 * cheap for the Node services and close after keepaliveTimeout. Rechecked with issue 22's bench: the
 * only new upstream connections left are that rotation, one per 1000 requests (125 in a 6 s run of
 * 132k requests), each a plain TCP connect; 128 kept.
 */
const UPSTREAM_KEEPALIVE = 128;

function tlsView(model: DeploymentModel): TlsView {
  const { mode: tlsMode, profile: tlsProfile } = model.settings.tls;
  const profile = TLS_PROFILES[tlsProfile];
  const dir = tlsMode === 'letsencrypt' ? '../tls/current' : '../tls';
  return {
    mode: tlsMode,
    profile: tlsProfile,
    protocols: profile.protocols,
    ...(profile.ciphers ? { ciphers: profile.ciphers } : {}),
    curves: 'X25519:prime256v1:secp384r1',
    certificate: `${dir}/fullchain.pem`,
    key: `${dir}/privkey.pem`,
    // Let's Encrypt stopped OCSP in 2025 (no responder URL in its certificates); a development CA has none.
    stapling: tlsMode === 'provided',
    watchFile: `${EDGE_PATHS.tlsDir}/${tlsMode === 'letsencrypt' ? 'current/' : ''}fullchain.pem`,
  };
}

function securityHeaders(model: DeploymentModel): [string, string][] {
  const { hstsMaxAge, hstsPreload } = model.settings.tls;
  // Preload requires includeSubDomains; without preload, other subdomains keep their own policy.
  const hsts = hstsMaxAge > 0 && hstsPreload ? `max-age=${hstsMaxAge}; includeSubDomains; preload` : `max-age=${hstsMaxAge}`;
  return [
    ['Strict-Transport-Security', hsts],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'SAMEORIGIN'],
    ['Referrer-Policy', 'strict-origin-when-cross-origin'],
    ['Permissions-Policy', 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()'],
    ['Content-Security-Policy', CSP],
  ];
}

/** nginx locations for one route: its edge facts (prepare/edge/limits.ts) in nginx notation. */
function routeLocations(route: Route, model: DeploymentModel): EdgeLocation[] {
  const upstream = upstreamName(route.service);
  const svc = model.services.find((s) => s.name === route.service);
  const comment = (loc: EdgeLocationFacts): string => {
    switch (loc.purpose) {
      case 'socket.io':
        return `${route.service}: Socket.IO WebSocket endpoint`;
      case 'auth':
        return `${route.service}: sign-in, sign-up and password reset (stricter rate limit)`;
      case 'assets':
        return `${route.service}: content-hashed build assets`;
      case 'route':
        if (route.socketIo) return `${route.service}: Socket.IO at ${route.path}`;
        return `${route.service}: ${route.path === svc?.routes[0]?.path ? (svc?.description ?? route.service) : `${route.path} -> ${route.upstreamPath}`}`;
    }
  };
  return route.locations.map((loc) => ({
    comment: comment(loc),
    // `^~`: a prefix match that wins over regex locations (the assets never reach another rule).
    match: loc.purpose === 'assets' ? `^~ ${loc.path}` : loc.path,
    // A proxy_pass URI replaces the matched location prefix; without one the request URI passes unchanged.
    proxyPass: loc.upstreamPath !== loc.path ? `http://${upstream}${loc.upstreamPath}` : `http://${upstream}`,
    websocket: loc.websocket,
    ...(loc.limit ? { limit: { zone: loc.limit.zone, burst: loc.limit.burst } } : {}),
    ...(loc.cacheControl ? { cacheControl: loc.cacheControl } : {}),
    readTimeout: nginxTime(loc.readTimeoutSeconds),
    // The server-wide default is printed once; a location only states a different size.
    ...(loc.maxBodyBytes !== DEFAULT_MAX_BODY_BYTES ? { clientMaxBodySize: nginxSize(loc.maxBodyBytes) } : {}),
  }));
}

function logFormat(): string {
  const fields: [string, string, boolean][] = [
    ['time', '$time_iso8601', false],
    ['remote_addr', '$remote_addr', false],
    ['request_id', '$edge_request_id', false],
    ['host', '$host', false],
    [EDGE_ACCESS_LOG_FIELDS.method, '$request_method', false],
    [EDGE_ACCESS_LOG_FIELDS.uri, '$uri', false],
    ['protocol', '$server_protocol', false],
    [EDGE_ACCESS_LOG_FIELDS.status, '$status', true],
    ['body_bytes_sent', '$body_bytes_sent', true],
    [EDGE_ACCESS_LOG_FIELDS.requestTime, '$request_time', true],
    ['upstream_addr', '$upstream_addr', false],
    ['upstream_status', '$upstream_status', false],
    [EDGE_ACCESS_LOG_FIELDS.upstreamTime, '$upstream_response_time', false],
    ['tls_protocol', '$ssl_protocol', false],
    ['http_referer', '$http_referer', false],
    ['http_user_agent', '$http_user_agent', false],
  ];
  return `{${fields.map(([name, variable, numeric]) => (numeric ? `"${name}":${variable}` : `"${name}":"${variable}"`)).join(',')}}`;
}

/** Everything the nginx templates print, decided here. */
export function edgeView(model: DeploymentModel): EdgeView {
  const routed = [...new Set(model.routes.map((route) => route.service))];
  const upstreams: EdgeUpstream[] = routed.map((service) => {
    const route = model.routes.find((r) => r.service === service)!;
    const svc = model.services.find((s) => s.name === service);
    return {
      name: upstreamName(service),
      service,
      server: `${service}:${route.port}`,
      keepalive: UPSTREAM_KEEPALIVE,
      keepaliveTimeout: svc?.kind === 'static-frontend' ? '60s' : '4s',
    };
  });
  const letsencrypt = model.settings.tls.mode === 'letsencrypt';
  const locations = model.routes.flatMap((route) => routeLocations(route, model));
  return {
    serverNames: model.project.serverNames,
    ports: EDGE_PORTS,
    prefix: EDGE_PATHS.prefix,
    conf: EDGE_PATHS.conf,
    upstreams,
    locations,
    rootFallback: !model.routes.some((route) => route.path === '/'),
    zones: Object.values(RATE_LIMITS)
      .filter((limit) => locations.some((location) => location.limit?.zone === limit.zone))
      .map((limit) => ({ name: limit.zone, rate: nginxRate(limit) })),
    tls: tlsView(model),
    headers: securityHeaders(model),
    ...(letsencrypt ? { acme: { webroot: EDGE_PATHS.acmeWebroot } } : {}),
    gzipTypes: GZIP_TYPES,
    clientMaxBodySize: nginxSize(DEFAULT_MAX_BODY_BYTES),
    logFormat: logFormat(),
    stubStatusPath: EDGE_STUB_STATUS.path,
    healthPath: EDGE_HEALTH_PATH,
    statusAllow: ['127.0.0.1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
    ...(letsencrypt
      ? {
          certbot: {
            certName: CERT_NAME,
            domains: model.project.serverNames,
            email: model.settings.tls.acmeEmail,
            webroot: EDGE_PATHS.acmeWebroot,
            dir: EDGE_PATHS.letsencrypt,
            nginxProbe: `http://nginx:${EDGE_PORTS.http}/.well-known/acme-challenge/`,
            gid: APP_GID,
          },
        }
      : {}),
  };
}
