/**
 * Edge concern: the nginx reverse proxy in front of every routed service (TLS, security headers,
 * compression, caching, WebSockets, rate limits, JSON access logs, stub_status), plus certbot in
 * `letsencrypt` mode. One folder, four parts:
 *   limits.ts    each route's policy (rate limits, body sizes, timeouts, caching), decided once
 *   view.ts      what the nginx templates print
 *   services.ts  the compose services, volumes and make targets
 *   layout.ts    ports, paths and log fields (the container layout)
 */
export { CERT_NAME, EDGE_ACCESS_LOG_FIELDS, EDGE_HEALTH_PATH, EDGE_PATHS, EDGE_PORTS, EDGE_STUB_STATUS } from './layout.js';
export { DEFAULT_MAX_BODY_BYTES, RATE_LIMITS, edgeLocations, nginxRate, nginxSize, nginxTime } from './limits.js';
export { edgeContribution } from './services.js';
export { edgeView, type CertbotView, type EdgeLocation, type EdgeUpstream, type EdgeView, type TlsView } from './view.js';
