/**
 * `promtool test rules` unit tests shipped with the generated repo (config/prometheus/tests/) and run
 * by `make monitoring-check` and by this generator's own test suite. Each case feeds series and states
 * the exact alerts (labels and expanded annotations) expected, or none on healthy data.
 */
import { pitrRuleCases } from './backup/pitr-alerts.js';
import type { DeploymentModel } from '../model.js';
import { backupMaxAgeHours, familyOf, runbookUrl, type AlertGroup, type AlertRule } from './monitoring-alerts.js';
import { QUEUE_EXPORTER } from './monitoring-queues.js';
import { ALLOY_HTTP_PORT, type MonitoringView } from './monitoring-view.js';

type Pairs = readonly (readonly [string, string])[];

export interface ExpectedAlert {
  readonly labels: Pairs;
  readonly annotations: Pairs;
}

export interface AlertCheck {
  readonly evalTime: string;
  readonly alertname: string;
  readonly expected: readonly ExpectedAlert[];
}

export interface RuleTest {
  readonly name: string;
  readonly interval: string;
  readonly series: readonly { readonly series: string; readonly values: string }[];
  readonly checks: readonly AlertCheck[];
}

const selector = (name: string, labels: Record<string, string>): string =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/** Expands `{{ $labels.x }}`: the only templating the annotations use. */
const expand = (text: string, labels: Record<string, string>): string => text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, key: string) => labels[key] ?? '');

function expect(rule: AlertRule, labels: Record<string, string>): ExpectedAlert {
  const all = { ...labels, severity: rule.severity, family: familyOf(rule) };
  return {
    labels: Object.entries(all).sort(([a], [b]) => a.localeCompare(b)),
    annotations: [
      ['description', expand(rule.description, all)],
      ['runbook_url', runbookUrl(rule.alert)],
      ['summary', expand(rule.summary, all)],
    ],
  };
}

