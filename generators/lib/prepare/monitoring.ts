/**
 * Monitoring concern: the observability stack rendered into compose.monitoring.yaml when
 * `answers.monitoring` is on. Prometheus + Alertmanager + exporters (metrics and alerts), Grafana
 * (dashboards), Loki + Grafana Alloy (logs), OpenTelemetry Collector → Tempo (traces).
 *
 * Everything the monitoring templates print is decided here, in `monitoringView`, from the final model:
 * scrape jobs, probe targets, retention, alert rules (monitoring-alerts.ts) and dashboards
 * (monitoring-dashboards.ts). `monitoringContribution` adds the compose services, volumes, secrets,
 * make targets and docs.
 */
import type { ComposeService, Contribution, DeploymentModel, Healthcheck, Mount, Secret, Volume } from '../model.js';
import type { Answers } from '../options.js';
import { resourcesFor, type SizeClass, type SizeProfile } from '../sizing.js';
import { TOOL, toolRun } from '../ci-actions.js';
import { APP_GID, IMAGES } from '../versions.js';
import { infraCheck } from './health.js';
import { BACKUP_METRICS, BACKUP_METRICS_VOLUME } from './backup.js';
import { EDGE_ACCESS_LOG_FIELDS, EDGE_STUB_STATUS } from './edge/index.js';
import { PG_ROLES, PG_SECRETS, REDIS_USERS } from './identities.js';
import { DB_NAME, DB_USER } from './wiring.js';

/** The exporter's Redis user (issue 18). */
const redisMonitor = REDIS_USERS.find((user) => user.name === 'monitor')!;

// --------------------------------------------------------------------------------------------- contracts
//
// The edge and backup concerns own these facts and export them; this stack reads them from there, so a
// renamed field, port or metric cannot silently break a scrape job, a log parser or an alert.

/** The backup job's node-exporter textfile metrics (gitmesh_backup_*), as alerts and dashboards use them. */
export const BACKUP_METRICS_VIEW = {
  volume: BACKUP_METRICS_VOLUME,
  lastSuccess: BACKUP_METRICS.lastSuccess,
  lastStatus: BACKUP_METRICS.lastStatus,
  restoreDrillLastStatus: BACKUP_METRICS.verifyLastStatus,
  restoreDrillLastSuccess: BACKUP_METRICS.verifyLastSuccess,
} as const;

// --------------------------------------------------------------------------------------------- view

/** Fixed datasource UIDs: dashboards reference them, provisioning creates them. */
export const DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki', tempo: 'tempo' } as const;

export interface ScrapeJob {
  readonly name: string;
  readonly targets: readonly string[];
  readonly metricsPath?: string;
  /** Extra params (blackbox `module`). */
  readonly params?: readonly (readonly [string, string])[];
  /** Blackbox style: targets are probed through the exporter at `address`. */
  readonly probe?: { readonly exporter: string };
  readonly interval?: string;
}

export interface Retention {
  readonly prometheusTime: string;
  readonly prometheusSize: string;
  readonly lokiHours: number;
  readonly tempoHours: number;
}

export interface MonitoringView {
  readonly project: string;
  readonly scrapeJobs: readonly ScrapeJob[];
  readonly probeTargets: readonly string[];
  /** Self-signed certificates cannot be verified by the probe (expiry is still measured). */
  readonly probeInsecure: boolean;
  readonly retention: Retention;
  readonly edge?: { readonly service: string; readonly stubStatusUrl: string };
  readonly logFields: typeof EDGE_ACCESS_LOG_FIELDS;
  readonly backup: typeof BACKUP_METRICS_VIEW;
  readonly uids: typeof DATASOURCE_UIDS;
  readonly postgres: boolean;
  readonly postgresReplica: boolean;
  readonly redis: boolean;
  readonly opensearch: boolean;
  readonly appServices: readonly string[];
}

const RETENTION: Readonly<Record<SizeProfile, Retention>> = {
  small: { prometheusTime: '15d', prometheusSize: '8GB', lokiHours: 168, tempoHours: 72 },
  medium: { prometheusTime: '30d', prometheusSize: '40GB', lokiHours: 336, tempoHours: 168 },
  large: { prometheusTime: '90d', prometheusSize: '150GB', lokiHours: 720, tempoHours: 336 },
};

