/** Issue 18: the PostgreSQL role setup script (one identity per role) of a stack-managed database. */
import { TEMPORAL_DATABASES } from '../prepare/backup.js';
import { postgresRolesView } from '../prepare/identities.js';
import { DB_NAME } from '../prepare/wiring.js';
import type { Manifest } from './types.js';

export const identityFiles: Manifest = (model) => {
  if (!model.data.postgres) return [];
  const view = postgresRolesView(DB_NAME, model.data.temporal ? TEMPORAL_DATABASES : []);
  return [
    { path: 'config/postgres/pg_hba.conf', template: 'config/postgres/pg_hba.conf.ejs', locals: { view } },
    { path: 'config/postgres/roles.sh', template: 'config/postgres/roles.sh.ejs', executable: true, locals: { view } },
  ];
};
