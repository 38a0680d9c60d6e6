/**
 * The monitoring stack's own compose services (compose.monitoring.yaml): Prometheus, Alertmanager,
 * Grafana, Loki, Alloy, Tempo, the OpenTelemetry Collector, the host and container exporters and the
 * container-health collector. The exporters of the data tier and the edge are in monitoring-exporters.ts.
 */
import type { ComposeService, DeploymentModel, Secret } from '../model.js';
import { IMAGES } from '../versions.js';
import { infraCheck } from './health.js';
import { alertingSecrets, type Pager } from './monitoring-alerting.js';
import { bind, secretsGroup, service, volume, wgetCheck } from './monitoring-compose.js';
import { exporterServices } from './monitoring-exporters.js';
import { ALLOY_HTTP_PORT, UI_PORTS, type MonitoringView } from './monitoring-view.js';

const GRAFANA_SECRET: Secret = { name: 'grafana_admin_password', description: 'Password of the Grafana `admin` user (GF_SECURITY_ADMIN_PASSWORD__FILE)', source: { kind: 'random', bytes: 24 } };

/** The stack's secrets: Grafana's admin password and the alert receivers' credentials. */
export const monitoringSecrets = (pager: Pager): Secret[] => [GRAFANA_SECRET, ...alertingSecrets(pager)];


export function monitoringServices(model: DeploymentModel, view: MonitoringView): ComposeService[] {
  const a = model.settings.sizeProfile;
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
      description: `Alertmanager: groups, inhibits and routes alerts to Slack${model.settings.alertPager === 'none' ? '' : ` and critical ones to ${model.settings.alertPager}`}, and the Watchdog to the external heartbeat (receiver credentials from secrets/)`,
      image: IMAGES.alertmanager,
      command: [
        '--config.file=/etc/alertmanager/alertmanager.yml',
        '--storage.path=/alertmanager',
        `--web.external-url=http://127.0.0.1:${UI_PORTS.alertmanager}/`,
        // A single instance: no gossip cluster listener.
        '--cluster.listen-address=',
      ],
      secrets: alertingSecrets(model.settings.alertPager).map((secret) => secret.name),
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
      description: `Loki: log store (retention ${r.lokiHours}h), fed by Grafana Alloy; its ruler evaluates config/loki/rules and alerts through Alertmanager`,
      image: IMAGES.loki,
      command: ['-config.file=/etc/loki/loki.yaml'],
      mounts: [bind('./config/loki/loki.yaml', '/etc/loki/loki.yaml'), bind('./config/loki/rules', '/etc/loki/rules/fake'), volume('loki-data', '/loki')],
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
      healthcheck: infraCheck(['CMD-SHELL', 'test -n "$$(find /textfile/container_health.prom -mmin -3 2>/dev/null)"'], 'the health metrics file was rewritten in the last 3 minutes (ContainerHealthCollectorStale alerts when it is not)', '60s'),
    }),
  );
  services.push(...exporterServices(model, view));
  return services;
}
