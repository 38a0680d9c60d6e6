/**
 * Backup concern: the `backup` compose service (pg_dump/redis-cli/curl on a cron schedule), its
 * image, volumes, make targets and runbooks, plus the typed view the backup scripts are rendered from.
 * The metric names and the textfile volume are exported for the monitoring concern.
 */
import { cronFields } from '../checks.js';
import type { ComposeService, Contribution, DeploymentModel, MakeTarget, Mount, Secret } from '../model.js';
import { resourcesFor } from '../sizing.js';
import { APP_GID, APP_UID } from '../versions.js';
import { REDIS_USERS } from './identities.js';
import { DB_NAME, DB_USER } from './wiring.js';
import { PITR_CONFIG, PITR_SCRIPTS_DIR, PITR_SECRET, PITR_SERVICE, PITR_UID, PITR_VOLUME, pitrView } from './backup/barman.js';

const REDIS_BACKUP = REDIS_USERS.find((user) => user.name === 'backup')!;

/** Named volume holding the node-exporter textfile-collector files the backup scripts write. */
export const BACKUP_METRICS_VOLUME = 'backup-metrics';
/** Where the backup container writes them (mount this volume read-only into node-exporter). */
export const BACKUP_METRICS_DIR = '/metrics';
export const BACKUP_METRICS_FILES = { backup: 'gitmesh_backup.prom', verify: 'gitmesh_backup_verify.prom' } as const;
/** Metric names written by backup.sh and verify-backup.sh (gauges, no labels). */
export const BACKUP_METRICS = {
  lastSuccess: 'gitmesh_backup_last_success_timestamp_seconds',
  lastRun: 'gitmesh_backup_last_run_timestamp_seconds',
  lastStatus: 'gitmesh_backup_last_status',
  lastDuration: 'gitmesh_backup_last_duration_seconds',
  lastSize: 'gitmesh_backup_last_size_bytes',
  sets: 'gitmesh_backup_sets',
  verifyLastSuccess: 'gitmesh_backup_verify_last_success_timestamp_seconds',
  verifyLastStatus: 'gitmesh_backup_verify_last_status',
  verifyLastDuration: 'gitmesh_backup_verify_last_duration_seconds',
} as const;
/** Named volume holding the backup sets. */
export const BACKUP_VOLUME = 'backups';
/** Weekly restore drill (Sunday); it waits for a running backup to release the lock. */
export const VERIFY_SCHEDULE = '30 5 * * 0';
/** Where the scripts are bind-mounted in the backup container. */
export const BACKUP_SCRIPTS_DIR = '/opt/gitmesh-backup';
/** uid:gid of the redis image's user, used for the Redis RDB swap during `make restore`. */
const REDIS_FILE_OWNER = '999';

export type BackupComponent = 'postgres' | 'redis' | 'opensearch';

/**
 * Temporal's databases on the GitMesh PostgreSQL server: the temporal-schema job creates them and the server
 * names them (DBNAME, VISIBILITY_DBNAME; the defaults auto-setup used before, so older stacks have the same).
 */
export const TEMPORAL_DATABASES = ['temporal', 'temporal_visibility'] as const;

/** One PostgreSQL database the stack owns: dumped into every set and restored together with the others. */
export interface BackupDatabase {
  readonly name: string;
  /** Directory of its pg_dump inside a set (the scripts apply the same rule: `postgres` for the GitMesh database, `postgres-<name>` otherwise). */
  readonly dir: string;
  /** Who writes it, for the runbooks. */
  readonly owner: 'GitMesh' | 'Temporal';
  readonly holds: string;
}

