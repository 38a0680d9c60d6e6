/**
 * Monitoring concern: the observability stack rendered into compose.monitoring.yaml when
 * `settings.monitoring` is on. Prometheus + Alertmanager + exporters (metrics and alerts), Grafana
 * (dashboards), Loki + Grafana Alloy (logs), OpenTelemetry Collector → Tempo (traces).
 *
 * What the templates print is decided in `monitoringView` (monitoring-view.ts); the compose services are
 * in monitoring-services.ts and monitoring-exporters.ts, alert rules in monitoring-alerts.ts, dashboards
 * in monitoring-dashboards.ts. `monitoringContribution` adds the services, volumes, secrets, make targets
 * and docs to the model.
 */
import type { Contribution, DeploymentModel, Volume } from '../model.js';
import { TOOL, toolRun } from '../ci-actions.js';
import { monitoringSecrets, monitoringServices } from './monitoring-services.js';
import { monitoringView, UI_PORTS } from './monitoring-view.js';

export * from './monitoring-view.js';
export { monitoringSecrets, monitoringServices } from './monitoring-services.js';

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

/** `view`: built once by prepare() from the model as the serving concerns left it (issue 20). */
export function monitoringContribution(model: DeploymentModel, view = monitoringView(model)): Contribution {
  if (!view) return {};
  const services = monitoringServices(model, view);
  const names = services.map((svc) => svc.name).join(' ');
  return {
    services,
    volumes: [...VOLUMES, ...(model.volumes.some((v) => v.name === view.backup.volume) ? [] : [{ name: view.backup.volume, description: 'Backup job metrics (node-exporter textfile collector)' }])],
    secrets: monitoringSecrets(model.settings.alertPager),
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
