/**
 * Alerts on the PITR metrics (pitr-metrics.sh, node-exporter textfile collector) and the promtool rule tests that
 * prove them; the monitoring concern adds both to its `backup` group.
 */
import type { DeploymentModel } from '../../model.js';
import type { AlertRule } from '../monitoring-alerts.js';
import { PITR_METRICS, PITR_SERVICE, PITR_SWITCH_MINUTES, pitrView } from './barman.js';

const m = PITR_METRICS;
/** WAL kept for the slot that warrants a look: a quarter of max_slot_wal_keep_size (4GB), where the slot is dropped. */
const LAG_WARN_BYTES = 1024 ** 3;
/** The archive may be this old while the server writes WAL: six switch intervals. */
const STALE_SECONDS = PITR_SWITCH_MINUTES * 60 * 6;

export function pitrAlertRules(model: DeploymentModel): AlertRule[] {
  const view = pitrView(model);
  if (!view) return [];
  const logs = `\`docker compose logs --tail=200 ${PITR_SERVICE}\`; \`make backups-pitr\` (barman list-backup and barman check).`;
  return [
    {
      alert: 'PitrWalReceiverDown',
      expr: `${m.receiverUp} == 0`,
      for: '5m',
      severity: 'critical',
      summary: 'Barman is not streaming WAL from PostgreSQL',
      description: 'pg_receivewal is not running: new commits are not reaching the PITR archive (the slot keeps the WAL on the server meanwhile).',
      runbook: {
        meaning: 'The RPO of seconds no longer holds; the server accumulates WAL for the slot until max_slot_wal_keep_size.',
        checks: [logs, 'Is the barman container running and healthy? Can it reach postgres:5432 (pg_hba replication rule, the gitmesh_backup password)?'],
        fixes: ['Restart the barman service; `barman cron` restarts pg_receivewal within a minute and the archive catches up from the slot.'],
      },
    },
    {
      alert: 'PitrWalLagHigh',
      expr: `${m.walLag} > ${LAG_WARN_BYTES}`,
      for: '10m',
      severity: 'warning',
      summary: 'PostgreSQL keeps more than 1 GiB of WAL for the Barman slot',
      description: 'The WAL receiver is behind or down; at 4 GB (max_slot_wal_keep_size) the server drops the slot and the archive gets a gap.',
      runbook: {
        meaning: 'WAL lag: the archive is behind the server, and the data volume fills with retained WAL.',
        checks: [logs, 'Disk space of the barman-data volume.'],
        fixes: ['Fix the receiver (see PitrWalReceiverDown) or free space for Barman; the lag drains by itself once it streams.'],
      },
    },
    {
      alert: 'PitrSlotLost',
      expr: `${m.slotLost} == 1`,
      for: '0m',
      severity: 'critical',
      summary: 'The Barman replication slot is missing or lost its WAL',
      description: 'The archive has a gap: point-in-time recovery cannot cross it. Take a new base backup.',
      runbook: {
        meaning: 'WAL needed by Barman was removed (max_slot_wal_keep_size reached, or the slot was dropped).',
        checks: [logs, "`SELECT slot_name, wal_status FROM pg_replication_slots` on the primary."],
        fixes: ['`barman receive-wal --reset` then `barman cron` in the barman service, then `make backup-pitr`: recovery works again from that backup on.'],
      },
    },
    {
      alert: 'PitrBaseBackupFailed',
      expr: `${m.lastBackupFailed} == 1`,
      for: '0m',
      severity: 'critical',
      summary: 'The newest Barman base backup failed',
      description: 'The last base backup attempt ended FAILED.',
      runbook: {
        meaning: 'The recovery window is not renewed; the previous base backup is still used.',
        checks: [logs, '`barman show-backup postgres latest` for the error.'],
        fixes: ['Fix the cause, then `make backup-pitr`.'],
      },
    },
    {
      alert: 'PitrBaseBackupTooOld',
      expr: `time() - ${m.lastBackup} > ${view.lastBackupMaximumAgeHours} * 3600`,
      for: '15m',
      severity: 'critical',
      summary: `The newest Barman base backup is older than ${view.lastBackupMaximumAgeHours} hours`,
      description: `No base backup completed for ${view.lastBackupMaximumAgeHours} hours (schedule ${view.schedule}): recovery replays ever more WAL.`,
      runbook: {
        meaning: 'Scheduled base backups stopped; RTO grows with the WAL to replay.',
        checks: [logs],
        fixes: ['`make backup-pitr`, then find why the schedule did not run.'],
      },
    },
    {
      alert: 'PitrArchiveStale',
      expr: `(time() - ${m.lastWalArchived} > ${STALE_SECONDS}) and (increase(${m.serverWalBytes}[30m]) > 0)`,
      for: '5m',
      severity: 'critical',
      summary: 'The WAL archive is stale while PostgreSQL writes WAL',
      description: `No WAL segment reached the archive for ${STALE_SECONDS / 60} minutes although the server wrote WAL (segments are closed every ${PITR_SWITCH_MINUTES} minutes).`,
      runbook: {
        meaning: 'Archiving stopped: streaming, `barman cron`, or (with offsite on) the offsite copy of each segment is failing.',
        checks: [logs, 'With offsite on: is the bucket reachable and not full? The offsite hook retries until it succeeds.'],
        fixes: ['Fix the cause; Barman files the held segments in order once it can.'],
      },
    },
    {
      alert: 'PitrCheckFailing',
      expr: `${m.checksFailed} != 0`,
      for: '15m',
      severity: 'warning',
      summary: 'barman check reports failures',
      description: 'One or more `barman check` items failed for 15 minutes (gitmesh_pitr_check_ok shows which).',
      runbook: {
        meaning: 'Barman considers the PITR setup unhealthy.',
        checks: [logs],
        fixes: ['Fix the failing check items one by one.'],
      },
    },
    ...(view.offsite
      ? [
          {
            alert: 'PitrOffsiteNotConfigured',
            expr: `${m.offsiteBucketSet} == 0`,
            for: '1h',
            severity: 'critical' as const,
            summary: 'No offsite bucket is configured: backups exist on this host only',
            description: 'BACKUP_OFFSITE_BUCKET is empty in .env: WAL and base backups are not copied offsite, and a lost host loses them.',
            runbook: {
              meaning: 'The stack was generated with offsite copies, but the bucket settings are missing.',
              checks: ['`.env`: BACKUP_OFFSITE_BUCKET, BACKUP_OFFSITE_ENDPOINT; `secrets/backup_offsite_*`.'],
              fixes: ['Fill them in, `docker compose up -d barman`, then `make backup-pitr` so a base backup reaches the bucket.'],
            },
          },
        ]
      : []),
    {
      alert: 'PitrMetricsStale',
      expr: `time() - ${m.written} > 600`,
      for: '5m',
      severity: 'warning',
      summary: 'The PITR metrics are not being refreshed',
      description: 'pitr-metrics.sh has not written its file for 10 minutes: PITR monitoring is blind.',
      runbook: {
        meaning: 'The barman service or its schedule is not running.',
        checks: [logs],
        fixes: ['Restart the barman service.'],
      },
    },
  ];
}