export const retentionFor = (profile: SizeProfile): Retention => RETENTION[profile];

/** The edge nginx whose stub_status the exporter reads, when the edge concern added it. */
function edgeService(model: DeploymentModel): ComposeService | undefined {
  return model.composeServices.find((svc) => svc.name === EDGE_STUB_STATUS.service);
}

function opensearchNode(model: DeploymentModel): string | undefined {
  if (model.data.opensearch === 'none') return undefined;
  return model.data.opensearch === 'cluster' ? 'opensearch-1' : 'opensearch';
}

export function monitoringView(model: DeploymentModel): MonitoringView | undefined {
  if (!model.answers.monitoring) return undefined;
  const edge = edgeService(model);
  const stub = EDGE_STUB_STATUS;
  const probeTargets = [
    ...model.project.serverNames.map((host) => `https://${host}/`),
    ...model.routes.filter((route) => route.healthPath && route.path !== '/').map((route) => `https://${model.project.domain}${route.path}${route.healthPath!.replace(/^\//, '')}`),
  ];
  const jobs: ScrapeJob[] = [
    { name: 'prometheus', targets: ['localhost:9090'] },
    { name: 'alertmanager', targets: ['alertmanager:9093'] },
    { name: 'node', targets: ['node-exporter:9100'] },
    { name: 'cadvisor', targets: ['cadvisor:8080'] },
    { name: 'grafana', targets: ['grafana:3000'] },
    { name: 'loki', targets: ['loki:3100'] },
    { name: 'alloy', targets: [`alloy:${ALLOY_HTTP_PORT}`] },
    { name: 'tempo', targets: ['tempo:3200'] },
    { name: 'otel-collector', targets: ['otel-collector:8888'] },
    { name: 'blackbox', targets: ['blackbox-exporter:9115'] },
    ...(model.data.postgres ? [{ name: 'postgres', targets: ['postgres-exporter:9187', ...(model.data.postgresReplica ? ['postgres-replica-exporter:9187'] : [])] }] : []),
    ...(model.data.redis ? [{ name: 'redis', targets: ['redis-exporter:9121'] }] : []),
    ...(opensearchNode(model) ? [{ name: 'opensearch', targets: ['opensearch-exporter:9114'] }] : []),
    ...(edge ? [{ name: 'nginx', targets: ['nginx-exporter:9113'] }] : []),
    { name: 'blackbox-https', targets: probeTargets, metricsPath: '/probe', params: [['module', 'https_2xx']] as const, probe: { exporter: 'blackbox-exporter:9115' } },
  ];
  return {
    project: model.project.name,
    scrapeJobs: jobs,
    probeTargets,
    probeInsecure: model.answers.tlsMode === 'self-signed',
    retention: retentionFor(model.answers.sizeProfile),
    ...(edge ? { edge: { service: edge.name, stubStatusUrl: `http://${edge.name}:${stub.port}${stub.path}` } } : {}),
    logFields: EDGE_ACCESS_LOG_FIELDS,
    backup: BACKUP_METRICS_VIEW,
    uids: DATASOURCE_UIDS,
    postgres: model.data.postgres,
    postgresReplica: model.data.postgresReplica,
    redis: model.data.redis,
    opensearch: model.data.opensearch !== 'none',
    appServices: model.services.map((svc) => svc.name),
  };
}

// --------------------------------------------------------------------------------------------- services

const bind = (source: string, target: string): Mount => ({ type: 'bind', source, target, readOnly: true });
const volume = (source: string, target: string, readOnly = false): Mount => ({ type: 'volume', source, target, readOnly });

/** busybox `wget` (prom/*, quay.io/prometheuscommunity/*, alpine-based images). */
const wgetCheck = (url: string, proves: string, startPeriod = '30s', wget = 'wget'): Healthcheck => infraCheck(['CMD', wget, '-q', '-O', '/dev/null', url], proves, startPeriod);

type Base = Omit<ComposeService, 'file' | 'tier' | 'profiles' | 'ports' | 'devPorts' | 'replicas' | 'restart' | 'stopGracePeriod' | 'ulimits' | 'tmpfs' | 'capAdd' | 'readOnly' | 'dependsOn' | 'networks' | 'resources' | 'environment' | 'secrets' | 'mounts'> &
  Partial<ComposeService>;