export function ruleTests(model: DeploymentModel, view: MonitoringView, groups: readonly AlertGroup[]): RuleTest[] {
  const rules = new Map(groups.flatMap((group) => group.rules.map((rule) => [rule.alert, rule] as const)));
  const rule = (name: string): AlertRule => {
    const found = rules.get(name);
    if (!found) throw new Error(`no alert rule ${name}`);
    return found;
  };
  const tests: RuleTest[] = [];

  tests.push({
    name: "Watchdog (dead-man's switch) fires from the first evaluation and keeps firing",
    interval: '1m',
    series: [],
    checks: [
      { evalTime: '0m', alertname: 'Watchdog', expected: [expect(rule('Watchdog'), {})] },
      { evalTime: '3h', alertname: 'Watchdog', expected: [expect(rule('Watchdog'), {})] },
    ],
  });

  const down = { job: 'node', instance: 'node-exporter:9100' };
  tests.push({
    name: 'TargetDown fires after 5 minutes without a scrape, stays quiet while up',
    interval: '1m',
    series: [
      { series: selector('up', down), values: '1 1 0x13' },
      { series: selector('up', { job: 'cadvisor', instance: 'cadvisor:8080' }), values: '1x15' },
    ],
    checks: [
      { evalTime: '4m', alertname: 'TargetDown', expected: [] },
      { evalTime: '10m', alertname: 'TargetDown', expected: [expect(rule('TargetDown'), down)] },
    ],
  });

  const fs = { job: 'node', instance: 'node-exporter:9100', device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' };
  tests.push({
    name: 'HostDiskFillingUp fires when the trend reaches zero within 24h',
    // Samples at most 5 minutes apart: a longer gap makes the series stale and resets `for`.
    interval: '5m',
    series: [
      { series: selector('node_filesystem_avail_bytes', fs), values: '24000000000-250000000x80' },
      { series: selector('node_filesystem_size_bytes', fs), values: '100000000000x80' },
    ],
    checks: [{ evalTime: '6h30m', alertname: 'HostDiskFillingUp', expected: [expect(rule('HostDiskFillingUp'), fs)] }],
  });
  tests.push({
    name: 'HostDiskFillingUp stays quiet on a stable filesystem',
    interval: '5m',
    series: [
      { series: selector('node_filesystem_avail_bytes', fs), values: '60000000000x80' },
      { series: selector('node_filesystem_size_bytes', fs), values: '100000000000x80' },
    ],
    checks: [{ evalTime: '6h30m', alertname: 'HostDiskFillingUp', expected: [] }],
  });

  const maxAge = backupMaxAgeHours(model.settings.backup.schedule);
  const samples = (maxAge + 2) * 12;
  const backup = { job: 'node', instance: 'node-exporter:9100' };
  tests.push({
    name: `BackupTooOld fires once the newest success is older than ${maxAge}h`,
    interval: '5m',
    series: [{ series: selector(view.backup.lastSuccess, backup), values: `0x${samples}` }],
    checks: [
      { evalTime: `${maxAge - 1}h`, alertname: 'BackupTooOld', expected: [] },
      { evalTime: `${maxAge + 1}h`, alertname: 'BackupTooOld', expected: [expect(rule('BackupTooOld'), backup)] },
    ],
  });
  tests.push({
    name: 'BackupTooOld stays quiet while backups keep succeeding',
    interval: '5m',
    // The timestamp follows the clock: every sample is a fresh success.
    series: [{ series: selector(view.backup.lastSuccess, backup), values: `0+300x${samples}` }],
    checks: [{ evalTime: `${maxAge + 1}h`, alertname: 'BackupTooOld', expected: [] }],
  });

  for (const pitr of pitrRuleCases(model)) {
    tests.push({
      name: pitr.name,
      interval: '1m',
      series: pitr.series.map((s) => ({ series: selector(s.metric, backup), values: s.values })),
      checks: [{ evalTime: pitr.evalTime, alertname: pitr.alert, expected: pitr.fires ? [expect(rule(pitr.alert), backup)] : [] }],
    });
  }

  if (view.edge) {
    const base = { job: 'alloy', instance: `alloy:${ALLOY_HTTP_PORT}`, route: 'api' };
    const req = 'promtail_custom_nginx_http_requests_total';
    tests.push({
      name: 'EdgeHigh5xxRatio fires above 5% server errors',
      interval: '1m',
      series: [
        { series: selector(req, { ...base, status: '200' }), values: '0+60x20' },
        { series: selector(req, { ...base, status: '502' }), values: '0+10x20' },
      ],
      checks: [{ evalTime: '15m', alertname: 'EdgeHigh5xxRatio', expected: [expect(rule('EdgeHigh5xxRatio'), {})] }],
    });
    tests.push({
      name: 'EdgeHigh5xxRatio stays quiet on a few stray errors',
      interval: '1m',
      series: [
        { series: selector(req, { ...base, status: '200' }), values: '0+600x20' },
        { series: selector(req, { ...base, status: '502' }), values: '0+1x20' },
      ],
      checks: [{ evalTime: '15m', alertname: 'EdgeHigh5xxRatio', expected: [] }],
    });
  }

  const work = view.queues.find((q) => q.deadLetter);
  if (work) {
    const exporter = { job: 'elasticmq', instance: `${QUEUE_EXPORTER.service}:${QUEUE_EXPORTER.port}` };
    const queue = { ...exporter, queue: work.name, dead_letter: 'false' };
    const dead = { ...exporter, queue: work.deadLetter!, dead_letter: 'true' };
    const visible = 'elasticmq_queue_messages_visible';
    const inFlight = 'elasticmq_queue_messages_in_flight';
    const age = 'elasticmq_queue_oldest_message_age_seconds';
    tests.push({
      name: 'A queue that never drains: warning after 15 minutes, critical after an hour (one family)',
      interval: '1m',
      // The age grows by 60 s a minute: nothing is consumed.
      series: [{ series: selector(age, queue), values: '0+60x90' }],
      checks: [
        { evalTime: '10m', alertname: 'QueueOldestMessageOld', expected: [] },
        { evalTime: '25m', alertname: 'QueueOldestMessageOld', expected: [expect(rule('QueueOldestMessageOld'), queue)] },
        { evalTime: '50m', alertname: 'QueueMessagesStuck', expected: [] },
        { evalTime: '70m', alertname: 'QueueMessagesStuck', expected: [expect(rule('QueueMessagesStuck'), queue)] },
      ],
    });
    tests.push({
      name: 'A queue that keeps draining stays quiet (its age drops back to zero)',
      interval: '1m',
      series: [{ series: selector(age, queue), values: '0 60 120 0 60 0 0 60 120 180 0 0x80' }],
      checks: [
        { evalTime: '90m', alertname: 'QueueOldestMessageOld', expected: [] },
        { evalTime: '90m', alertname: 'QueueMessagesStuck', expected: [] },
      ],
    });
    tests.push({
      name: 'QueueNotConsumed fires when messages wait and none is in flight; QueueBacklogHigh on a deep queue',
      interval: '1m',
      series: [
        { series: selector(visible, queue), values: '1500x30' },
        { series: selector(inFlight, queue), values: '0x30' },
      ],
      checks: [
        { evalTime: '20m', alertname: 'QueueNotConsumed', expected: [expect(rule('QueueNotConsumed'), queue)] },
        { evalTime: '20m', alertname: 'QueueBacklogHigh', expected: [expect(rule('QueueBacklogHigh'), queue)] },
      ],
    });
    tests.push({
      name: 'A busy queue being consumed stays quiet',
      interval: '1m',
      series: [
        { series: selector(visible, queue), values: '40x30' },
        { series: selector(inFlight, queue), values: '10x30' },
      ],
      checks: [
        { evalTime: '20m', alertname: 'QueueNotConsumed', expected: [] },
        { evalTime: '20m', alertname: 'QueueBacklogHigh', expected: [] },
      ],
    });
    tests.push({
      name: 'QueueDeadLetters fires on messages in a dead-letter queue, not on an empty one',
      interval: '1m',
      series: [
        { series: selector(visible, dead), values: '0x5 3x20' },
        { series: selector(visible, { ...dead, queue: `other-${work.deadLetter!}` }), values: '0x25' },
      ],
      checks: [
        { evalTime: '4m', alertname: 'QueueDeadLetters', expected: [] },
        { evalTime: '15m', alertname: 'QueueDeadLetters', expected: [expect(rule('QueueDeadLetters'), dead)] },
      ],
    });
    tests.push({
      name: 'QueueStatsUnavailable fires when ElasticMQ stops answering, quiet while it answers',
      interval: '1m',
      series: [{ series: selector('elasticmq_up', exporter), values: '1x5 0x10' }],
      checks: [
        { evalTime: '4m', alertname: 'QueueStatsUnavailable', expected: [] },
        { evalTime: '14m', alertname: 'QueueStatsUnavailable', expected: [expect(rule('QueueStatsUnavailable'), exporter)] },
      ],
    });
  }

  const probe = { job: 'blackbox-https', instance: `https://${model.project.domain}/` };
  const days = (n: number): string => String(n * 86400);
  tests.push({
    name: 'TLS certificate expiry: warning under 14 days, critical under 3 days',
    interval: '1m',
    series: [{ series: selector('probe_ssl_earliest_cert_expiry', probe), values: `${days(10)}x40` }],
    checks: [
      { evalTime: '30m', alertname: 'TLSCertificateExpiringSoon', expected: [expect(rule('TLSCertificateExpiringSoon'), probe)] },
      { evalTime: '30m', alertname: 'TLSCertificateExpiryCritical', expected: [] },
    ],
  });
  tests.push({
    name: 'TLS certificate expiry: critical under 3 days',
    interval: '1m',
    series: [{ series: selector('probe_ssl_earliest_cert_expiry', probe), values: `${days(2)}x40` }],
    checks: [{ evalTime: '30m', alertname: 'TLSCertificateExpiryCritical', expected: [expect(rule('TLSCertificateExpiryCritical'), probe)] }],
  });
  tests.push({
    name: 'TLS certificate expiry: quiet with 60 days left',
    interval: '1m',
    series: [{ series: selector('probe_ssl_earliest_cert_expiry', probe), values: `${days(60)}x40` }],
    checks: [
      { evalTime: '30m', alertname: 'TLSCertificateExpiringSoon', expected: [] },
      { evalTime: '30m', alertname: 'TLSCertificateExpiryCritical', expected: [] },
    ],
  });
  return tests;
}
