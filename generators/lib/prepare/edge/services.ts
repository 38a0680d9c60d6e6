/** The edge's compose services (nginx, and certbot in `letsencrypt` mode), volumes, make targets and docs page. */
import type { ComposeService, Contribution, DeploymentModel, Healthcheck, MakeTarget, Mount, Volume } from '../../model.js';
import { resourcesFor } from '../../sizing.js';
import { APP_GID, IMAGES } from '../../versions.js';
import { EDGE_HEALTH_PATH, EDGE_PATHS, EDGE_PORTS } from './layout.js';

const NGINX_HEALTH: Healthcheck = {
  test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${EDGE_PORTS.status}${EDGE_HEALTH_PATH}`],
  interval: '15s',
  timeout: '5s',
  retries: 3,
  startPeriod: '10s',
  proves: 'the nginx master and workers run with a loaded configuration and accept connections (not that upstreams are up)',
};

const CERTBOT_HEALTH: Healthcheck = {
  test: ['CMD-SHELL', `test -s ${EDGE_PATHS.letsencrypt}/current/fullchain.pem`],
  interval: '10s',
  timeout: '5s',
  retries: 3,
  startPeriod: '30s',
  proves: 'a certificate (the bootstrap one until Let\'s Encrypt has issued) exists for nginx to load',
};

function tlsMounts(model: DeploymentModel): Mount[] {
  switch (model.settings.tls.mode) {
    case 'letsencrypt':
      return [{ type: 'volume', source: 'letsencrypt', target: EDGE_PATHS.tlsDir, readOnly: true }, { type: 'volume', source: 'acme-webroot', target: EDGE_PATHS.acmeWebroot, readOnly: true }];
    case 'provided':
      return [
        { type: 'bind', source: model.settings.tls.certPath, target: `${EDGE_PATHS.tlsDir}/fullchain.pem`, readOnly: true },
        { type: 'bind', source: model.settings.tls.keyPath, target: `${EDGE_PATHS.tlsDir}/privkey.pem`, readOnly: true },
      ];
    case 'self-signed':
      return [{ type: 'bind', source: './certs/edge', target: EDGE_PATHS.tlsDir, readOnly: true }];
  }
}

function nginxService(model: DeploymentModel): ComposeService {
  const letsencrypt = model.settings.tls.mode === 'letsencrypt';
  const routed = [...new Set(model.routes.map((route) => route.service))];
  return {
    name: 'nginx',
    file: 'main',
    description: 'Edge proxy: TLS, security headers, compression, caching, WebSockets and rate limits (the only published ports)',
    tier: 'edge',
    image: IMAGES.nginxUnprivileged,
    profiles: [],
    entrypoint: ['/bin/sh', `${EDGE_PATHS.configDir}/docker-entrypoint.sh`],
    user: '101:101',
    environment: [['EDGE_CERT_CHECK_INTERVAL', '300']],
    secrets: [],
    networks: ['edge'],
    mounts: [{ type: 'bind', source: './config/nginx', target: EDGE_PATHS.configDir, readOnly: true }, ...tlsMounts(model)],
    tmpfs: ['/tmp:size=64m', '/var/cache/nginx:size=8m'],
    ports: [`80:${EDGE_PORTS.http}`, `443:${EDGE_PORTS.https}`],
    devPorts: [],
    healthcheck: NGINX_HEALTH,
    // Upstream host names are resolved when nginx loads its config: the containers must exist.
    dependsOn: [
      ...routed.map((name) => ({ name, condition: 'service_started' as const })),
      ...(letsencrypt ? [{ name: 'certbot', condition: 'service_healthy' as const }] : []),
    ],
    resources: resourcesFor(model.settings.sizeProfile, 'light'),
    capAdd: [],
    readOnly: true,
    replicas: 1,
    stopGracePeriod: '30s',
    ulimits: [{ name: 'nofile', soft: 65536, hard: 65536 }],
    // Private keys are group-readable by the shared group (make certs / certbot set it).
    groupAdd: [String(APP_GID)],
    restart: 'unless-stopped',
  };
}

function certbotService(model: DeploymentModel): ComposeService {
  return {
    name: 'certbot',
    file: 'main',
    description: "Let's Encrypt ACME client (webroot): bootstrap certificate on first start, issue, renew twice a day",
    tier: 'edge',
    image: IMAGES.certbot,
    profiles: [],
    entrypoint: ['/bin/sh', '/usr/local/bin/certbot-edge'],
    environment: [['ACME_STAGING', '${ACME_STAGING:-0}']],
    secrets: [],
    networks: ['edge'],
    mounts: [
      { type: 'bind', source: './config/nginx/certbot.sh', target: '/usr/local/bin/certbot-edge', readOnly: true },
      { type: 'volume', source: 'letsencrypt', target: EDGE_PATHS.letsencrypt, readOnly: false },
      { type: 'volume', source: 'acme-webroot', target: EDGE_PATHS.acmeWebroot, readOnly: false },
    ],
    tmpfs: ['/tmp:size=16m', '/var/lib/letsencrypt:size=16m', '/var/log/letsencrypt:size=16m'],
    ports: [],
    devPorts: [],
    healthcheck: CERTBOT_HEALTH,
    dependsOn: [],
    resources: resourcesFor(model.settings.sizeProfile, 'tiny'),
    // Runs as root in its own volume; CHOWN lets it hand the private key to the shared group.
    capAdd: ['CHOWN'],
    readOnly: true,
    replicas: 1,
    stopGracePeriod: '10s',
    ulimits: [],
    restart: 'unless-stopped',
  };
}

function makeTargets(model: DeploymentModel): MakeTarget[] {
  const nginxArgs = `-p ${EDGE_PATHS.prefix} -c ${EDGE_PATHS.conf}`;
  return [
    ...(model.settings.tls.mode === 'self-signed' ? [{ name: 'certs', help: 'Create a development CA and an edge certificate signed by it (certs/)', recipe: ['./scripts/make-certs.sh'] }] : []),
    { name: 'edge-test', help: 'Check the edge proxy configuration inside the running nginx container', recipe: [`$(DC) exec nginx nginx -t ${nginxArgs}`] },
    { name: 'edge-reload', help: 'Re-read the edge configuration (and re-resolve upstreams) without dropping connections', recipe: [`$(DC) exec nginx nginx -t ${nginxArgs}`, `$(DC) exec nginx nginx -s reload ${nginxArgs}`] },
    ...(model.settings.tls.mode === 'letsencrypt'
      ? [{ name: 'certs-status', help: "Show the Let's Encrypt certificate and its expiry", recipe: ['$(DC) exec certbot certbot certificates'] }]
      : []),
  ];
}

export function edgeContribution(model: DeploymentModel): Contribution {
  const letsencrypt = model.settings.tls.mode === 'letsencrypt';
  const volumes: Volume[] = letsencrypt
    ? [
        { name: 'letsencrypt', description: "Let's Encrypt account key, certificates and renewal config (back it up)" },
        { name: 'acme-webroot', description: 'ACME HTTP-01 challenge files, written by certbot and served by nginx' },
      ]
    : [];
  return {
    services: [nginxService(model), ...(letsencrypt ? [certbotService(model)] : [])],
    volumes,
    makeTargets: makeTargets(model),
    docs: [{ path: 'docs/edge.md', title: 'Edge proxy runbook: TLS certificates, renewal, TLS modes, adding a route' }],
    gitignore: model.settings.tls.mode === 'self-signed' ? ['/certs/'] : [],
    env: letsencrypt ? [['ACME_STAGING', '0', "1: get certificates from Let's Encrypt's staging CA (for trying out; browsers do not trust them)"]] : [],
  };
}
