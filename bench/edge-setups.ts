/**
 * The proxies bench/edge.ts compares, all serving https://127.0.0.1:<port>/api/ in front of the same
 * API stand-in (api:8080, [::1]), with the same certificate (the lab's `make certs` ECDSA P-256 one):
 *   - the generated nginx config, and variants of it with one feature (or one tuning) switched off. Every variant is
 *     derived from the rendered files of this generator run by a checked text transform (each one
 *     throws when its pattern no longer matches a template), so the bench always measures what we ship;
 *   - a bare nginx reverse proxy: TLS and upstream keepalive, nginx's defaults for everything else;
 *   - Caddy 2 (Debian's package) with the generated config's features, as far as Caddy has them.
 */
import { EDGE_PORTS, RATE_LIMITS, nginxRate } from '../generators/lib/prepare/edge/index.js';

/** The deployment the bench generates: the API and the SPA behind the edge, a `make certs` certificate. */
export const BENCH_ANSWERS = { tlsMode: 'self-signed', monitoring: false, services: ['api', 'frontend'] } as const;

/** Where the API stand-in listens (the api service's port; names resolve to ::1 in the lab). */
export const API_UPSTREAM = 'api:8080';

/**
 * The one change every generated variant carries: the API zone's rate. All wrk connections come from
 * one address, so at the shipped 20 r/s nearly every request would be a 429. nginx does the same
 * work (zone lookup and update under the zone's lock) for each request that passes, whatever the
 * rate, so raising it keeps the check's cost and removes only the rejections.
 */
export const BENCH_API_RATE = '100000r/s';

/** The rendered files a variant is derived from (config/nginx/nginx.conf and snippets/proxy.conf). */
export interface Rendered {
  readonly conf: string;
  readonly proxySnippet: string;
}

/** A variant's nginx.conf and any derived snippet it includes (paths relative to config/nginx/). */
export interface VariantFiles {
  readonly conf: string;
  readonly extra: Readonly<Record<string, string>>;
}

/** Replaces every match of `pattern` (which must have the g flag) and insists on `count` matches. */
export function edit(text: string, pattern: RegExp, replacement: string, what: string, count = 1): string {
  const found = text.match(pattern)?.length ?? 0;
  if (found !== count) throw new Error(`bench variant "${what}": expected ${count} match(es) of ${pattern} in the rendered config, found ${found}`);
  return text.replace(pattern, replacement);
}

/** Moves the generated server's listeners (http, https, status) to other ports, so variants run side by side. */
export function onPorts(conf: string, ports: { http: number; https: number; status: number }): string {
  let out = conf;
  for (const key of ['http', 'https', 'status'] as const) {
    out = edit(out, new RegExp(`(\\blisten\\s+)${EDGE_PORTS[key]}\\b`, 'g'), `$1${ports[key]}`, `ports (${key})`);
  }
  return out;
}

/** The generated config with the bench's API rate (the base of every variant). */
function withBenchRate(conf: string): string {
  const zone = RATE_LIMITS.api.zone;
  return edit(conf, new RegExp(`(limit_req_zone \\$binary_remote_addr zone=${zone}:\\S+ rate=)${nginxRate(RATE_LIMITS.api).replace('/', '\\/')};`, 'g'), `$1${BENCH_API_RATE};`, 'API rate');
}

export interface Variant {
  readonly key: string;
  readonly label: string;
  /** What the transform does, printed in the bench's legend. */
  readonly what: string;
  readonly expectSecurityHeaders: boolean;
  readonly logs: boolean;
  readonly derive: (rendered: Rendered) => VariantFiles;
}

const base = (rendered: Rendered): VariantFiles => ({ conf: withBenchRate(rendered.conf), extra: {} });
const NO_HEADERS_PROXY = 'snippets/proxy.bench-no-headers.conf';