function service(answers: Answers, size: SizeClass, svc: Base): ComposeService {
  return {
    file: 'monitoring',
    tier: 'monitoring',
    profiles: [],
    ports: [],
    devPorts: [],
    replicas: 1,
    restart: 'unless-stopped',
    stopGracePeriod: '30s',
    ulimits: [],
    tmpfs: ['/tmp:size=16m'],
    capAdd: [],
    readOnly: true,
    dependsOn: [],
    networks: ['monitoring'],
    environment: [],
    secrets: [],
    mounts: [],
    resources: resourcesFor(answers.sizeProfile, size),
    ...svc,
  };
}

const secretsGroup = String(APP_GID);

export const MONITORING_SECRETS: readonly Secret[] = [
  { name: 'grafana_admin_password', description: 'Password of the Grafana `admin` user (GF_SECURITY_ADMIN_PASSWORD__FILE)', source: { kind: 'random', bytes: 24 } },
  {
    name: 'alertmanager_slack_webhook_url',
    description: 'Slack (or Slack-compatible: Mattermost, Rocket.Chat) incoming-webhook URL Alertmanager posts alerts to (paste it)',
    // A placeholder lets the stack start; alerts are not delivered until it is replaced (make secrets warns).
    source: { kind: 'operator', placeholder: 'https://hooks.slack.com/services/REPLACE/WITH/YOUR-WEBHOOK' },
  },
];

export const UI_PORTS = { grafana: 3000, prometheus: 9090, alertmanager: 9093 } as const;

/** Alloy's HTTP server (metrics, /-/ready); it listens on loopback only unless told otherwise (cmd_run.go:60). */
export const ALLOY_HTTP_PORT = 12345;