/** promtool rule-test cases: a metric's samples (at 1m) and whether the alert fires at the eval time. */
export interface PitrRuleCase {
  readonly name: string;
  readonly alert: string;
  readonly series: readonly { readonly metric: string; readonly values: string }[];
  readonly evalTime: string;
  readonly fires: boolean;
}

export function pitrRuleCases(model: DeploymentModel): PitrRuleCase[] {
  const view = pitrView(model);
  if (!view) return [];
  const hours = view.lastBackupMaximumAgeHours;
  return [
    { name: 'PitrWalReceiverDown fires after 5 minutes without streaming', alert: 'PitrWalReceiverDown', series: [{ metric: m.receiverUp, values: '1 1 0x10' }], evalTime: '9m', fires: true },
    { name: 'PitrWalReceiverDown stays quiet while streaming', alert: 'PitrWalReceiverDown', series: [{ metric: m.receiverUp, values: '1x12' }], evalTime: '10m', fires: false },
    { name: 'PitrWalLagHigh fires when the slot holds over 1 GiB for 10 minutes', alert: 'PitrWalLagHigh', series: [{ metric: m.walLag, values: '2000000000x15' }], evalTime: '12m', fires: true },
    { name: 'PitrWalLagHigh stays quiet with a few MB of lag', alert: 'PitrWalLagHigh', series: [{ metric: m.walLag, values: '4000000x15' }], evalTime: '12m', fires: false },
    ...(view.offsite
      ? [
          { name: 'PitrOffsiteNotConfigured fires after an hour without a bucket', alert: 'PitrOffsiteNotConfigured', series: [{ metric: m.offsiteBucketSet, values: '0x70' }], evalTime: '65m', fires: true },
          { name: 'PitrOffsiteNotConfigured stays quiet with a bucket', alert: 'PitrOffsiteNotConfigured', series: [{ metric: m.offsiteBucketSet, values: '1x70' }], evalTime: '65m', fires: false },
        ]
      : []),
    { name: 'PitrSlotLost fires at once', alert: 'PitrSlotLost', series: [{ metric: m.slotLost, values: '0 1x3' }], evalTime: '2m', fires: true },
    { name: 'PitrSlotLost stays quiet while the slot keeps its WAL', alert: 'PitrSlotLost', series: [{ metric: m.slotLost, values: '0x3' }], evalTime: '2m', fires: false },
    { name: 'PitrBaseBackupFailed fires at once', alert: 'PitrBaseBackupFailed', series: [{ metric: m.lastBackupFailed, values: '0 1x3' }], evalTime: '2m', fires: true },
    { name: 'PitrBaseBackupFailed stays quiet after a good backup', alert: 'PitrBaseBackupFailed', series: [{ metric: m.lastBackupFailed, values: '0x3' }], evalTime: '2m', fires: false },
    // A timestamp far enough in the past instead of days of samples: promtool evaluates every minute of a test.
    { name: `PitrBaseBackupTooOld fires once the newest base backup is older than ${hours}h`, alert: 'PitrBaseBackupTooOld', series: [{ metric: m.lastBackup, values: `-${hours * 3600 + 600}x30` }], evalTime: '20m', fires: true },
    { name: `PitrBaseBackupTooOld stays quiet while the newest base backup is younger than ${hours}h`, alert: 'PitrBaseBackupTooOld', series: [{ metric: m.lastBackup, values: `-${hours * 3600 - 3600}x30` }], evalTime: '20m', fires: false },
    {
      name: 'PitrArchiveStale fires when the server writes WAL and nothing is archived for 30 minutes',
      alert: 'PitrArchiveStale',
      series: [
        { metric: m.lastWalArchived, values: '0x60' },
        { metric: m.serverWalBytes, values: '0+1000000x60' },
      ],
      evalTime: '45m',
      fires: true,
    },
    {
      name: 'PitrArchiveStale stays quiet on an idle server (no WAL written, nothing to archive)',
      alert: 'PitrArchiveStale',
      series: [
        { metric: m.lastWalArchived, values: '0x60' },
        { metric: m.serverWalBytes, values: '5000000x60' },
      ],
      evalTime: '45m',
      fires: false,
    },
  ];
}