/** The GitMesh database first (its dump keeps the `postgres/` directory of earlier sets), then Temporal's when Temporal runs in the stack. */
export function backupDatabases(model: DeploymentModel): BackupDatabase[] {
  const databases: BackupDatabase[] = [{ name: DB_NAME, dir: 'postgres', owner: 'GitMesh', holds: 'the application data' }];
  if (model.data.temporal) {
    const holds: Record<(typeof TEMPORAL_DATABASES)[number], string> = {
      temporal: 'workflow executions, histories, timers, task queues and schedules',
      temporal_visibility: 'the workflow list/search index',
    };
    for (const name of TEMPORAL_DATABASES) databases.push({ name, dir: `postgres-${name}`, owner: 'Temporal', holds: holds[name] });
  }
  return databases;
}

/** Everything the backup scripts, crontab, Dockerfile and runbooks print. */
export interface BackupView {
  readonly components: readonly BackupComponent[];
  readonly schedule: string;
  readonly verifySchedule: string;
  readonly keepDaily: number;
  readonly keepWeekly: number;
  readonly backupDir: string;
  readonly metricsDir: string;
  readonly metricsFile: string;
  readonly verifyMetricsFile: string;
  readonly pgHost: string;
  readonly pgPort: number;
  readonly pgUser: string;
  /** The GitMesh database (PG_DB). */
  readonly pgDatabase: string;
  /** Every database a set holds, the GitMesh database first. */
  readonly pgDatabases: readonly BackupDatabase[];
  /** The others (PG_EXTRA_DATABASES): Temporal's when it runs in the stack. */
  readonly pgExtraDatabases: readonly string[];
  readonly pgPasswordFile: string;
  readonly pgJobs: number;
  readonly redisHost: string;
  readonly redisPort: number;
  readonly redisPasswordFile: string;
  readonly redisRestoreDir: string;
  readonly opensearchUrl: string;
  readonly opensearchRepo: string;
  readonly opensearchLocation: string;
  readonly offsite: boolean;
  readonly offsitePrefix: string;
  readonly offsiteAccessKeyFile: string;
  readonly offsiteSecretKeyFile: string;
  readonly scriptsDir: string;
  /** Compose services stopped while data is restored (everything that writes to the stores). */
  readonly writers: readonly string[];
  readonly redisFileOwner: string;
  /** RPO/RTO statements for the runbook. */
  readonly rpo: string;
  /** Compose services of the data tier the sets restore into, started first after a host loss. */
  readonly dataTier: readonly string[];
}

/** Offsite copies need S3 credentials the operator supplies: on by default for production (settings.backup.offsite). */
function offsiteEnabled(model: DeploymentModel): boolean {
  return model.settings.backup.offsite;
}

/** Worst-case data loss for a cron schedule, in words (a set per run; loss is everything since the last set). */
export function rpoFor(schedule: string): string {
  const [minute, hour, dom, month, dow] = cronFields(schedule);
  const everyDay = dom === '*' && month === '*' && dow === '*';
  const hourStep = /^\*\/(\d+)$/.exec(hour ?? '');
  if (everyDay && hourStep && /^\d+$/.test(minute ?? '')) return `${hourStep[1]} hours`;
  if (everyDay && hour === '*' && /^\d+$/.test(minute ?? '')) return '1 hour';
  if (everyDay && /^\d+(,\d+)+$/.test(hour ?? '')) {
    const hours = (hour ?? '').split(',').map(Number).sort((a, b) => a - b);
    const gaps = hours.map((h, i) => (i === 0 ? h + 24 - (hours[hours.length - 1] ?? 0) : h - (hours[i - 1] ?? 0)));
    return `${Math.max(...gaps)} hours`;
  }
  if (everyDay && /^\d+$/.test(hour ?? '')) return '24 hours';
  return 'the longest gap between two runs of the schedule';
}