export function monitoringServices(model: DeploymentModel, view: MonitoringView): ComposeService[] {
  const a = model.answers;
  const services: ComposeService[] = [];
  const r = view.retention;
  services.push(
    service(a, 'heavy', {
      name: 'prometheus',
      description: `Prometheus: scrapes every exporter, evaluates the alert rules (retention ${r.prometheusTime} or ${r.prometheusSize})`,
      image: IMAGES.prometheus,
      command: [
        '--config.file=/etc/prometheus/prometheus.yml',
        '--storage.tsdb.path=/prometheus',
        `--storage.tsdb.retention.time=${r.prometheusTime}`,
        `--storage.tsdb.retention.size=${r.prometheusSize}`,
        `--web.external-url=http://127.0.0.1:${UI_PORTS.prometheus}/`,
      ],
      mounts: [bind('./config/prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml'), bind('./config/prometheus/rules', '/etc/prometheus/rules'), volume('prometheus-data', '/prometheus')],
      ports: [`127.0.0.1:${UI_PORTS.prometheus}:9090`],
      healthcheck: wgetCheck('http://127.0.0.1:9090/-/healthy', 'Prometheus answers /-/healthy'),
      stopGracePeriod: '60s',
    }),
    service(a, 'light', {
      name: 'alertmanager',
      description: 'Alertmanager: groups, inhibits and routes alerts to Slack (receiver credentials from secrets/)',
      image: IMAGES.alertmanager,
      command: [
        '--config.file=/etc/alertmanager/alertmanager.yml',
        '--storage.path=/alertmanager',
        `--web.external-url=http://127.0.0.1:${UI_PORTS.alertmanager}/`,
        // A single instance: no gossip cluster listener.
        '--cluster.listen-address=',
      ],
      secrets: ['alertmanager_slack_webhook_url'],
      groupAdd: [secretsGroup],
      mounts: [bind('./config/alertmanager/alertmanager.yml', '/etc/alertmanager/alertmanager.yml'), volume('alertmanager-data', '/alertmanager')],
      ports: [`127.0.0.1:${UI_PORTS.alertmanager}:9093`],
      healthcheck: wgetCheck('http://127.0.0.1:9093/-/healthy', 'Alertmanager answers /-/healthy'),
    }),
    service(a, 'standard', {
      name: 'grafana',
      description: 'Grafana: provisioned datasources and dashboards; admin password from secrets/, anonymous access off',
      image: IMAGES.grafana,
      environment: [
        ['GF_SECURITY_ADMIN_USER', 'admin'],
        ['GF_SECURITY_ADMIN_PASSWORD__FILE', '/run/secrets/grafana_admin_password'],
        ['GF_SECURITY_DISABLE_GRAVATAR', 'true'],
        ['GF_SECURITY_COOKIE_SAMESITE', 'strict'],
        ['GF_AUTH_ANONYMOUS_ENABLED', 'false'],
        ['GF_AUTH_BASIC_ENABLED', 'true'],
        ['GF_USERS_ALLOW_SIGN_UP', 'false'],
        ['GF_USERS_ALLOW_ORG_CREATE', 'false'],
        ['GF_SERVER_ROOT_URL', `http://127.0.0.1:${UI_PORTS.grafana}/`],
        ['GF_ANALYTICS_REPORTING_ENABLED', 'false'],
        ['GF_ANALYTICS_CHECK_FOR_UPDATES', 'false'],
        ['GF_PATHS_PROVISIONING', '/etc/grafana/provisioning'],
        ['GF_LOG_MODE', 'console'],
      ],
      secrets: ['grafana_admin_password'],
      groupAdd: [secretsGroup],
      mounts: [bind('./config/grafana/provisioning', '/etc/grafana/provisioning'), bind('./config/grafana/dashboards', '/var/lib/grafana-dashboards'), volume('grafana-data', '/var/lib/grafana')],
      ports: [`127.0.0.1:${UI_PORTS.grafana}:3000`],
      dependsOn: [
        { name: 'prometheus', condition: 'service_healthy' },
        { name: 'loki', condition: 'service_healthy' },
      ],
      healthcheck: wgetCheck('http://127.0.0.1:3000/api/health', 'Grafana answers /api/health (its database is reachable)', '60s'),
    }),
    service(a, 'standard', {
      name: 'loki',
      description: `Loki: log store (retention ${r.lokiHours}h), fed by Grafana Alloy`,
      image: IMAGES.loki,
      command: ['-config.file=/etc/loki/loki.yaml'],
      mounts: [bind('./config/loki/loki.yaml', '/etc/loki/loki.yaml'), volume('loki-data', '/loki')],
      // distroless:debug: busybox lives in /busybox.
      healthcheck: wgetCheck('http://127.0.0.1:3100/ready', 'Loki answers /ready (ingester joined the ring)', '60s', '/busybox/wget'),
    }),
    service(a, 'light', {
      name: 'alloy',
      description: "Grafana Alloy: ships every container's logs to Loki (label `service`), parses the edge's JSON access log into fields and request metrics",
      image: IMAGES.alloy,
      command: ['run', '/etc/alloy/config.alloy', '--storage.path=/var/lib/alloy/data', `--server.http.listen-addr=0.0.0.0:${ALLOY_HTTP_PORT}`, '--disable-reporting'],
      // The image creates user alloy (uid 473) and owns /var/lib/alloy to it, but does not switch to it.
      user: '473:473',
      mounts: [bind('./config/alloy/config.alloy', '/etc/alloy/config.alloy'), volume('alloy-data', '/var/lib/alloy/data')],
      dependsOn: [
        { name: 'loki', condition: 'service_healthy' },
        { name: 'docker-socket-proxy', condition: 'service_healthy' },
      ],
      // Ubuntu base without wget/curl: bash's /dev/tcp speaks HTTP to the ready endpoint.
      healthcheck: infraCheck(
        ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${ALLOY_HTTP_PORT} && printf 'GET /-/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`],
        'Alloy answers /-/ready with 200 (its components are running)',
      ),
    }),
    service(a, 'standard', {
      name: 'tempo',
      description: `Tempo: trace store (retention ${r.tempoHours}h), fed by the OpenTelemetry Collector`,
      image: IMAGES.tempo,
      command: ['-config.file=/etc/tempo/tempo.yaml'],
      mounts: [bind('./config/tempo/tempo.yaml', '/etc/tempo/tempo.yaml'), volume('tempo-data', '/var/tempo')],
      healthcheck: wgetCheck('http://127.0.0.1:3200/ready', 'Tempo answers /ready', '60s'),
    }),
    service(a, 'standard', {
      name: 'otel-collector',
      description: 'OpenTelemetry Collector: receives OTLP from the GitMesh services (app network), exports traces to Tempo; own metrics on :8888, health on :13133',
      image: IMAGES.otelCollector,
      command: ['--config=/etc/otelcol/config.yaml'],
      networks: ['app', 'monitoring'],
      mounts: [bind('./config/otel-collector/config.yaml', '/etc/otelcol/config.yaml')],
      dependsOn: [{ name: 'tempo', condition: 'service_healthy' }],
      // Scratch image: no shell or HTTP client. The binary re-validates the mounted config; liveness of the
      // pipeline is watched by Prometheus (job otel-collector, up and otelcol_* metrics).
      healthcheck: infraCheck(['CMD', '/otelcol-contrib', 'validate', '--config=/etc/otelcol/config.yaml'], 'the collector binary runs and its mounted configuration is valid; pipeline liveness is the Prometheus `up{job="otel-collector"}` series'),
    }),
    service(a, 'tiny', {
      name: 'node-exporter',
      description: 'node-exporter: host CPU, memory, filesystems, OOM kills; textfile collector reads the backup and container-health metrics',
      image: IMAGES.nodeExporter,
      command: [
        '--path.procfs=/host/proc',
        '--path.sysfs=/host/sys',
        '--path.rootfs=/host/root',
        // `$$` is a literal `$` in a compose file.
        '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($$|/)',
        '--collector.textfile.directory=/textfile/*',
      ],
      mounts: [
        bind('/proc', '/host/proc'),
        bind('/sys', '/host/sys'),
        bind('/', '/host/root'),
        volume(view.backup.volume, '/textfile/backup', true),
        volume('container-health-metrics', '/textfile/containers', true),
      ],
      healthcheck: wgetCheck('http://127.0.0.1:9100/', 'node-exporter serves HTTP on :9100'),
    }),
    service(a, 'standard', {
      name: 'cadvisor',
      description: 'cAdvisor: per-container CPU, memory, restarts and OOM events (container names through the read-only Docker socket proxy)',
      image: IMAGES.cadvisor,
      command: [
        '--docker=tcp://docker-socket-proxy:2375',
        '--docker_only=true',
        '--housekeeping_interval=30s',
        '--disable_metrics=percpu,sched,tcp,udp,advtcp,hugetlb,referenced_memory,cpu_topology,resctrl,memory_numa',
      ],
      mounts: [bind('/', '/rootfs'), bind('/sys', '/sys'), bind('/var/lib/docker', '/var/lib/docker'), bind('/dev/disk', '/dev/disk')],
      dependsOn: [{ name: 'docker-socket-proxy', condition: 'service_healthy' }],
      healthcheck: wgetCheck('http://127.0.0.1:8080/healthz', 'cAdvisor answers /healthz'),
    }),
    service(a, 'tiny', {
      name: 'blackbox-exporter',
      description: 'blackbox_exporter: probes the public HTTPS endpoints and reports certificate expiry',
      image: IMAGES.blackboxExporter,
      command: ['--config.file=/etc/blackbox/blackbox.yml'],
      mounts: [bind('./config/prometheus/blackbox.yml', '/etc/blackbox/blackbox.yml')],
      healthcheck: wgetCheck('http://127.0.0.1:9115/-/healthy', 'blackbox_exporter answers /-/healthy'),
    }),
    service(a, 'tiny', {
      name: 'docker-socket-proxy',
      description: 'Docker socket proxy: read-only container and network listing for Alloy, cAdvisor and the container-health collector (no POST, no exec)',
      image: IMAGES.dockerSocketProxy,
      environment: [
        ['CONTAINERS', '1'],
        ['NETWORKS', '1'],
        ['INFO', '1'],
        ['POST', '0'],
        ['LOG_LEVEL', 'warning'],
      ],
      mounts: [bind('/var/run/docker.sock', '/var/run/docker.sock')],
      // HAProxy renders its configuration at start.
      readOnly: false,
      tmpfs: ['/tmp:size=8m', '/run:size=8m'],
      healthcheck: wgetCheck('http://127.0.0.1:2375/_ping', 'the proxy answers the Docker /_ping through the socket'),
    }),
    service(a, 'tiny', {
      name: 'container-health',
      description: 'Writes each container\'s Docker health status as node-exporter textfile metrics (gitmesh_container_unhealthy)',
      image: IMAGES.dockerCli,
      entrypoint: ['/bin/sh', '/usr/local/bin/container-health.sh'],
      environment: [
        ['DOCKER_HOST', 'tcp://docker-socket-proxy:2375'],
        ['TEXTFILE_DIR', '/textfile'],
        ['INTERVAL_SECONDS', '30'],
        ['HOME', '/tmp'],
      ],
      mounts: [bind('./config/prometheus/container-health.sh', '/usr/local/bin/container-health.sh'), volume('container-health-metrics', '/textfile')],
      dependsOn: [{ name: 'docker-socket-proxy', condition: 'service_healthy' }],
      healthcheck: infraCheck(['CMD-SHELL', 'test -n "$$(find /textfile/container_health.prom -mmin -3 2>/dev/null)"'], 'the health metrics file was rewritten in the last 3 minutes', '60s'),
    }),
  );
  if (view.postgres) {
    const pg = (name: string, host: string): ComposeService =>
      service(a, 'tiny', {
        name,
        description: `postgres_exporter for ${host} (role ${PG_ROLES.monitor}: pg_monitor only; password from secrets/${PG_SECRETS.monitor})`,
        image: IMAGES.postgresExporter,
        environment: [
          ['DATA_SOURCE_URI', `${host}:5432/${DB_NAME}?sslmode=disable`],
          ['DATA_SOURCE_USER', PG_ROLES.monitor],
          ['DATA_SOURCE_PASS_FILE', `/run/secrets/${PG_SECRETS.monitor}`],
        ],
        secrets: [PG_SECRETS.monitor],
        groupAdd: [secretsGroup],
        networks: ['data', 'monitoring'],
        dependsOn: [{ name: host, condition: 'service_healthy' }],
        healthcheck: wgetCheck('http://127.0.0.1:9187/', 'postgres_exporter serves HTTP on :9187 (pg_up tells whether PostgreSQL answers)'),
      });
    services.push(pg('postgres-exporter', 'postgres'));
    if (view.postgresReplica) services.push(pg('postgres-replica-exporter', 'postgres-replica'));
  }
  if (view.redis) {
    services.push(
      service(a, 'tiny', {
        name: 'redis-exporter',
        description: `redis_exporter (ACL user ${redisMonitor.name}: INFO and its probes; password read from secrets/${redisMonitor.secret} at start)`,
        image: IMAGES.redisExporter,
        entrypoint: ['/bin/sh', '-c', `REDIS_PASSWORD="$$(cat /run/secrets/${redisMonitor.secret})" && export REDIS_PASSWORD && exec /redis_exporter`],
        // CONFIG is not granted to the monitor user: the exporter skips CONFIG GET (README.md:245 at v1.88.0).
        environment: [['REDIS_ADDR', 'redis://redis:6379'], ['REDIS_USER', redisMonitor.name], ['REDIS_EXPORTER_CONFIG_COMMAND', '-']],
        secrets: [redisMonitor.secret],
        groupAdd: [secretsGroup],
        networks: ['data', 'monitoring'],
        dependsOn: [{ name: 'redis', condition: 'service_healthy' }],
        healthcheck: wgetCheck('http://127.0.0.1:9121/health', 'redis_exporter answers /health'),
      }),
    );
  }
  const search = opensearchNode(model);
  if (search) {
    services.push(
      service(a, 'tiny', {
        name: 'opensearch-exporter',
        description: 'elasticsearch_exporter against OpenSearch: cluster health, nodes, JVM',
        image: IMAGES.opensearchExporter,
        command: [`--es.uri=http://${search}:9200`, '--es.all', '--es.timeout=10s'],
        networks: ['data', 'monitoring'],
        dependsOn: [{ name: search, condition: 'service_healthy' }],
        healthcheck: wgetCheck('http://127.0.0.1:9114/', 'elasticsearch_exporter serves HTTP on :9114'),
      }),
    );
  }
  if (view.edge) {
    services.push(
      service(a, 'tiny', {
        name: 'nginx-exporter',
        description: `nginx-prometheus-exporter reading the edge's stub_status (${view.edge.stubStatusUrl})`,
        image: IMAGES.nginxExporter,
        command: [`--nginx.scrape-uri=${view.edge.stubStatusUrl}`],
        networks: [EDGE_STUB_STATUS.network, 'monitoring'],
        dependsOn: [{ name: view.edge.service, condition: 'service_healthy' }],
        // Scratch image with only the binary: this proves it runs; nginx_up and up{job="nginx"} prove the scrape.
        healthcheck: infraCheck(['CMD', '/usr/bin/nginx-prometheus-exporter', '--version'], 'the exporter binary runs (scratch image); nginx_up in Prometheus proves stub_status is read'),
      }),
    );
  }
  return services;
}

