/**
 * Alerts about what the application depends on: the edge proxy, PostgreSQL, Redis and OpenSearch.
 */
import type { DeploymentModel } from '../model.js';
import type { AlertGroup, AlertRule } from './monitoring-alert-rule.js';
import type { MonitoringView } from './monitoring-view.js';
import { DB_NAME } from './wiring.js';

export function dataAlerts(_model: DeploymentModel, view: MonitoringView): AlertGroup[] {
  const groups: AlertGroup[] = [];
  if (view.edge) {
    const req = 'promtail_custom_nginx_http_requests_total';
    groups.push({
      name: 'edge',
      rules: [
        {
          alert: 'EdgeDown',
          expr: 'nginx_up == 0',
          for: '2m',
          severity: 'critical',
          summary: 'The edge proxy does not answer stub_status',
          description: `nginx-prometheus-exporter cannot read stub_status from ${view.edge.service} for 2 minutes.`,
          runbook: {
            meaning: 'The edge nginx is down or its internal status listener is unreachable.',
            checks: [`\`docker compose ps ${view.edge.service}\` and its logs.`, '`docker compose exec <edge> nginx -t`.'],
            fixes: ['Fix the configuration error `nginx -t` reports, then restart the edge.'],
          },
        },
        {
          alert: 'EdgeHigh5xxRatio',
          expr: `sum(rate(${req}{status=~"5.."}[5m])) / sum(rate(${req}[5m])) > 0.05 and sum(rate(${req}[5m])) > 0.05`,
          for: '5m',
          severity: 'critical',
          summary: 'More than 5% of edge requests fail with 5xx',
          description: 'Over the last 5 minutes more than 5% of the requests served by the edge answered 5xx.',
          runbook: {
            meaning: 'Users are getting server errors. The edge logs every request; Alloy counts them by status.',
            checks: [
              'Grafana → "Edge (nginx)": which route and status (502/504 = upstream down or slow; 500 = application error)?',
              'Grafana → Explore → Loki: `{service="' + view.edge.service + '"} | json | status >= 500`.',
              'Logs of the upstream service behind the failing route.',
            ],
            fixes: ['502/503: restart the upstream or fix its dependency.', '504: see EdgeHighLatencyP95.', '500 after a deploy: roll back GITMESH_IMAGE_TAG.'],
          },
        },
        {
          alert: 'EdgeHighLatencyP95',
          expr: 'histogram_quantile(0.95, sum by (le) (rate(promtail_custom_nginx_http_request_duration_seconds_bucket[5m]))) > 2',
          for: '10m',
          severity: 'warning',
          summary: 'Edge p95 latency above 2 seconds',
          description: 'The 95th percentile of request time at the edge has been above 2 seconds for 10 minutes.',
          runbook: {
            meaning: 'Requests are slow for a significant share of users.',
            checks: ['Grafana → "Edge (nginx)": latency by route.', 'Grafana → "PostgreSQL": slow queries, connections; "Host": CPU saturation.', 'Tempo traces of slow requests (Explore → Tempo).'],
            fixes: ['Resolve the saturated dependency (database, CPU).', 'Scale the API replicas if the host has room.'],
          },
        },
      ],
    });
  }

  if (view.postgres) {
    const rules: AlertRule[] = [
      {
        alert: 'PostgresDown',
        expr: 'pg_up == 0',
        for: '2m',
        severity: 'critical',
        summary: 'PostgreSQL {{ $labels.instance }} is not answering',
        description: 'postgres_exporter {{ $labels.instance }} cannot connect to PostgreSQL for 2 minutes.',
        runbook: {
          meaning: 'The database is down or refuses the monitoring connection; the application is failing.',
          checks: ['`docker compose ps postgres` and `docker compose logs --tail=200 postgres`.', 'Disk space (HostDiskAlmostFull).'],
          fixes: ['Restart PostgreSQL once the cause is fixed; if the data directory is damaged, follow docs/backup.md to restore.'],
        },
      },
      {
        alert: 'PostgresTooManyConnections',
        expr: 'sum by (instance) (pg_stat_activity_count) / on (instance) max by (instance) (pg_settings_max_connections) > 0.8',
        for: '10m',
        severity: 'warning',
        summary: 'PostgreSQL {{ $labels.instance }} uses more than 80% of max_connections',
        description: 'More than 80% of max_connections on {{ $labels.instance }} have been in use for 10 minutes; new connections will soon be refused.',
        runbook: {
          meaning: 'Connection slots are running out. Each GitMesh service replica holds its own pool.',
          checks: ['Grafana → "PostgreSQL": connections by state; many `idle in transaction` means a stuck client.', "`SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3;`"],
          fixes: ['Restart the service holding idle connections.', 'Lower replicas, or raise max_connections together with memory.'],
        },
      },
      {
        alert: 'PostgresDeadlocks',
        expr: `increase(pg_stat_database_deadlocks{datname="${DB_NAME}"}[10m]) > 0`,
        severity: 'warning',
        summary: 'Deadlocks in the GitMesh database',
        description: 'PostgreSQL on {{ $labels.instance }} detected deadlocks in the last 10 minutes.',
        runbook: {
          meaning: 'Two transactions waited on each other; PostgreSQL aborted one. The application may have retried or failed a job.',
          checks: ['`docker compose logs postgres | grep -A5 deadlock`: the statements involved.'],
          fixes: ['Occasional deadlocks are harmless. A steady rate points at concurrent workers updating the same rows: report it upstream with the statements.'],
        },
      },
    ];
    if (view.postgresReplica) {
      rules.push({
        alert: 'PostgresReplicationLag',
        expr: 'pg_replication_is_replica == 1 and pg_replication_lag_seconds > 300',
        for: '10m',
        severity: 'critical',
        summary: 'PostgreSQL replica {{ $labels.instance }} lags by more than 5 minutes',
        description: 'The hot standby {{ $labels.instance }} has replayed nothing newer than 5 minutes for 10 minutes; reads from DB_READ_HOST are stale.',
        runbook: {
          meaning: 'The streaming replica is behind the primary (or disconnected), so reads routed to it return old data.',
          checks: ['On the primary: `SELECT client_addr, state, replay_lag FROM pg_stat_replication;` (no row = disconnected).', '`docker compose logs --tail=200 postgres-replica`.'],
          fixes: ['Restart postgres-replica. If the primary removed the WAL it needs, rebuild the replica from a fresh base backup (empty its volume and restart).'],
        },
      });
    }
    groups.push({ name: 'postgres', rules });
  }

  if (view.redis) {
    groups.push({
      name: 'redis',
      rules: [
        {
          alert: 'RedisDown',
          expr: 'redis_up == 0',
          for: '2m',
          severity: 'critical',
          summary: 'Redis is not answering',
          description: 'redis_exporter cannot reach Redis for 2 minutes.',
          runbook: {
            meaning: 'Redis is down or rejects the password; caches, locks and rate limits fail.',
            checks: ['`docker compose ps redis` and its logs.', 'The password in secrets/redis_password matches secrets/redis_users_acl.'],
            fixes: ['Restart Redis; regenerate the ACL file with `make secrets` if it is missing.'],
          },
        },
        {
          alert: 'RedisMemoryNearLimit',
          expr: 'redis_memory_used_bytes / redis_memory_max_bytes > 0.9 and redis_memory_max_bytes > 0',
          for: '10m',
          severity: 'warning',
          summary: 'Redis uses more than 90% of maxmemory',
          description: 'Redis on {{ $labels.instance }} has used more than 90% of maxmemory for 10 minutes; keys will be evicted or writes refused.',
          runbook: {
            meaning: 'Redis is close to its configured maxmemory.',
            checks: ['`redis-cli info memory` and `redis-cli --bigkeys` inside the container.'],
            fixes: ['Raise the memory through the size profile, or clear stale keys.'],
          },
        },
        {
          alert: 'RedisRejectedConnections',
          expr: 'increase(redis_rejected_connections_total[10m]) > 0',
            severity: 'warning',
          summary: 'Redis rejected client connections',
          description: 'Redis on {{ $labels.instance }} rejected connections in the last 10 minutes (maxclients reached).',
          runbook: {
            meaning: 'Clients could not connect because maxclients was reached.',
            checks: ['`redis-cli info clients`: connected_clients against maxclients.'],
            fixes: ['Restart the service that leaks connections; raise maxclients if the load is legitimate.'],
          },
        },
      ],
    });
  }

  if (view.opensearch) {
    groups.push({
      name: 'opensearch',
      rules: [
        {
          alert: 'OpenSearchClusterNotGreen',
          expr: 'elasticsearch_cluster_health_status{color="green"} == 0',
          for: '15m',
          severity: 'warning',
          family: 'opensearch-cluster-health',
          summary: 'OpenSearch cluster is not green',
          description: 'The OpenSearch cluster has not been green for 15 minutes: some shards are unassigned.',
          runbook: {
            meaning: 'Yellow: replica shards are unassigned (expected on a single node with replicas > 0). Red: primary shards are missing and searches fail.',
            checks: ['`curl -s http://127.0.0.1:9200/_cluster/health?pretty` inside an OpenSearch container.', '`GET _cluster/allocation/explain` for the reason.'],
            fixes: ['Disk watermarks: free disk space.', 'A node left: restart it.', 'Single node: set index replicas to 0.'],
          },
        },
        {
          alert: 'OpenSearchClusterRed',
          expr: 'elasticsearch_cluster_health_status{color="red"} == 1',
          for: '5m',
          severity: 'critical',
          family: 'opensearch-cluster-health',
          summary: 'OpenSearch cluster is red',
          description: 'Primary shards are unassigned: searches and indexing fail.',
          runbook: {
            meaning: 'Part of the data is unavailable.',
            checks: ['The checks of OpenSearchClusterNotGreen.'],
            fixes: ['Bring back the missing node, or restore the affected indexes from the snapshot repository (docs/backup.md), then re-sync with search-sync-worker.'],
          },
        },
      ],
    });
  }
  return groups;
}