export function backupView(model: DeploymentModel): BackupView {
  const components: BackupComponent[] = ['postgres'];
  if (model.data.redis) components.push('redis');
  if (model.data.opensearch !== 'none') components.push('opensearch');
  const opensearchHost = model.data.opensearch === 'cluster' ? 'opensearch-1' : 'opensearch';
  const pgDatabases = backupDatabases(model);
  return {
    components,
    schedule: model.settings.backup.schedule,
    verifySchedule: VERIFY_SCHEDULE,
    keepDaily: model.settings.backup.keepDaily,
    keepWeekly: model.settings.backup.keepWeekly,
    backupDir: '/backups',
    metricsDir: BACKUP_METRICS_DIR,
    metricsFile: BACKUP_METRICS_FILES.backup,
    verifyMetricsFile: BACKUP_METRICS_FILES.verify,
    pgHost: 'postgres',
    pgPort: 5432,
    pgUser: DB_USER,
    pgDatabase: DB_NAME,
    pgDatabases,
    pgExtraDatabases: pgDatabases.filter((db) => db.name !== DB_NAME).map((db) => db.name),
    pgPasswordFile: '/run/secrets/postgres_password',
    pgJobs: model.settings.sizeProfile === 'large' ? 4 : 2,
    redisHost: 'redis',
    redisPort: 6379,
    redisPasswordFile: `/run/secrets/${REDIS_BACKUP.secret}`,
    redisRestoreDir: '/restore/redis-data',
    opensearchUrl: model.data.opensearch === 'none' ? '' : `http://${opensearchHost}:9200`,
    opensearchRepo: 'gitmesh-backups',
    opensearchLocation: '/usr/share/opensearch/snapshots/gitmesh',
    offsite: offsiteEnabled(model),
    offsitePrefix: model.project.name,
    offsiteAccessKeyFile: '/run/secrets/backup_offsite_access_key_id',
    offsiteSecretKeyFile: '/run/secrets/backup_offsite_secret_access_key',
    scriptsDir: BACKUP_SCRIPTS_DIR,
    writers: model.composeServices.filter((svc) => svc.tier === 'app' || svc.name === 'temporal').map((svc) => svc.name),
    redisFileOwner: REDIS_FILE_OWNER,
    rpo: rpoFor(model.settings.backup.schedule),
    dataTier: [...(model.data.postgres ? ['postgres'] : []), ...(model.data.redis ? ['redis'] : []), ...(model.data.opensearch !== 'none' ? [opensearchHost] : [])],
  };
}

const bind = (source: string, target: string): Mount => ({ type: 'bind', source, target, readOnly: true });