// --------------------------------------------------------------------------------------------- contribution

const VOLUMES: readonly Volume[] = [
  { name: 'prometheus-data', description: 'Prometheus TSDB (metrics history)' },
  { name: 'alertmanager-data', description: 'Alertmanager silences and notification log' },
  { name: 'grafana-data', description: 'Grafana database (users, preferences; dashboards are provisioned from config/)' },
  { name: 'loki-data', description: 'Loki chunks and index' },
  { name: 'tempo-data', description: 'Tempo trace blocks and WAL' },
  { name: 'alloy-data', description: 'Alloy state (log read positions)' },
  { name: 'container-health-metrics', description: 'Container health textfile metrics (node-exporter)' },
];

/** The Makefile's compose command: compose.yaml + compose.monitoring.yaml (COMPOSE_FILES may add compose.tracing.yaml). */
const DC = '$(DC)';

/** `view`: the one prepare() builds (issue 20: each view is built once). */
export function monitoringContribution(model: DeploymentModel, view = monitoringView(model)): Contribution {
  if (!view) return {};
  const services = monitoringServices(model, view);
  const names = services.map((svc) => svc.name).join(' ');
  return {
    services,
    volumes: [...VOLUMES, ...(model.volumes.some((v) => v.name === view.backup.volume) ? [] : [{ name: view.backup.volume, description: 'Backup job metrics (node-exporter textfile collector)' }])],
    secrets: MONITORING_SECRETS,
    makeTargets: [
      { name: 'monitoring-up', help: 'Start only the monitoring stack and wait until it is healthy', deps: ['.env', 'secrets'], recipe: [`${DC} up --detach --wait ${names}`] },
      { name: 'monitoring-down', help: 'Stop and remove the monitoring containers (their volumes are kept)', recipe: [`${DC} rm --stop --force ${names}`] },
      { name: 'monitoring-reload', help: 'Reload Prometheus and Alertmanager after editing config/', recipe: [`${DC} kill --signal HUP prometheus alertmanager`] },
      {
        name: 'monitoring-check',
        help: 'Validate the Prometheus config, alert rules and rule unit tests, the Alertmanager config and the Alloy config',
        // The pinned images of compose.tools.yaml (the stack's own pins, kept current by Dependabot).
        recipe: [
          `${toolRun(TOOL.promtool)} check config /etc/prometheus/prometheus.yml`,
          `${toolRun(TOOL.promtool)} test rules /etc/prometheus/tests/alerts.test.yml`,
          `${toolRun(TOOL.amtool)} check-config /etc/alertmanager/alertmanager.yml`,
          toolRun(TOOL.alloy),
        ],
      },
      {
        name: 'grafana-tunnel',
        help: 'Print the SSH tunnel command that reaches Grafana, Prometheus and Alertmanager from your workstation',
        recipe: [`@echo "ssh -N -L ${UI_PORTS.grafana}:127.0.0.1:${UI_PORTS.grafana} -L ${UI_PORTS.prometheus}:127.0.0.1:${UI_PORTS.prometheus} -L ${UI_PORTS.alertmanager}:127.0.0.1:${UI_PORTS.alertmanager} <user>@<this-host>"`],
      },
    ],
    docs: [
      { path: 'docs/monitoring.md', title: 'Monitoring: dashboards, alerts, logs and traces, and how to reach them safely' },
      { path: 'docs/runbooks.md', title: 'Runbooks: one section per alert (meaning, first checks, fixes)' },
    ],
    env: [
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://otel-collector:4317', 'OTLP/gRPC endpoint of the OpenTelemetry Collector (compose.monitoring.yaml); GitMesh services export traces here'],
      ['OTEL_TRACES_SAMPLER', 'parentbased_traceidratio', 'Trace sampler of the GitMesh services (OpenTelemetry SDK)'],
      ['OTEL_TRACES_SAMPLER_ARG', '0.1', 'Fraction of new traces sampled'],
    ],
  };
}