/** The generated config and its one-feature-off variants, in the order they are printed. */
export const VARIANTS: readonly Variant[] = [
  {
    key: 'generated',
    label: 'generated nginx config',
    what: `as generated, except the API zone's rate (${nginxRate(RATE_LIMITS.api)} -> ${BENCH_API_RATE}, see below)`,
    expectSecurityHeaders: true,
    logs: true,
    derive: base,
  },
  {
    key: 'no-access-log',
    label: 'generated - access log',
    what: 'access_log off (no JSON log line per request)',
    expectSecurityHeaders: true,
    logs: false,
    derive: (r) => ({ conf: edit(base(r).conf, /^(\s*)access_log \/dev\/stdout edge_json\b[^;]*;/gm, '$1access_log off;', 'no access log'), extra: {} }),
  },
  {
    key: 'no-gzip',
    label: 'generated - gzip',
    what: 'gzip off',
    expectSecurityHeaders: true,
    logs: true,
    derive: (r) => ({ conf: edit(base(r).conf, /^(\s*)gzip on;/gm, '$1gzip off;', 'no gzip'), extra: {} }),
  },
  {
    key: 'no-limit-req',
    label: 'generated - limit_req',
    what: 'every limit_req line removed (the zones stay declared, unused)',
    expectSecurityHeaders: true,
    logs: true,
    derive: (r) => {
      const conf = base(r).conf;
      const count = conf.match(/^\s*limit_req zone=[^;]*;\n/gm)?.length ?? 0;
      if (count === 0) throw new Error('bench variant "no limit_req": no limit_req line in the rendered config');
      return { conf: edit(conf, /^\s*limit_req zone=[^;]*;\n/gm, '', 'no limit_req', count), extra: {} };
    },
  },
  {
    key: 'no-headers',
    label: 'generated - security headers',
    what: `no snippets/security-headers.conf (its headers and the X-Request-ID response header) and no proxy_hide_header for them (${NO_HEADERS_PROXY}); the request ID still goes upstream and to the log`,
    expectSecurityHeaders: false,
    logs: true,
    derive: (r) => {
      let conf = base(r).conf;
      const includes = conf.match(/^\s*include snippets\/security-headers\.conf;\n/gm)?.length ?? 0;
      if (includes === 0) throw new Error('bench variant "no headers": no security-headers include in the rendered config');
      conf = edit(conf, /^\s*include snippets\/security-headers\.conf;\n/gm, '', 'no headers', includes);
      const proxies = conf.match(/include snippets\/proxy\.conf;/g)?.length ?? 0;
      conf = edit(conf, /include snippets\/proxy\.conf;/g, `include ${NO_HEADERS_PROXY};`, 'no headers (proxy snippet)', proxies);
      const hides = r.proxySnippet.match(/^proxy_hide_header (?!X-Request-ID;|X-Powered-By;)\S+;\n/gm)?.length ?? 0;
      if (hides === 0) throw new Error('bench variant "no headers": no proxy_hide_header of a security header in snippets/proxy.conf');
      return { conf, extra: { [NO_HEADERS_PROXY]: edit(r.proxySnippet, /^proxy_hide_header (?!X-Request-ID;|X-Powered-By;)\S+;\n/gm, '', 'no headers (hides)', hides) } };
    },
  },
  {
    key: 'no-request-id',
    label: 'generated - request ID',
    what: 'no generated request ID: the $edge_request_id map falls back to a constant instead of $request_id (16 random bytes from OpenSSL per request); headers and log keep their fields',
    expectSecurityHeaders: true,
    logs: true,
    derive: (r) => ({ conf: edit(base(r).conf, /^(\s*default )\$request_id;/gm, '$1"-";', 'no request ID'), extra: {} }),
  },
  {
    key: 'keepalive-requests-1000',
    label: 'generated, keepalive_requests 1000',
    what: "the clients' keepalive_requests (http block) back to nginx's default, 1000 (the generated config raises it)",
    expectSecurityHeaders: true,
    logs: true,
    derive: (r) => ({ conf: edit(base(r).conf, /^(?<head> {4}keepalive_requests )\d+;/gm, '$<head>1000;', 'keepalive_requests 1000'), extra: {} }),
  },
  {
    key: 'reuseport',
    label: 'generated + reuseport',
    what: 'the HTTPS listener with reuseport (a listening socket per worker, spread by the kernel; the generated config leaves it out)',
    expectSecurityHeaders: true,
    logs: true,
    derive: (r) => ({ conf: edit(base(r).conf, new RegExp(`(\\blisten ${EDGE_PORTS.https} [^;]*?)( default_server;)`, 'g'), '$1 reuseport$2', 'reuseport'), extra: {} }),
  },
];

/** TLS (1.2-1.3) and upstream keepalive, nothing else (nginx's defaults otherwise): the floor of nginx here. */
export function bareNginxConfig(opts: { port: number; cert: string; key: string; keepalive: number }): string {
  return `daemon off;
worker_processes auto;
pid nginx.pid;
error_log stderr warn;
events {}
http {
    access_log off;
    client_body_temp_path client_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    upstream api {
        server ${API_UPSTREAM};
        keepalive ${opts.keepalive};
    }
    server {
        listen ${opts.port} ssl;
        # nginx 1.22 leaves TLS 1.3 out of its default ssl_protocols (1.23.4 added it).
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate ${opts.cert};
        ssl_certificate_key ${opts.key};
        location /api/ {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://api/;
        }
    }
}
`;
}

/** nginx TLS 1.2 cipher names -> Go's (Caddy's `ciphers`). */
const GO_CIPHERS: Readonly<Record<string, string>> = {
  'ECDHE-ECDSA-AES128-GCM-SHA256': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305': 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'ECDHE-RSA-CHACHA20-POLY1305': 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
};
const GO_CURVES: Readonly<Record<string, string>> = { X25519: 'x25519', prime256v1: 'secp256r1', secp384r1: 'secp384r1' };

/** What the generated edge decides, read from the model's edge view, for Caddy's config. */
export interface EdgeFacts {
  readonly headers: readonly (readonly [string, string])[];
  readonly gzipTypes: readonly string[];
  readonly tls: { readonly protocols: string; readonly ciphers?: string; readonly curves: string };
  readonly clientMaxBodySize: string;
  readonly apiKeepaliveTimeout: string;
  readonly upstreamKeepalive: number;
}

