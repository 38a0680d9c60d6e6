/**
 * Point-in-time recovery of the in-stack PostgreSQL with Barman (streaming mode).
 *
 * Why Barman and not pgBackRest (docs/runbooks/backup-restore.md says the same to the operator):
 * - Streaming (`backup_method = postgres`, `streaming_archiver = on`, a replication slot) needs nothing inside the
 *   official postgres image: Barman runs in its own container on the data network. pgBackRest's archive-push has to
 *   run next to the server, which means a derived postgres image.
 * - pg_receivewal streams every WAL record as it is written, so the local RPO is seconds; pgBackRest ships whole
 *   16 MB segments, bounded by archive_timeout.
 * - The cost: Debian's Barman 3.4 (the one the tests run) encrypts offsite copies only server-side (S3 SSE). The
 *   offsite leg says so; the logical sets stay age-encrypted client-side.
 *
 * This module owns the facts the barman service, its config, scripts, alerts and runbooks print.
 */
import type { DeploymentModel } from '../../model.js';
import { cronFields } from '../../checks.js';

/** Barman's name for the server (its directory under the home, and every command's argument). */
export const PITR_SERVER = 'postgres';
/** The PostgreSQL role Barman connects as: REPLICATION plus the PG15 backup grants, no superuser. Issue 18 uses the same name. */
export const PITR_ROLE = 'gitmesh_backup';
export const PITR_SECRET = 'postgres_backup_password';
export const PITR_SLOT = 'barman';
export const PITR_SERVICE = 'barman';
export const PITR_HOME = '/var/lib/barman';
export const PITR_VOLUME = 'barman-data';
export const PITR_CONFIG = '/etc/barman.conf';
/** Scripts of the barman service (bind-mounted like the backup scripts). */
export const PITR_SCRIPTS_DIR = '/opt/gitmesh-backup/pitr';
/** Where the pgpass file Barman and psql read is written at start (tmpfs: the password never lands on a volume). */
export const PITR_PGPASS = '/tmp/barman.pgpass';
/** The image's postgres user (uid/gid 70 in the Alpine postgres image): a recovered data directory is owned by it. */
export const PITR_UID = 70;
/** Closes the current WAL segment this often when the server wrote WAL, so the archive (and its offsite copy) is never older than this. */
export const PITR_SWITCH_MINUTES = 5;
/** Bound on the WAL the slot keeps on the server while Barman is down: past it the server drops the slot and keeps running. */
export const PITR_MAX_SLOT_WAL_KEEP = '4GB';
export const PITR_METRICS_FILE = 'gitmesh_pitr.prom';
/** Metric names written by pitr-metrics.sh (node-exporter textfile collector). */
export const PITR_METRICS = {
  checkOk: 'gitmesh_pitr_check_ok',
  checksFailed: 'gitmesh_pitr_checks_failed',
  lastBackup: 'gitmesh_pitr_last_backup_timestamp_seconds',
  lastBackupFailed: 'gitmesh_pitr_last_backup_failed',
  backups: 'gitmesh_pitr_backups',
  walLag: 'gitmesh_pitr_wal_lag_bytes',
  slotLost: 'gitmesh_pitr_slot_lost',
  receiverUp: 'gitmesh_pitr_receiver_up',
  lastWalArchived: 'gitmesh_pitr_last_wal_archived_timestamp_seconds',
  serverWalBytes: 'gitmesh_pitr_server_wal_bytes_total',
  written: 'gitmesh_pitr_metrics_timestamp_seconds',
  offsiteBucketSet: 'gitmesh_pitr_offsite_bucket_set',
} as const;

/** One line of an INI section: Barman's config is serialised from these, never spliced. */
type IniSection = readonly [string, readonly (readonly [string, string])[]];

export interface PitrView {
  readonly server: string;
  readonly role: string;
  readonly slot: string;
  readonly home: string;
  readonly config: string;
  readonly scriptsDir: string;
  readonly pgpass: string;
  readonly pgHost: string;
  readonly pgPort: number;
  /** Base backup schedule (UTC cron), the same answer as the logical sets. */
  readonly schedule: string;
  readonly switchMinutes: number;
  /** Recovery window, days (the daily retention answer). */
  readonly recoveryWindowDays: number;
  /** `barman check` fails (and the alert fires) when the newest base backup is older than this. */
  readonly lastBackupMaximumAgeHours: number;
  readonly offsite: boolean;
  readonly metricsFile: string;
  readonly sections: readonly IniSection[];
}

