/**
 * Where the edge lives: its ports, paths and log fields, shared by the nginx view, the compose
 * services and monitoring (which scrapes stub_status and reads the access log).
 *
 * Container layout (the nginx config is written against it, with relative paths only, so tests can
 * mirror it under a temp dir and run the generated files unchanged):
 *   /etc/nginx/edge/        ./config/nginx (read-only): nginx.conf, snippets/, custom/, scripts
 *   /etc/nginx/mime.types   from the image
 *   /etc/nginx/tls/         certificates (./certs/edge, the provided files, or the letsencrypt volume)
 *   /tmp/                   nginx prefix (-p): pid file and temp dirs, on tmpfs
 * Includes and certificate paths are relative to the config dir (/etc/nginx/edge/); pid and temp
 * paths are relative to the prefix (/tmp/).
 */

/** Ports nginx listens on inside its container (nginx-unprivileged cannot bind below 1024). */
export const EDGE_PORTS = { http: 8080, https: 8443, status: 8082 } as const;

/**
 * nginx `stub_status`, served on an internal-only listener: the port is never published, so only
 * containers on the `edge` network (the metrics exporter) reach it. Monitoring imports this.
 */
export const EDGE_STUB_STATUS = { service: 'nginx', network: 'edge', port: EDGE_PORTS.status, path: '/stub_status' } as const;

/** Container health endpoint on the same internal listener. */
export const EDGE_HEALTH_PATH = '/healthz';

/**
 * Field names of the edge's JSON access log. `path` is the URI without its query string: query
 * strings carry tokens (Socket.IO authenticates with `?token=`), so they never reach the logs.
 */
export const EDGE_ACCESS_LOG_FIELDS = {
  status: 'status',
  requestTime: 'request_time',
  method: 'request_method',
  uri: 'path',
  upstreamTime: 'upstream_response_time',
} as const;

/** Where things live in the nginx container. */
export const EDGE_PATHS = {
  configDir: '/etc/nginx/edge',
  conf: '/etc/nginx/edge/nginx.conf',
  tlsDir: '/etc/nginx/tls',
  prefix: '/tmp/',
  acmeWebroot: '/var/www/acme',
  letsencrypt: '/etc/letsencrypt',
} as const;

/** certbot's certificate lineage name: live/<name>/ in the letsencrypt volume. */
export const CERT_NAME = 'edge';
