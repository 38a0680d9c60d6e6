/** Issue 18: the PostgreSQL role setup script (one identity per role) of a stack-managed database. */
import { TEMPORAL_DATABASES } from '../prepare/backup.js';
import { postgresRolesView } from '../prepare/identities.js';
import { DB_NAME } from '../prepare/wiring.js';
import type { Manifest } from './types.js';

/**
 * pg_hba.conf's rules after the local socket line, in order (first match wins): each role reaches only
 * the databases it uses, the superuser only from inside the container and from the setup jobs, and
 * everything else is rejected.
 */
function hbaRules(view: ReturnType<typeof postgresRolesView>, replica: boolean): string[] {
  return [
    '# Inside the container (its own tools): the superuser only.',
    `host    all          ${view.superuser}     127.0.0.1/32   scram-sha-256`,
    `host    ${view.ident(view.database)} ${[view.owner, view.app, view.readonly, view.monitor].join(',')} samenet scram-sha-256`,
    ...(view.temporalDatabases.length ? [`host    ${view.temporalDatabases.join(',')} ${view.temporal},${view.monitor} samenet scram-sha-256`] : []),
    '# The bootstrap superuser: the role setup jobs and (until it moves to its own role) the backup job.',
    `host    all          ${view.superuser}     samenet        scram-sha-256`,
    `host    all          ${view.backup} samenet        scram-sha-256`,
    '# Barman (the barman service) streams WAL and base backups as the backup role (issue 16).',
    `host    replication  ${view.backup}  samenet    scram-sha-256`,
    ...(replica ? ['host    replication  replicator  samenet        scram-sha-256'] : []),
    'host    all          all         all            reject',
  ];
}

export const identityFiles: Manifest = (model) => {
  if (!model.data.postgres) return [];
  const view = postgresRolesView(DB_NAME, model.data.temporal ? TEMPORAL_DATABASES : []);
  return [
    { path: 'config/postgres/pg_hba.conf', template: 'config/postgres/pg_hba.conf.ejs', locals: { rules: hbaRules(view, model.data.postgresReplica) } },
    { path: 'config/postgres/roles.sh', template: 'config/postgres/roles.sh.ejs', executable: true, locals: { view } },
  ];
};
