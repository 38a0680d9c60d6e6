/**
 * Monitoring files: present only when the monitoring stack is on. Every decision (which scrape jobs,
 * alerts, dashboards, rule tests) is computed in TypeScript and handed to the templates as locals.
 */
import type { DeploymentModel } from '../model.js';
import { alertmanagerConfig, HEARTBEAT, type Pager } from '../prepare/monitoring-alerting.js';
import { alertGroups, runbookUrl, type AlertGroup } from '../prepare/monitoring-alerts.js';
import { dashboardJson, dashboards } from '../prepare/monitoring-dashboards.js';
import { lokiAlertGroups } from '../prepare/monitoring-loki-rules.js';
import { UI_PORTS, type MonitoringView } from '../prepare/monitoring.js';
import { ruleTests } from '../prepare/monitoring-tests.js';
import { tracedServices } from '../prepare/compose.js';
import { alertmanagerYaml, ruleFileYaml, ruleTestFileYaml } from './monitoring-yaml.js';
import type { FileSpec, Manifest } from './types.js';

/** Everything the monitoring templates print. */
export interface MonitoringFilesView {
  readonly view: MonitoringView;
  readonly groups: readonly AlertGroup[];
  readonly runbookUrl: (alert: string) => string;
  readonly ports: typeof UI_PORTS;
  /** Where critical alerts page besides Slack, and the heartbeat's settings. */
  readonly pager: Pager;
  readonly heartbeat: typeof HEARTBEAT;
}

export function monitoringFilesView(model: DeploymentModel): MonitoringFilesView | undefined {
  const view = model.views.monitoring;
  if (!view) return undefined;
  return { view, groups: alertGroups(model, view), runbookUrl, ports: UI_PORTS, pager: model.settings.alertPager, heartbeat: HEARTBEAT };
}

const RULES_COMMENT = [
  ' Alert rules. Every alert has a severity, a summary, a description and a runbook_url pointing at its',
  ' section in docs/runbooks.md. Unit tests: ../tests/alerts.test.yml (`make monitoring-check`).',
].join('\n');
const ALERTMANAGER_COMMENT = [
  ' Alertmanager: every alert goes to Slack (or a Slack-compatible webhook: Mattermost, Rocket.Chat); critical',
  ' alerts also page through the `pager` receiver (answer alertPager); the always-firing Watchdog goes only to',
  " the external heartbeat URL, which pages when the pings stop (dead-man's switch; see docs/monitoring.md).",
  ' A critical alert mutes only the warnings of its own family (label `family`) on the same target.',
  ' Credentials are read from secrets/ at send time (*_file keys).',
].join('\n');
const LOKI_RULES_COMMENT = [
  ' Loki ruler alerts: LogQL metric queries over the labels Alloy sets, evaluated by Loki and sent to Alertmanager',
  ' (same severity/family/runbook_url conventions as the Prometheus rules). Loki loads this directory as tenant',
  ' "fake" (auth disabled); check a change with `make monitoring-check`.',
].join('\n');
const TESTS_COMMENT = ' Unit tests for rules/alerts.yml: `promtool test rules tests/alerts.test.yml` (make monitoring-check).';

export const monitoringFiles: Manifest = (model) => {
  const mon = monitoringFilesView(model);
  if (!mon) return [];
  const locals = { mon };
  const boards = dashboards(mon.view);
  const specs: FileSpec[] = [
    { path: 'config/prometheus/prometheus.yml', template: 'config/prometheus/prometheus.yml.ejs', locals },
    { path: 'config/prometheus/rules/alerts.yml', template: 'config/prometheus/rules/alerts.yml.ejs', locals: { yaml: ruleFileYaml(mon.groups, runbookUrl, RULES_COMMENT) } },
    {
      path: 'config/prometheus/tests/alerts.test.yml',
      template: 'config/prometheus/tests/alerts.test.yml.ejs',
      locals: { yaml: ruleTestFileYaml(['../rules/alerts.yml'], ruleTests(model, mon.view, mon.groups), TESTS_COMMENT) },
    },
    { path: 'config/prometheus/blackbox.yml', template: 'config/prometheus/blackbox.yml.ejs', locals },
    { path: 'config/prometheus/container-health.sh', template: 'config/prometheus/container-health.sh.ejs', executable: true },
    ...(mon.view.queues.length ? [{ path: 'config/queue-exporter/elasticmq-exporter.mjs', template: 'config/queue-exporter/elasticmq-exporter.mjs.ejs' }] : []),
    {
      path: 'config/alertmanager/alertmanager.yml',
      template: 'config/alertmanager/alertmanager.yml.ejs',
      locals: { yaml: alertmanagerYaml(alertmanagerConfig(mon.view.project, model.settings.alertPager), ALERTMANAGER_COMMENT) },
    },
    { path: 'config/grafana/provisioning/datasources/datasources.yaml', template: 'config/grafana/provisioning/datasources/datasources.yaml.ejs', locals },
    { path: 'config/grafana/provisioning/dashboards/dashboards.yaml', template: 'config/grafana/provisioning/dashboards/dashboards.yaml.ejs' },
    ...boards.map((board) => ({
      path: `config/grafana/dashboards/${board.file}`,
      template: 'config/grafana/dashboards/dashboard.json.ejs',
      locals: { json: dashboardJson(board, mon.view.uids) },
    })),
    { path: 'config/loki/loki.yaml', template: 'config/loki/loki.yaml.ejs', locals },
    { path: 'config/loki/rules/alerts.yml', template: 'config/prometheus/rules/alerts.yml.ejs', locals: { yaml: ruleFileYaml(lokiAlertGroups(), runbookUrl, LOKI_RULES_COMMENT) } },
    { path: 'config/alloy/config.alloy', template: 'config/alloy/config.alloy.ejs', locals },
    { path: 'config/otel-collector/config.yaml', template: 'config/otel-collector/config.yaml.ejs' },
    { path: 'config/tempo/tempo.yaml', template: 'config/tempo/tempo.yaml.ejs', locals },
    ...(tracedServices(model).length ? [{ path: 'compose.tracing.yaml', template: 'config/otel-collector/compose.tracing.yaml.ejs', locals: { services: tracedServices(model) } }] : []),
    { path: 'docs/monitoring.md', template: 'docs/monitoring.md.ejs', locals: { ...locals, dashboards: boards } },
    { path: 'docs/runbooks.md', template: 'docs/runbooks.md.ejs', locals: { mon: { ...mon, groups: [...mon.groups, ...lokiAlertGroups()] } } },
  ];
  return specs;
};

// Which services export traces is a service-kind trait; the compose concern answers it for every file that needs it.
export { tracedServices } from '../prepare/compose.js';
