/** Backup files: the scripts, their shared library, the backup image, the crontab and the runbooks. */
import { backupView } from '../prepare/backup.js';
import { BACKUP_APK, IMAGES, POSTGRES_MAJOR } from '../versions.js';
import type { Manifest } from './types.js';

export const backupFiles: Manifest = (model) => {
  const view = backupView(model);
  const locals = { view };
  return [
    { path: 'scripts/backup.sh', template: 'scripts/backup.sh.ejs', locals, executable: true },
    { path: 'scripts/restore.sh', template: 'scripts/restore.sh.ejs', locals, executable: true },
    { path: 'scripts/verify-backup.sh', template: 'scripts/verify-backup.sh.ejs', locals, executable: true },
    { path: 'scripts/restore-stack.sh', template: 'scripts/restore-stack.sh.ejs', locals, executable: true },
    { path: 'scripts/lib/backup-lib.sh', template: 'scripts/lib/backup-lib.sh.ejs', locals },
    { path: 'config/backup/crontab', template: 'config/backup/crontab.ejs', locals },
    {
      path: 'docker/backup/Dockerfile',
      template: 'docker/backup/Dockerfile.ejs',
      locals: { view, apk: BACKUP_APK, postgresImage: IMAGES.postgres, redisImage: IMAGES.redis, postgresMajor: POSTGRES_MAJOR },
    },
    // The image copies nothing from its context: an empty build context.
    { path: 'docker/backup/Dockerfile.dockerignore', template: 'docker/backup/Dockerfile.dockerignore.ejs' },
    { path: 'docs/runbooks/backup-restore.md', template: 'docs/runbooks/backup-restore.md.ejs', locals },
    { path: 'docs/runbooks/disaster-recovery.md', template: 'docs/runbooks/disaster-recovery.md.ejs', locals },
  ];
};
