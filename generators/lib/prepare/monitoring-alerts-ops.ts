/**
 * Alerts about operations: backups and restore drills, and the monitoring pipeline itself (notifications, traces).
 */
import type { DeploymentModel } from '../model.js';
import { pitrAlertRules } from './backup/pitr-alerts.js';
import { backupMaxAgeHours, DC, type AlertGroup } from './monitoring-alert-rule.js';
import { HEARTBEAT } from './monitoring-alerting.js';
import { UI_PORTS, type MonitoringView } from './monitoring-view.js';

export function opsAlerts(model: DeploymentModel, view: MonitoringView): AlertGroup[] {
  const groups: AlertGroup[] = [];
  const b = view.backup;
  const maxAge = backupMaxAgeHours(model.settings.backup.schedule);
  groups.push({
    name: 'backup',
    rules: [
      {
        alert: 'BackupTooOld',
        expr: `time() - ${b.lastSuccess} > ${maxAge} * 3600`,
        for: '15m',
        severity: 'critical',
        summary: `The newest successful backup is older than ${maxAge} hours`,
        description: `No backup has succeeded for more than ${maxAge} hours (schedule: ${model.settings.backup.schedule}).`,
        runbook: {
          meaning: 'Backups stopped succeeding: a disaster now would lose more data than the schedule promises.',
          checks: ['`docker compose logs --tail=200 backup` (or the backup timer\'s journal).', 'Disk space on the backup target.', 'BackupFailed alerts.'],
          fixes: ['Fix the cause and run a backup now (see docs/backup.md).'],
        },
      },
      {
        alert: 'BackupMetricsMissing',
        expr: `absent(${b.lastSuccess})`,
        for: `${maxAge}h`,
        severity: 'warning',
        summary: 'No backup metrics reported',
        description: `The backup job has not written ${b.lastSuccess} for ${maxAge} hours: either no backup has ever run, or its metrics do not reach node-exporter.`,
        runbook: {
          meaning: 'Backup monitoring is blind.',
          checks: [`The backup job writes into the \`${b.volume}\` volume; node-exporter reads it at /textfile/backup.`, '`curl -s http://127.0.0.1:9100/metrics | grep gitmesh_backup` inside the monitoring network.'],
          fixes: ['Run a backup by hand and check the metrics appear.'],
        },
      },
      {
        alert: 'BackupFailed',
        expr: `${b.lastStatus} == 0`,
        severity: 'critical',
        summary: 'The last backup run failed',
        description: 'The most recent backup run reported failure.',
        runbook: {
          meaning: 'The last backup did not complete.',
          checks: ['Backup job logs for the failing step (database dump, OpenSearch snapshot, upload, encryption).'],
          fixes: ['Fix the failing step and run a backup by hand (docs/backup.md).'],
        },
      },
      {
        alert: 'RestoreDrillFailed',
        expr: `${b.restoreDrillLastStatus} == 0`,
        severity: 'critical',
        summary: 'The last restore drill failed',
        description: 'Restoring the newest backup into a scratch database failed: the backups may not be restorable.',
        runbook: {
          meaning: 'A backup that cannot be restored is not a backup.',
          checks: ['Restore drill logs: which step failed (download, decrypt, pg_restore, checks)?'],
          fixes: ['Fix the cause, take a fresh backup and run the drill again (docs/backup.md).'],
        },
      },
      // PITR (Barman): WAL lag, receiver, slot, failed/old base backup, stale archive (issue 16).
      ...pitrAlertRules(model),
    ],
  });

  groups.push({
    name: 'monitoring',
    rules: [
      {
        alert: 'Watchdog',
        expr: 'vector(1)',
        severity: 'none',
        summary: "Dead-man's switch: always firing while the alerting pipeline works",
        description: `Prometheus evaluates rules and Alertmanager delivers them: this alert is POSTed to the external heartbeat URL every ${HEARTBEAT.repeatInterval}. When the pings stop (host down, Prometheus or Alertmanager down, egress broken), the heartbeat service pages.`,
        runbook: {
          meaning: "This alert always fires; it is not a problem. It goes only to the heartbeat receiver (secrets/alertmanager_heartbeat_url), never to Slack or the pager. The external heartbeat service (healthchecks.io, an Opsgenie or PagerDuty heartbeat) pages when it stops receiving it: then the whole monitoring host is blind or dead, and no other alert can reach you.",
          checks: [
            'If the heartbeat service paged: can you reach the host at all (`ssh`)? Is it up in your provider console?',
            `\`${DC} ps prometheus alertmanager\`: both healthy? \`${DC} logs --tail=100 alertmanager\`: does the heartbeat POST fail?`,
            `Prometheus → Alerts (\`http://127.0.0.1:${UI_PORTS.prometheus}/alerts\`): is Watchdog firing?`,
          ],
          fixes: [
            'Host down: restart it from the provider console, then `make up` and check every service; follow docs/runbooks/incident-response.md.',
            'Prometheus or Alertmanager down: `make monitoring-up`.',
            'Heartbeat URL wrong or rotated: paste the new one into secrets/alertmanager_heartbeat_url and `make monitoring-reload`.',
          ],
        },
      },
      {
        alert: 'AlertmanagerNotificationsFailing',
        expr: 'rate(alertmanager_notifications_failed_total[15m]) > 0',
        for: '15m',
        severity: 'critical',
        summary: 'Alertmanager cannot deliver {{ $labels.integration }} notifications',
        description: 'Notifications through {{ $labels.integration }} have been failing for 15 minutes: alerts are not reaching anyone.',
        runbook: {
          meaning: 'Alerts fire but nobody is told.',
          checks: [`\`${DC} logs --tail=100 alertmanager\`: the receiver's error.`, 'The secret file of that integration (secrets/alertmanager_*) holds a valid URL or key, not the placeholder.'],
          fixes: ['Paste a working URL or key into the secret file, then `make monitoring-reload`.'],
        },
      },
      {
        alert: 'OtelCollectorExportFailing',
        expr: 'rate(otelcol_exporter_send_failed_spans_total[10m]) > 0',
        for: '10m',
        severity: 'warning',
        summary: 'The OpenTelemetry Collector cannot export spans',
        description: 'The collector has failed to send spans to {{ $labels.exporter }} for 10 minutes; traces are being lost.',
        runbook: {
          meaning: 'Tracing is degraded; the application is not affected.',
          checks: [`\`${DC} logs --tail=100 otel-collector tempo\`.`],
          fixes: ['Restart Tempo; check its disk (tempo-data volume).'],
        },
      },
    ],
  });
  return groups;
}
