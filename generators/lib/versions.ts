/**
 * Every third-party image the generated repo uses, pinned to an exact version in one place.
 * Dependabot in the generated repo proposes bumps; bump here to change what new repos get.
 */
export const IMAGES = {
  node: 'node:20.19.5-alpine3.22',
  python: 'python:3.11.13-slim-bookworm',
  nginxUnprivileged: 'nginxinc/nginx-unprivileged:1.28.0-alpine3.21',
  postgres: 'postgres:15.14-alpine3.22',
  redis: 'redis:7.4.6-alpine3.21',
  opensearch: 'opensearchproject/opensearch:3.4.0',
  elasticmq: 'softwaremill/elasticmq-native:1.3.9',
  temporal: 'temporalio/auto-setup:1.27.2',
  kafka: 'apache/kafka:3.9.1',
  certbot: 'certbot/certbot:v4.1.1',
  // Monitoring stack (compose.monitoring.yaml).
  prometheus: 'prom/prometheus:v3.5.0',
  alertmanager: 'prom/alertmanager:v0.28.1',
  grafana: 'grafana/grafana:12.1.1',
  loki: 'grafana/loki:3.5.3',
  promtail: 'grafana/promtail:3.5.3',
  tempo: 'grafana/tempo:2.8.2',
  otelCollector: 'otel/opentelemetry-collector-contrib:0.131.0',
  nodeExporter: 'prom/node-exporter:v1.9.1',
  cadvisor: 'gcr.io/cadvisor/cadvisor:v0.52.1',
  blackboxExporter: 'prom/blackbox-exporter:v0.27.0',
  postgresExporter: 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
  redisExporter: 'oliver006/redis_exporter:v1.74.0-alpine',
  opensearchExporter: 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.9.0',
  nginxExporter: 'nginx/nginx-prometheus-exporter:1.4.2',
  dockerSocketProxy: 'tecnativa/docker-socket-proxy:v0.4.2',
  dockerCli: 'docker:28.3.3-cli',
  flyway: 'flyway/flyway:10.22.0-alpine',
} as const;

/** PostgreSQL major version: the backup image's client tools must match it. */
export const POSTGRES_MAJOR = 15;

/**
 * pnpm for every Node build stage: the newest 10.x. GitMesh CE needs pnpm 10 (backend/package.json:134
 * depends on `pnpm ^10.28.0`, and backend/pnpm-workspace.yaml:1 holds `onlyBuiltDependencies` without a
 * `packages` list, which pnpm 9 rejects with "packages field missing or empty"). lockfileVersion 9.0
 * (backend/pnpm-lock.yaml:1) is written by pnpm 9 and 10 alike, so it does not decide the major.
 * test/rehearsal-build.test.ts replays every install step with this version against the pinned tree.
 */
export const PNPM_VERSION = '10.34.9';

/** The PostgreSQL driver of the Python worker: the binary wheel bundles libpq. */
export const PSYCOPG2_BINARY = 'psycopg2-binary==2.9.10';

/** Fixed UID/GID of the unprivileged user in every image we build. */
export const APP_UID = 10001;
export const APP_GID = 10001;

/** Alpine packages of the backup image (apk `~` pins the upstream version, any -rN rebuild of it). */
export const BACKUP_APK = ['bash~5.2', 'coreutils~9', 'tar~1.35', 'curl~8', 'jq~1', 'zstd~1.5', 'age~1.2', 'gnupg~2.4', 'rclone~1.69', 'supercronic~0.2.33', 'util-linux-misc~2'] as const;
