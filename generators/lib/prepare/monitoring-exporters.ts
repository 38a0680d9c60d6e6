/**
 * Exporters of what the stack watches besides itself: PostgreSQL (and its replica), Redis, OpenSearch
 * and the edge nginx. Each runs only when the thing it watches does.
 */
import type { ComposeService, DeploymentModel } from '../model.js';
import { IMAGES } from '../versions.js';
import { EDGE_STUB_STATUS } from './edge/index.js';
import { infraCheck } from './health.js';
import { bind, secretsGroup, service, wgetCheck } from './monitoring-compose.js';
import { QUEUE_EXPORTER } from './monitoring-queues.js';
import { opensearchNode, type MonitoringView } from './monitoring-view.js';
import { DB_NAME } from './wiring.js';
import { PG_ROLES, PG_SECRETS, REDIS_USERS } from './identities.js';

/** The exporter's Redis user (issue 18). */
const redisMonitor = REDIS_USERS.find((user) => user.name === 'monitor')!;

export function exporterServices(model: DeploymentModel, view: MonitoringView): ComposeService[] {
  const a = model.settings.sizeProfile;
  const services: ComposeService[] = [];
  if (view.postgres) {
    const pg = (name: string, host: string): ComposeService =>
      service(a, 'tiny', {
        name,
        description: `postgres_exporter for ${host} (role ${PG_ROLES.monitor}: pg_monitor only; password from secrets/${PG_SECRETS.monitor})`,
        image: IMAGES.postgresExporter,
        environment: [
          ['DATA_SOURCE_URI', `${host}:5432/${DB_NAME}?sslmode=disable`],
          ['DATA_SOURCE_USER', PG_ROLES.monitor],
          ['DATA_SOURCE_PASS_FILE', `/run/secrets/${PG_SECRETS.monitor}`],
        ],
        secrets: [PG_SECRETS.monitor],
        groupAdd: [secretsGroup],
        networks: ['data', 'monitoring'],
        dependsOn: [{ name: host, condition: 'service_healthy' }],
        healthcheck: wgetCheck('http://127.0.0.1:9187/', 'postgres_exporter serves HTTP on :9187 (pg_up tells whether PostgreSQL answers)'),
      });
    services.push(pg('postgres-exporter', 'postgres'));
    if (view.postgresReplica) services.push(pg('postgres-replica-exporter', 'postgres-replica'));
  }
  if (view.redis) {
    services.push(
      service(a, 'tiny', {
        name: 'redis-exporter',
        description: `redis_exporter (ACL user ${redisMonitor.name}: INFO and its probes; password read from secrets/${redisMonitor.secret} at start)`,
        image: IMAGES.redisExporter,
        entrypoint: ['/bin/sh', '-c', `REDIS_PASSWORD="$$(cat /run/secrets/${redisMonitor.secret})" && export REDIS_PASSWORD && exec /redis_exporter`],
        // CONFIG is not granted to the monitor user: the exporter skips CONFIG GET (README.md:245 at v1.88.0).
        environment: [['REDIS_ADDR', 'redis://redis:6379'], ['REDIS_USER', redisMonitor.name], ['REDIS_EXPORTER_CONFIG_COMMAND', '-']],
        secrets: [redisMonitor.secret],
        groupAdd: [secretsGroup],
        networks: ['data', 'monitoring'],
        dependsOn: [{ name: 'redis', condition: 'service_healthy' }],
        healthcheck: wgetCheck('http://127.0.0.1:9121/health', 'redis_exporter answers /health'),
      }),
    );
  }
  const search = opensearchNode(model);
  if (search) {
    services.push(
      service(a, 'tiny', {
        name: 'opensearch-exporter',
        description: 'elasticsearch_exporter against OpenSearch: cluster health, nodes, JVM',
        image: IMAGES.opensearchExporter,
        command: [`--es.uri=http://${search}:9200`, '--es.all', '--es.timeout=10s'],
        networks: ['data', 'monitoring'],
        dependsOn: [{ name: search, condition: 'service_healthy' }],
        healthcheck: wgetCheck('http://127.0.0.1:9114/', 'elasticsearch_exporter serves HTTP on :9114'),
      }),
    );
  }
  if (view.edge) {
    services.push(
      service(a, 'tiny', {
        name: 'nginx-exporter',
        description: `nginx-prometheus-exporter reading the edge's stub_status (${view.edge.stubStatusUrl})`,
        image: IMAGES.nginxExporter,
        command: [`--nginx.scrape-uri=${view.edge.stubStatusUrl}`],
        networks: [EDGE_STUB_STATUS.network, 'monitoring'],
        dependsOn: [{ name: view.edge.service, condition: 'service_healthy' }],
        // Scratch image with only the binary: this proves it runs; nginx_up and up{job="nginx"} prove the scrape.
        healthcheck: infraCheck(['CMD', '/usr/bin/nginx-prometheus-exporter', '--version'], 'the exporter binary runs (scratch image); nginx_up in Prometheus proves stub_status is read'),
      }),
    );
  }
  if (view.queues.length) {
    const q = QUEUE_EXPORTER;
    services.push(
      service(a, 'tiny', {
        name: q.service,
        description: `ElasticMQ queue exporter (config/queue-exporter/elasticmq-exporter.mjs): per-queue depth, in-flight and oldest-message age from ${q.statsUrl}`,
        image: IMAGES.node,
        command: ['node', '/opt/queue-exporter/elasticmq-exporter.mjs'],
        user: '1000:1000',
        environment: [
          ['ELASTICMQ_STATS_URL', q.statsUrl],
          ['PORT', String(q.port)],
          ['POLL_SECONDS', String(q.pollSeconds)],
          ['DEAD_LETTER_QUEUES', view.queues.flatMap((queue) => (queue.deadLetter ? [queue.deadLetter] : [])).join(',')],
        ],
        mounts: [bind('./config/queue-exporter/elasticmq-exporter.mjs', '/opt/queue-exporter/elasticmq-exporter.mjs')],
        networks: ['data', 'monitoring'],
        dependsOn: [{ name: 'elasticmq', condition: 'service_healthy' }],
        healthcheck: wgetCheck(`http://127.0.0.1:${q.port}/-/healthy`, `the exporter polled ElasticMQ's stats endpoint within the last ${3 * q.pollSeconds}s (elasticmq_up says whether it answered)`),
      }),
    );
  }
  return services;
}