/** Caddyfile string literal (backquotes hold anything but a backquote). */
function q(value: string): string {
  if (value.includes('`')) throw new Error(`cannot quote ${value} for the Caddyfile`);
  return `\`${value}\``;
}

/**
 * Caddy 2 with the generated edge's features where Caddy has them (the bench prints where it differs,
 * CADDY_DIFFERENCES): the same certificate, TLS versions, TLS 1.2 ciphers and curves; the same
 * security headers, replacing the upstream's copies (a deferred `header` set overwrites them, as
 * nginx's proxy_hide_header + add_header do); the request ID (a client's well-formed one kept,
 * otherwise a new one) sent upstream and back; X-Real-IP and X-Forwarded-*; compression with the same
 * level, minimum length and types; a 10 MB body limit; a JSON access log to a file, query strings
 * removed; keepalive to the upstream with the generated idle timeout and pool size.
 */
export function caddyConfig(facts: EdgeFacts, opts: { port: number; cert: string; key: string; accessLog: string; storage: string }): string {
  const protocols = facts.tls.protocols.split(' ').map((p) => p.replace('TLSv', 'tls'));
  const ciphers = (facts.tls.ciphers ?? '').split(':').filter(Boolean).map((c) => {
    const go = GO_CIPHERS[c];
    if (!go) throw new Error(`no Go name for the cipher ${c}`);
    return go;
  });
  const curves = facts.tls.curves.split(':').map((c) => GO_CURVES[c] ?? c);
  const bodyMb = /^(\d+)m$/.exec(facts.clientMaxBodySize)?.[1];
  if (!bodyMb) throw new Error(`unexpected client_max_body_size ${facts.clientMaxBodySize}`);
  const types = ['text/html', ...facts.gzipTypes].map((type) => `\t\t\theader Content-Type ${type}*`);
  return `{
\tadmin off
\tauto_https off
\tstorage file_system ${opts.storage}
\tlog {
\t\toutput stderr
\t\tlevel WARN
\t}
}

https://:${opts.port} {
\ttls ${opts.cert} ${opts.key} {
\t\tprotocols ${protocols[0]} ${protocols.at(-1)}
${ciphers.length ? `\t\tciphers ${ciphers.join(' ')}\n` : ''}\t\tcurves ${curves.join(' ')}
\t}
\tlog {
\t\toutput file ${opts.accessLog} {
\t\t\troll_disabled
\t\t}
\t\tformat filter {
\t\t\twrap json
\t\t\tfields {
\t\t\t\trequest>uri regexp \\?.*$ ""
\t\t\t\tresp_headers delete
\t\t\t}
\t\t}
\t}
\trequest_body {
\t\tmax_size ${bodyMb}MB
\t}
\tencode {
\t\tgzip 5
\t\tminimum_length 1024
\t\tmatch {
${types.join('\n')}
\t\t}
\t}
\t@noRequestId not header_regexp X-Request-ID ^[A-Za-z0-9._:-]{1,128}$
\trequest_header @noRequestId X-Request-ID {http.request.uuid}
\theader {
${facts.headers.map(([name, value]) => `\t\t${name} ${q(value)}`).join('\n')}
\t\tX-Request-ID {http.request.header.X-Request-ID}
\t\t-Server
\t\tdefer
\t}
\thandle_path /api/* {
\t\treverse_proxy ${API_UPSTREAM} {
\t\t\theader_up X-Real-IP {remote_host}
\t\t\theader_up X-Request-ID {http.request.header.X-Request-ID}
\t\t\theader_down -X-Powered-By
\t\t\ttransport http {
\t\t\t\tkeepalive ${facts.apiKeepaliveTimeout}
\t\t\t\tkeepalive_idle_conns ${facts.upstreamKeepalive}
\t\t\t\tkeepalive_idle_conns_per_host ${facts.upstreamKeepalive}
\t\t\t}
\t\t}
\t}
}
`;
}

/** Where the Caddy setup is not the generated nginx's equal, printed with the figures. */
export const CADDY_DIFFERENCES = [
  "no rate limit: Debian's caddy has no rate-limit module (caddy-ratelimit is a third-party plugin built with xcaddy), so Caddy skips the work the generated config's limit_req does (compare with \"generated - limit_req\")",
  "its access log has Caddy's own fields (all request headers, TLS details; no request ID and no upstream timing, which Caddy 2.6 cannot add) and is written line by line, where nginx buffers 64 KB",
  'no per-connection request limit (Go has no keepalive_requests): clients never reconnect',
  'TLS session tickets on (Go rotates their keys); the generated nginx has tickets off. Keepalive clients resume nothing, so this costs nothing here',
  'TLS 1.3 cipher: Go prefers AES-128-GCM where OpenSSL (nginx, Node) follows the client and picks AES-256-GCM; Go cannot configure TLS 1.3 suites (see the TLS lines)',
];
