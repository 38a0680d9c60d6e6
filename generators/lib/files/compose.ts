/** Compose files and the configuration they bind-mount read-only. */
import { composeView, runsMonitoringStack } from '../prepare/compose.js';
import { traitsOf } from '../service-kinds.js';
import { composeOverrideYaml, composeYaml } from './compose-yaml.js';
import { DEAD_LETTER_MAX_RECEIVES, watchedQueues } from '../prepare/monitoring-queues.js';
import type { Manifest } from './types.js';

export const composeFiles: Manifest = (model) => [
  { path: 'compose.yaml', template: 'compose.yaml.ejs', locals: { yaml: composeYaml(composeView(model, 'main')), title: 'Production stack' } },
  // Services that read secrets also get the developer's group (make dev-secrets, a machine without sudo).
  { path: 'compose.override.yaml', template: 'compose.override.yaml.ejs', locals: { yaml: composeOverrideYaml(model.composeServices.filter((svc) => svc.file === 'main' && (svc.build || svc.devPorts.length || svc.secrets.length))) } },
  // The monitoring stack lives in its own file so it can be run, or left out, as a unit.
  ...(runsMonitoringStack(model) ? [{ path: 'compose.monitoring.yaml', template: 'compose.yaml.ejs', locals: { yaml: composeYaml(composeView(model, 'monitoring')), title: 'Monitoring stack: docker compose -f compose.yaml -f compose.monitoring.yaml up -d' } }] : []),
  { path: 'config/env-from-files.sh', template: 'config/env-from-files.sh.ejs', executable: true },
  ...(model.data.postgresReplica
    ? [
        { path: 'config/postgres/initdb/10-replication.sh', template: 'config/postgres/initdb/10-replication.sh.ejs', executable: true },
        { path: 'config/postgres/replica-entrypoint.sh', template: 'config/postgres/replica-entrypoint.sh.ejs', executable: true },
      ]
    : []),
  ...(model.data.redis ? [{ path: 'config/redis/redis.conf', template: 'config/redis/redis.conf.ejs' }] : []),
  ...(model.data.sqs ? [{ path: 'config/elasticmq/elasticmq.conf', template: 'config/elasticmq/elasticmq.conf.ejs', locals: { queues: watchedQueues(model), maxReceives: DEAD_LETTER_MAX_RECEIVES } }] : []),
  ...(model.services.some((svc) => traitsOf(svc.kind).spaServer) ? [{ path: 'config/frontend/default.conf', template: 'config/frontend/default.conf.ejs' }] : []),
];