/** Hours between base backups for the schedule (longest gap; 24 when it cannot be read), plus slack. */
export function backupMaximumAgeHours(schedule: string): number {
  const [minute, hour, dom, month, dow] = cronFields(schedule);
  const everyDay = dom === '*' && month === '*' && dow === '*' && /^\d+$/.test(minute ?? '');
  const step = /^\*\/(\d+)$/.exec(hour ?? '');
  let gap = 24;
  if (everyDay && step) gap = Number(step[1]);
  else if (everyDay && hour === '*') gap = 1;
  else if (everyDay && /^\d+(,\d+)+$/.test(hour ?? '')) {
    const hours = (hour ?? '').split(',').map(Number).sort((a, b) => a - b);
    gap = Math.max(...hours.map((h, i) => (i === 0 ? h + 24 - (hours[hours.length - 1] ?? 0) : h - (hours[i - 1] ?? 0))));
  } else if (!everyDay) gap = 24 * 7;
  // One missed run is tolerated; two are not.
  return gap * 2 + 2;
}

/** Barman runs only against the in-stack PostgreSQL; an external database's PITR is its provider's. */
export function pitrView(model: DeploymentModel): PitrView | undefined {
  if (!model.data.postgres) return undefined;
  const { backup } = model.settings;
  const conn = (extra: string): string => `host=postgres port=5432 user=${PITR_ROLE} passfile=${PITR_PGPASS} connect_timeout=10${extra}`;
  const maxAge = backupMaximumAgeHours(backup.schedule);
  const offsiteHooks: [string, string][] = backup.offsite
    ? [
        // Completed segments and finished base backups are copied offsite by barman-cloud from hooks: a retry
        // script blocks Barman until it succeeds, so an unreachable bucket delays the copy, never loses it.
        ['pre_archive_retry_script', `${PITR_SCRIPTS_DIR}/offsite-wal.sh`],
        ['post_backup_retry_script', `${PITR_SCRIPTS_DIR}/offsite-backup.sh`],
      ]
    : [];
  const sections: IniSection[] = [
    [
      'barman',
      [
        ['barman_user', 'postgres'],
        ['barman_home', PITR_HOME],
        ['log_file', `${PITR_HOME}/barman.log`],
        ['log_level', 'INFO'],
        // pg_basebackup and pg_receivewal of the image (the same major as the server).
        ['path_prefix', '/usr/local/bin'],
      ],
    ],
    [
      PITR_SERVER,
      [
        ['description', 'GitMesh PostgreSQL (streaming base backups and WAL)'],
        ['conninfo', conn(' dbname=postgres application_name=barman')],
        ['streaming_conninfo', conn('')],
        ['backup_method', 'postgres'],
        ['backup_compression', 'gzip'],
        ['streaming_archiver', 'on'],
        ['slot_name', PITR_SLOT],
        ['create_slot', 'auto'],
        ['compression', 'gzip'],
        ['retention_policy', `RECOVERY WINDOW OF ${backup.keepDaily} DAYS`],
        ['wal_retention_policy', 'main'],
        ['minimum_redundancy', '1'],
        ['last_backup_maximum_age', `${maxAge} HOURS`],
        ['recovery_staging_path', `${PITR_HOME}/staging`],
        ...offsiteHooks,
      ],
    ],
  ];
  return {
    server: PITR_SERVER,
    role: PITR_ROLE,
    slot: PITR_SLOT,
    home: PITR_HOME,
    config: PITR_CONFIG,
    scriptsDir: PITR_SCRIPTS_DIR,
    pgpass: PITR_PGPASS,
    pgHost: 'postgres',
    pgPort: 5432,
    schedule: backup.schedule,
    switchMinutes: PITR_SWITCH_MINUTES,
    recoveryWindowDays: backup.keepDaily,
    lastBackupMaximumAgeHours: maxAge,
    offsite: backup.offsite,
    metricsFile: PITR_METRICS_FILE,
    sections,
  };
}

/** barman.conf text: one `key = value` per line, sections in order. */
export function barmanConf(view: PitrView): string {
  const lines = ['# Barman configuration, serialised from the deployment model (rerun the generator to change it).'];
  for (const [name, entries] of view.sections) {
    lines.push('', `[${name}]`, ...entries.map(([key, value]) => `${key} = ${value}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Defaults the PITR scripts read (config/backup/pitr.env), so the scripts themselves are plain files. */
export function pitrEnv(view: PitrView): readonly (readonly [string, string, string])[] {
  return [
    ['BARMAN_CONFIG', view.config, 'Barman configuration file'],
    ['BARMAN_SERVER', view.server, "Barman's name for the PostgreSQL server"],
    ['BARMAN_HOME', view.home, "Barman's home (base backups, WAL archive, log)"],
    ['PITR_ROLE', view.role, 'Role Barman connects as (REPLICATION, pg_monitor, backup functions)'],
    ['PITR_SLOT', view.slot, 'Physical replication slot pg_receivewal streams from'],
    ['PITR_PGPASS', view.pgpass, 'pgpass file written at start from the postgres_backup_password secret'],
    ['PG_HOST', view.pgHost, 'PostgreSQL host'],
    ['PG_PORT', String(view.pgPort), 'PostgreSQL port'],
    ['PITR_METRICS_FILE', view.metricsFile, 'Textfile-collector file the metrics script writes'],
    ['PITR_BACKUP_WAIT_TIMEOUT', '900', 'Seconds a base backup waits for its last WAL segment to be archived'],
  ];
}
