/** Compose files and the configuration they bind-mount read-only. */
import type { ComposeFile, DeploymentModel } from '../model.js';
import { DEAD_LETTER_MAX_RECEIVES, watchedQueues } from '../prepare/monitoring-queues.js';
import type { Manifest } from './types.js';

/** What one compose file declares: its services, and only the volumes, secrets and networks they use. */
export function composeView(model: DeploymentModel, file: ComposeFile) {
  const services = model.composeServices.filter((svc) => svc.file === file);
  const volumeNames = new Set(services.flatMap((svc) => svc.mounts.filter((m) => m.type === 'volume').map((m) => m.source)));
  const secretNames = new Set(services.flatMap((svc) => svc.secrets));
  const networkNames = new Set(services.flatMap((svc) => svc.networks));
  return {
    services,
    volumes: model.volumes.filter((v) => volumeNames.has(v.name)),
    secrets: model.secrets.filter((s) => secretNames.has(s.name)),
    networks: model.networks.filter((n) => networkNames.has(n.name)),
  };
}

export const composeFiles: Manifest = (model) => [
  { path: 'compose.yaml', template: 'compose.yaml.ejs', locals: { view: composeView(model, 'main'), title: 'Production stack' } },
  // Services that read secrets also get the developer's group (make dev-secrets, a machine without sudo).
  { path: 'compose.override.yaml', template: 'compose.override.yaml.ejs', locals: { services: model.composeServices.filter((svc) => svc.file === 'main' && (svc.build || svc.devPorts.length || svc.secrets.length)) } },
  // The monitoring stack lives in its own file so it can be run, or left out, as a unit.
  ...(model.composeServices.some((svc) => svc.file === 'monitoring') ? [{ path: 'compose.monitoring.yaml', template: 'compose.yaml.ejs', locals: { view: composeView(model, 'monitoring'), title: 'Monitoring stack: docker compose -f compose.yaml -f compose.monitoring.yaml up -d' } }] : []),
  { path: 'config/env-from-files.sh', template: 'config/env-from-files.sh.ejs', executable: true },
  ...(model.data.postgres ? [{ path: 'config/postgres/pg_hba.conf', template: 'config/postgres/pg_hba.conf.ejs' }] : []),
  ...(model.data.postgresReplica
    ? [
        { path: 'config/postgres/initdb/10-replication.sh', template: 'config/postgres/initdb/10-replication.sh.ejs', executable: true },
        { path: 'config/postgres/replica-entrypoint.sh', template: 'config/postgres/replica-entrypoint.sh.ejs', executable: true },
      ]
    : []),
  ...(model.data.redis ? [{ path: 'config/redis/redis.conf', template: 'config/redis/redis.conf.ejs' }] : []),
  ...(model.data.sqs ? [{ path: 'config/elasticmq/elasticmq.conf', template: 'config/elasticmq/elasticmq.conf.ejs', locals: { queues: watchedQueues(model), maxReceives: DEAD_LETTER_MAX_RECEIVES } }] : []),
  ...(model.services.some((svc) => svc.kind === 'static-frontend') ? [{ path: 'config/frontend/default.conf', template: 'config/frontend/default.conf.ejs' }] : []),
];
