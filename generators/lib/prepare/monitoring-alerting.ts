/**
 * Where alerts go (config/alertmanager/alertmanager.yml), decided from `settings.alertPager`:
 * - every alert goes to Slack (or a Slack-compatible webhook);
 * - critical alerts also page someone through the chosen pager (PagerDuty, Opsgenie or a generic webhook);
 * - the always-firing `Watchdog` goes only to an external heartbeat URL (a dead-man's switch: healthchecks.io,
 *   Opsgenie/PagerDuty heartbeats or any HTTP endpoint that alerts when pings stop). When the host, Prometheus
 *   or Alertmanager dies, the pings stop and the external service pages: the one alert a dead host can send.
 * Every credential is a secret file Alertmanager reads at send time (`*_file` keys), never a literal.
 */
import type { Secret, Settings } from '../model.js';

export type Pager = Settings['alertPager'];

export const HEARTBEAT_SECRET = 'alertmanager_heartbeat_url';
export const SLACK_SECRET = 'alertmanager_slack_webhook_url';

interface PagerSpec {
  readonly secret: Secret;
  /** The Alertmanager receiver block, reading the secret from /run/secrets. */
  readonly receiver: (file: string) => Record<string, unknown>;
}

const PAGERS: Readonly<Record<Exclude<Pager, 'none'>, PagerSpec>> = {
  pagerduty: {
    secret: {
      name: 'alertmanager_pagerduty_routing_key',
      description: 'PagerDuty Events API v2 integration (routing) key critical alerts page through (paste it)',
      source: { kind: 'operator', placeholder: 'REPLACE-WITH-YOUR-PAGERDUTY-ROUTING-KEY' },
    },
    receiver: (file) => ({ pagerduty_configs: [{ routing_key_file: file, send_resolved: true, severity: 'critical', description: '{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}' }] }),
  },
  opsgenie: {
    secret: {
      name: 'alertmanager_opsgenie_api_key',
      description: 'Opsgenie API key (an API integration) critical alerts page through (paste it)',
      source: { kind: 'operator', placeholder: 'REPLACE-WITH-YOUR-OPSGENIE-API-KEY' },
    },
    receiver: (file) => ({ opsgenie_configs: [{ api_key_file: file, send_resolved: true, priority: 'P1', message: '{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}' }] }),
  },
  webhook: {
    secret: {
      name: 'alertmanager_pager_webhook_url',
      description: "HTTPS endpoint that takes Alertmanager's webhook JSON for critical alerts (an on-call tool's Alertmanager integration URL; paste it)",
      source: { kind: 'operator', placeholder: 'https://oncall.example.invalid/REPLACE/WITH/YOUR/INTEGRATION-URL' },
    },
    receiver: (file) => ({ webhook_configs: [{ url_file: file, send_resolved: true }] }),
  },
};

/** The heartbeat: how often Alertmanager pings, and what the external check must be set to. */
export const HEARTBEAT = { repeatInterval: '1m', checkPeriodMinutes: 5, checkGraceMinutes: 5 } as const;

export const ALERTING_SECRETS_BASE: readonly Secret[] = [
  {
    name: SLACK_SECRET,
    description: 'Slack (or Slack-compatible: Mattermost, Rocket.Chat) incoming-webhook URL Alertmanager posts alerts to (paste it)',
    // A placeholder lets the stack start; alerts are not delivered until it is replaced (make secrets warns).
    source: { kind: 'operator', placeholder: 'https://hooks.slack.com/services/REPLACE/WITH/YOUR-WEBHOOK' },
  },
  {
    name: HEARTBEAT_SECRET,
    description: `Dead-man's switch: the external heartbeat URL the always-firing Watchdog alert is POSTed to every minute (healthchecks.io ping URL, Opsgenie/PagerDuty heartbeat, ...). Set the check's period to ${HEARTBEAT.checkPeriodMinutes} min and grace to ${HEARTBEAT.checkGraceMinutes} min (paste it)`,
    source: { kind: 'operator', placeholder: 'https://hc-ping.com/REPLACE-WITH-YOUR-CHECK-UUID' },
  },
];

export function alertingSecrets(pager: Pager): Secret[] {
  return [...ALERTING_SECRETS_BASE, ...(pager === 'none' ? [] : [PAGERS[pager].secret])];
}

const run = (name: string): string => `/run/secrets/${name}`;

/**
 * Labels a warning must share with a firing critical alert to be muted by it: the same family (a rule's
 * `family` label, its own name unless it is one level of a graded pair) on the same target.
 */
export const INHIBIT_EQUAL = ['family', 'job', 'instance', 'mountpoint', 'queue'] as const;

/** The Alertmanager configuration, as data (serialised with the yaml Document API). */
export function alertmanagerConfig(project: string, pager: Pager): Record<string, unknown> {
  const critical = 'severity = "critical"';
  const routes: Record<string, unknown>[] = [
    // The heartbeat: only the Watchdog, as often as possible, never grouped with anything else.
    { receiver: 'heartbeat', matchers: ['alertname = "Watchdog"'], group_by: ['alertname'], group_wait: '0s', group_interval: HEARTBEAT.repeatInterval, repeat_interval: HEARTBEAT.repeatInterval },
    ...(pager === 'none' ? [] : [{ receiver: 'pager', matchers: [critical], repeat_interval: '1h', continue: true }]),
    // Critical alerts are re-sent more often until resolved.
    { receiver: 'slack', matchers: [critical], repeat_interval: '1h' },
  ];
  return {
    global: { resolve_timeout: '5m' },
    route: { receiver: 'slack', group_by: ['alertname', 'job', 'instance'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h', routes },
    inhibit_rules: [
      // A critical alert mutes the warnings of its own family on the same target, and nothing else.
      { source_matchers: [critical], target_matchers: ['severity = "warning"'], equal: [...INHIBIT_EQUAL] },
      // A target Prometheus cannot scrape mutes the alerts computed from that target's (stale) series.
      { source_matchers: ['alertname = "TargetDown"'], target_matchers: ['alertname != "TargetDown"', 'alertname != "Watchdog"'], equal: ['job', 'instance'] },
    ],
    receivers: [
      {
        name: 'slack',
        slack_configs: [
          {
            api_url_file: run(SLACK_SECRET),
            send_resolved: true,
            title: `[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} (${project})`,
            text: '{{ range .Alerts }}*{{ .Labels.severity }}*: {{ .Annotations.summary }}\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}',
          },
        ],
      },
      { name: 'heartbeat', webhook_configs: [{ url_file: run(HEARTBEAT_SECRET), send_resolved: false }] },
      ...(pager === 'none' ? [] : [{ name: 'pager', ...PAGERS[pager].receiver(run(PAGERS[pager].secret.name)) }]),
    ],
  };
}