export function backupContribution(model: DeploymentModel): Contribution {
  const view = backupView(model);
  const repository = `${model.project.registry}/${model.project.imageNamespace}/${model.project.name}-backup`;
  const secrets: Secret[] = view.offsite
    ? [
        // Optional: `make secrets` writes them empty, so a fresh production stack starts; until they and
        // BACKUP_OFFSITE_BUCKET are filled in, nothing leaves the host and PitrOffsiteNotConfigured fires.
        { name: 'backup_offsite_access_key_id', description: 'Access key id for the offsite (S3-compatible) backup bucket', source: { kind: 'optional' } },
        { name: 'backup_offsite_secret_access_key', description: 'Secret access key for the offsite (S3-compatible) backup bucket', source: { kind: 'optional' } },
      ]
    : [];
  const env = (name: string): [string, string] => [name, `\${${name}:-}`];
  const service: ComposeService = {
    name: 'backup',
    file: 'main',
    tier: 'ops',
    description: `Scheduled backups (${view.components.join(', ')}) with supercronic: ${view.schedule} UTC, restore drill ${view.verifySchedule}`,
    image: `${repository}:\${GITMESH_IMAGE_TAG:?set GITMESH_IMAGE_TAG in .env}`,
    build: { context: './docker/backup', dockerfile: 'Dockerfile' },
    profiles: [],
    command: ['supercronic', '-passthrough-logs', '/etc/gitmesh-backup/crontab'],
    user: `${APP_UID}:${APP_GID}`,
    environment: [
      ['TZ', 'UTC'],
      ['HOME', '/tmp'],
      ['BACKUP_DIR', view.backupDir],
      ['BACKUP_METRICS_DIR', view.metricsDir],
      ['BACKUP_ENVIRONMENT', '${BACKUP_ENVIRONMENT:-production}'],
      ['BACKUP_COMPONENTS', view.components.join(' ')],
      ['PG_HOST', model.data.postgres ? 'postgres' : '${DB_WRITE_HOST:?set DB_WRITE_HOST for the external database}'],
      ['REDIS_DATA_DIR', view.redisRestoreDir],
      // Issue 18: the Redis ACL user that may run INFO and the RDB transfer only (the default user is off).
      ...(model.data.redis ? ([['REDIS_USER', REDIS_BACKUP.name]] as [string, string][]) : []),
      env('BACKUP_AGE_RECIPIENTS'),
      env('BACKUP_ALERT_WEBHOOK_URL'),
      ...(view.offsite ? [env('BACKUP_OFFSITE_BUCKET'), env('BACKUP_OFFSITE_ENDPOINT'), env('BACKUP_OFFSITE_PROVIDER'), env('BACKUP_OFFSITE_REGION')] : []),
    ],
    secrets: ['postgres_password', ...(model.data.redis ? [REDIS_BACKUP.secret] : []), ...secrets.map((s) => s.name)],
    // `data` reaches the stores; `app` gives egress for the alert webhook and the offsite copy (`data` is internal).
    networks: ['data', 'app'],
    mounts: [
      { type: 'volume', source: BACKUP_VOLUME, target: view.backupDir, readOnly: false },
      { type: 'volume', source: BACKUP_METRICS_VOLUME, target: view.metricsDir, readOnly: false },
      // The Redis RDB swap of `make restore` writes here (as the redis user); backups never touch it.
      ...(model.data.redis ? [{ type: 'volume' as const, source: 'redis-data', target: view.redisRestoreDir, readOnly: false }] : []),
      bind('./scripts/backup.sh', `${view.scriptsDir}/backup.sh`),
      bind('./scripts/restore.sh', `${view.scriptsDir}/restore.sh`),
      bind('./scripts/verify-backup.sh', `${view.scriptsDir}/verify-backup.sh`),
      bind('./scripts/lib/backup-lib.sh', `${view.scriptsDir}/lib/backup-lib.sh`),
      bind('./config/backup/crontab', '/etc/gitmesh-backup/crontab'),
    ],
    tmpfs: ['/tmp:size=256m'],
    ports: [],
    devPorts: [],
    healthcheck: {
      test: ['CMD-SHELL', `pgrep -x supercronic >/dev/null && test -w ${view.backupDir} && test -w ${view.metricsDir}`],
      interval: '60s',
      timeout: '5s',
      retries: 3,
      startPeriod: '10s',
      proves: 'supercronic is running and the backup and metrics volumes are writable (backup freshness: the BackupTooOld and BackupFailed alerts, from its metrics)',
    },
    dependsOn: [...(model.data.postgres ? [{ name: 'postgres', condition: 'service_healthy' as const }] : []), ...(model.data.redis ? [{ name: 'redis', condition: 'service_healthy' as const }] : [])],
    resources: resourcesFor(model.settings.sizeProfile, 'standard'),
    capAdd: [],
    readOnly: true,
    replicas: 1,
    stopGracePeriod: '120s',
    ulimits: [],
    restart: 'unless-stopped',
    role: 'backup-job',
    // config/backup/crontab's entries as data: Kubernetes runs each as a CronJob.
    schedules: [
      { name: 'backup', schedule: view.schedule, command: [`${view.scriptsDir}/backup.sh`], what: 'backup' },
      { name: 'verify-backup', schedule: view.verifySchedule, command: [`${view.scriptsDir}/verify-backup.sh`], what: 'restore drill' },
    ],
  };
  const { schedules: _schedules, ...serviceWithoutSchedules } = service;
  const pitr = pitrView(model);
  const barman: ComposeService[] = pitr
    ? [
        {
          ...serviceWithoutSchedules,
          // Long-running (it streams WAL), with its own volume: a data store, not the backup job's schedules.
          role: 'data-store',
          name: PITR_SERVICE,
          description: `Barman: streams WAL from postgres (slot ${pitr.slot}), base backups ${pitr.schedule} UTC, recovery window ${pitr.recoveryWindowDays} days${pitr.offsite ? ', copies offsite (barman-cloud)' : ''}`,
          command: [`${PITR_SCRIPTS_DIR}/barman-entrypoint.sh`],
          // The image's postgres user: a recovered data directory belongs to the uid the postgres service runs as.
          user: `${PITR_UID}:${PITR_UID}`,
          groupAdd: [String(APP_GID)],
          environment: [
            ['TZ', 'UTC'],
            ['HOME', '/tmp'],
            ['BACKUP_METRICS_DIR', view.metricsDir],
            ['BACKUP_ENVIRONMENT', '${BACKUP_ENVIRONMENT:-production}'],
            ...(view.offsite ? [env('BACKUP_OFFSITE_BUCKET'), env('BACKUP_OFFSITE_ENDPOINT'), ['BACKUP_OFFSITE_SSE', '${BACKUP_OFFSITE_SSE-AES256}'] as [string, string]] : []),
          ],
          secrets: ['postgres_password', PITR_SECRET, ...secrets.map((s) => s.name)],
          mounts: [
            { type: 'volume', source: PITR_VOLUME, target: pitr.home, readOnly: false },
            { type: 'volume', source: BACKUP_METRICS_VOLUME, target: view.metricsDir, readOnly: false },
            ...['pitr-lib.sh', 'barman-entrypoint.sh', 'pitr-backup.sh', 'pitr-metrics.sh', 'switch-wal.sh', 'restore-pitr.sh', ...(pitr.offsite ? ['offsite-lib.sh', 'offsite-wal.sh', 'offsite-backup.sh'] : [])].map((name) =>
              bind(`./scripts/pitr/${name}`, `${PITR_SCRIPTS_DIR}/${name}`),
            ),
            bind('./config/backup/barman.conf', PITR_CONFIG),
            bind('./config/backup/pitr.env', '/etc/gitmesh-backup/pitr.env'),
            bind('./config/backup/barman.crontab', '/etc/gitmesh-backup/barman.crontab'),
          ],
          healthcheck: {
            test: ['CMD-SHELL', `pgrep -x supercronic >/dev/null && pgrep -f pg_receivewal >/dev/null && test -w ${pitr.home}`],
            interval: '60s',
            timeout: '5s',
            retries: 3,
            startPeriod: '120s',
            proves: 'the schedule runs and pg_receivewal streams WAL (PitrArchiveStale and PitrCheckFailing alert on archive freshness and barman check from its metrics)',
          },
          dependsOn: [{ name: 'postgres', condition: 'service_healthy' }],
          stopGracePeriod: '60s',
        },
      ]
    : [];
  const run = (script: string, args = ''): string => `$(DC) run --rm --no-deps backup ${view.scriptsDir}/${script}${args ? ` ${args}` : ''}`;
  const makeTargets: MakeTarget[] = [
    { name: 'backup', help: 'Take a backup set now (same script as the schedule)', deps: ['.env'], recipe: [run('backup.sh')] },
    { name: 'verify-backup', help: 'Restore drill: restore the newest set into a scratch database and compare row counts', deps: ['.env'], recipe: [run('verify-backup.sh')] },
    { name: 'backups', help: 'List the backup sets', deps: ['.env'], recipe: [run('restore.sh', '--list')] },
    ...(pitr
      ? [
          { name: 'backup-pitr', help: 'Take a Barman base backup now (PITR; same script as the schedule)', deps: ['.env'], recipe: [`$(DC) exec ${PITR_SERVICE} ${PITR_SCRIPTS_DIR}/pitr-backup.sh --immediate`] },
          { name: 'backups-pitr', help: 'List the Barman base backups and the WAL archive status', deps: ['.env'], recipe: [`$(DC) exec ${PITR_SERVICE} barman -c ${PITR_CONFIG} list-backup ${pitr.server}`, `$(DC) exec ${PITR_SERVICE} barman -c ${PITR_CONFIG} check ${pitr.server}`] },
          {
            name: 'restore-pitr',
            help: "Point-in-time restore: TARGET_TIME='YYYY-MM-DD HH:MM:SS+00' (or LATEST=1) [CONFIRM=production]; verifies, swaps, keeps the old data directory",
            deps: ['.env'],
            recipe: [`COMPOSE="$(DC)" ./scripts/restore-pitr-stack.sh $(if $(LATEST),--latest,--target-time "$(TARGET_TIME)") $(if $(filter production,$(CONFIRM)),--confirm-production)`],
          },
        ]
      : []),
    {
      name: 'restore',
      help: 'Restore a set: SET=<id> (default latest) ONLY=postgres,redis,opensearch CONFIRM=production',
      deps: ['.env'],
      recipe: [`COMPOSE="$(DC)" ./scripts/restore-stack.sh --set "$(or $(SET),latest)" $(if $(ONLY),--only "$(ONLY)") $(if $(filter production,$(CONFIRM)),--confirm-production)`],
    },
  ];
  return {
    services: [service, ...barman],
    volumes: [
      ...(pitr ? [{ name: PITR_VOLUME, description: `Barman home: base backups, the WAL archive (recovery window ${pitr.recoveryWindowDays} days) and its log` }] : []),
      { name: BACKUP_VOLUME, description: `Backup sets (PostgreSQL dumps of ${view.pgDatabases.map((db) => db.name).join(', ')}, Redis RDB, OpenSearch snapshot metadata) and their manifests` },
      { name: BACKUP_METRICS_VOLUME, description: 'Prometheus textfile-collector files written by the backup scripts' },
    ],
    secrets: [
      ...(pitr ? [{ name: PITR_SECRET, description: 'Password of the gitmesh_backup role Barman streams and backs up with', source: { kind: 'random' as const, bytes: 32 } }] : []),
      ...secrets,
    ],
    builtImages: [{ name: 'backup', repository, dockerfile: 'docker/backup/Dockerfile', context: 'docker/backup' }],
    makeTargets,
    docs: [
      { path: 'docs/runbooks/backup-restore.md', title: 'Runbook: backups, restores and the restore drill' },
      { path: 'docs/runbooks/disaster-recovery.md', title: 'Runbook: disaster recovery (full host loss, RPO/RTO, key rotation)' },
    ],
    env: [
      ['BACKUP_ENVIRONMENT', 'production', 'production makes restore.sh demand --confirm-production (make restore CONFIRM=production)'],
      ['BACKUP_AGE_RECIPIENTS', '', 'age public key(s) backups are encrypted to (space separated); empty: unencrypted'],
      ['BACKUP_ALERT_WEBHOOK_URL', '', 'Webhook called with a JSON message when a backup or restore drill fails'],
      ...(view.offsite
        ? ([
            ['BACKUP_OFFSITE_BUCKET', '', 'S3 bucket for offsite copies (empty: no offsite copy)'],
            ['BACKUP_OFFSITE_ENDPOINT', '', 'S3 endpoint URL (empty for AWS)'],
            ['BACKUP_OFFSITE_PROVIDER', 'Other', 'rclone S3 provider: AWS, Minio, Wasabi, Other, ...'],
            ['BACKUP_OFFSITE_REGION', '', 'S3 region'],
            ...(pitr ? ([['BACKUP_OFFSITE_SSE', 'AES256', 'Server-side encryption barman-cloud asks the bucket for (AES256 or aws:kms; empty: none)']] as [string, string, string][]) : []),
          ] as [string, string, string][])
        : []),
    ],
  };
}
