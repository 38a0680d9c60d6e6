/** Backup files: the scripts, their shared library, the backup image, the crontab and the runbooks. */
import { backupView } from '../prepare/backup.js';
import { PITR_HOME, PITR_SCRIPTS_DIR, PITR_SERVICE, barmanConf, pitrEnv, pitrView } from '../prepare/backup/barman.js';
import { BACKUP_APK, BARMAN_VERSION, IMAGES, POSTGRES_MAJOR, PSYCOPG2_BINARY } from '../versions.js';
import type { Manifest } from './types.js';

export const backupFiles: Manifest = (model) => {
  const view = backupView(model);
  const locals = { view };
  const pitr = pitrView(model);
  const pitrScripts = (names: readonly string[]) => names.map((name) => ({ path: `scripts/pitr/${name}`, template: `scripts/pitr/${name}.ejs`, locals: { offsitePrefix: view.offsitePrefix }, executable: !name.endsWith('-lib.sh') }));
  return [
    ...(pitr
      ? [
          ...pitrScripts(['pitr-lib.sh', 'barman-entrypoint.sh', 'pitr-backup.sh', 'pitr-metrics.sh', 'switch-wal.sh', 'restore-pitr.sh']),
          ...(pitr.offsite ? pitrScripts(['offsite-lib.sh', 'offsite-wal.sh', 'offsite-backup.sh']) : []),
          { path: 'scripts/restore-pitr-stack.sh', template: 'scripts/restore-pitr-stack.sh.ejs', locals: { writers: view.writers, scriptsDir: PITR_SCRIPTS_DIR, service: PITR_SERVICE }, executable: true },
          // Serialised from the model (the header is the only templated part).
          { path: 'config/backup/barman.conf', template: 'config/backup/barman.conf.ejs', locals: { conf: barmanConf(pitr) } },
          { path: 'config/backup/pitr.env', template: 'config/backup/pitr.env.ejs', locals: { env: pitrEnv(pitr) } },
          { path: 'config/backup/barman.crontab', template: 'config/backup/barman.crontab.ejs', locals: { view: pitr } },
        ]
      : []),
    { path: 'scripts/backup.sh', template: 'scripts/backup.sh.ejs', locals, executable: true },
    { path: 'scripts/restore.sh', template: 'scripts/restore.sh.ejs', locals, executable: true },
    { path: 'scripts/verify-backup.sh', template: 'scripts/verify-backup.sh.ejs', locals, executable: true },
    { path: 'scripts/restore-stack.sh', template: 'scripts/restore-stack.sh.ejs', locals, executable: true },
    { path: 'scripts/lib/backup-lib.sh', template: 'scripts/lib/backup-lib.sh.ejs', locals },
    { path: 'config/backup/crontab', template: 'config/backup/crontab.ejs', locals },
    {
      path: 'docker/backup/Dockerfile',
      template: 'docker/backup/Dockerfile.ejs',
      locals: { view, apk: BACKUP_APK, postgresImage: IMAGES.postgres, redisImage: IMAGES.redis, postgresMajor: POSTGRES_MAJOR, barmanVersion: BARMAN_VERSION, psycopg2: PSYCOPG2_BINARY, pitrHome: PITR_HOME },
    },
    // The image copies nothing from its context: an empty build context.
    { path: 'docker/backup/Dockerfile.dockerignore', template: 'docker/backup/Dockerfile.dockerignore.ejs' },
    { path: 'docs/runbooks/backup-restore.md', template: 'docs/runbooks/backup-restore.md.ejs', locals: { view, pitr, barmanVersion: BARMAN_VERSION, postgresMajor: POSTGRES_MAJOR } },
    { path: 'docs/runbooks/disaster-recovery.md', template: 'docs/runbooks/disaster-recovery.md.ejs', locals: { view, pitr } },
  ];
};
