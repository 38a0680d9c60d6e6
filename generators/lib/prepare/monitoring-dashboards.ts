/**
 * Grafana dashboards as data: one typed description per dashboard, serialised to JSON for
 * config/grafana/dashboards/. Every panel names its datasource by the fixed UIDs the provisioning
 * file creates, so a dashboard never depends on a datasource picked by name at import time.
 */
import { DB_NAME } from './wiring.js';
import type { MonitoringView } from './monitoring-view.js';

export interface Target {
  readonly expr: string;
  readonly legend: string;
  /** Loki (LogQL) targets are not PromQL. */
  readonly loki?: boolean;
}

export interface Panel {
  readonly title: string;
  readonly type: 'timeseries' | 'stat' | 'logs';
  readonly unit: string;
  readonly targets: readonly Target[];
  readonly width?: number;
}

export interface Dashboard {
  readonly uid: string;
  readonly file: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly panels: readonly Panel[];
}

const ts = (title: string, unit: string, targets: Target[], width = 12): Panel => ({ title, type: 'timeseries', unit, targets, width });
const stat = (title: string, unit: string, expr: string, width = 6): Panel => ({ title, type: 'stat', unit, targets: [{ expr, legend: title }], width });
const t = (expr: string, legend: string): Target => ({ expr, legend });

export function dashboards(view: MonitoringView): Dashboard[] {
  const list: Dashboard[] = [];
  const fs = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs"';
  list.push({
    uid: 'gitmesh-host',
    file: 'host.json',
    title: 'Host',
    tags: ['gitmesh', 'host'],
    panels: [
      stat('CPU busy', 'percentunit', '1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))'),
      stat('Memory available', 'percentunit', 'node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes'),
      stat('Root filesystem free', 'percentunit', 'node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"}'),
      stat('Uptime', 's', 'time() - node_boot_time_seconds'),
      ts('CPU by mode', 'percentunit', [t('sum by (mode) (rate(node_cpu_seconds_total{mode!="idle"}[5m])) / scalar(count(node_cpu_seconds_total{mode="idle"}))', '{{mode}}')]),
      ts('Load average', 'short', [t('node_load1', '1m'), t('node_load5', '5m'), t('node_load15', '15m')]),
      ts('Memory', 'bytes', [t('node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes', 'used'), t('node_memory_MemAvailable_bytes', 'available')]),
      ts('Filesystem free', 'percentunit', [t(`node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}}`, '{{mountpoint}}')]),
      ts('Disk I/O', 'Bps', [t('sum by (device) (rate(node_disk_read_bytes_total[5m]))', 'read {{device}}'), t('sum by (device) (rate(node_disk_written_bytes_total[5m]))', 'write {{device}}')]),
      ts('OOM kills', 'short', [t('increase(node_vmstat_oom_kill[5m])', 'OOM kills')]),
    ],
  });
  list.push({
    uid: 'gitmesh-containers',
    file: 'containers.json',
    title: 'Containers',
    tags: ['gitmesh', 'containers'],
    panels: [
      stat('Running containers', 'short', 'count(container_last_seen{name!=""})'),
      stat('Unhealthy containers', 'short', 'sum(gitmesh_container_unhealthy) or vector(0)'),
      stat('Restarts (1h)', 'short', 'sum(changes(container_start_time_seconds{name!=""}[1h]))'),
      stat('OOM events (1h)', 'short', 'sum(increase(container_oom_events_total{name!=""}[1h])) or vector(0)'),
      ts('CPU by container', 'percentunit', [t('sum by (name) (rate(container_cpu_usage_seconds_total{name!=""}[5m]))', '{{name}}')]),
      ts('Memory working set', 'bytes', [t('sum by (name) (container_memory_working_set_bytes{name!=""})', '{{name}}')]),
      ts('Memory against limit', 'percentunit', [t('container_memory_working_set_bytes{name!=""} / (container_spec_memory_limit_bytes{name!=""} > 0)', '{{name}}')]),
      ts('Network received', 'Bps', [t('sum by (name) (rate(container_network_receive_bytes_total{name!=""}[5m]))', '{{name}}')]),
    ],
  });
  if (view.edge) {
    const req = 'promtail_custom_nginx_http_requests_total';
    list.push({
      uid: 'gitmesh-edge',
      file: 'edge.json',
      title: 'Edge (nginx)',
      tags: ['gitmesh', 'edge'],
      panels: [
        stat('Requests/s', 'reqps', `sum(rate(${req}[5m]))`),
        stat('5xx ratio', 'percentunit', `sum(rate(${req}{status=~"5.."}[5m])) / sum(rate(${req}[5m]))`),
        stat('p95 latency', 's', 'histogram_quantile(0.95, sum by (le) (rate(promtail_custom_nginx_http_request_duration_seconds_bucket[5m])))'),
        stat('Active connections', 'short', 'nginx_connections_active'),
        ts('Requests by status', 'reqps', [t(`sum by (status) (rate(${req}[5m]))`, '{{status}}')]),
        ts('Requests by route', 'reqps', [t(`sum by (route) (rate(${req}[5m]))`, '{{route}}')]),
        ts('Latency percentiles', 's', [
          t('histogram_quantile(0.5, sum by (le) (rate(promtail_custom_nginx_http_request_duration_seconds_bucket[5m])))', 'p50'),
          t('histogram_quantile(0.95, sum by (le) (rate(promtail_custom_nginx_http_request_duration_seconds_bucket[5m])))', 'p95'),
          t('histogram_quantile(0.99, sum by (le) (rate(promtail_custom_nginx_http_request_duration_seconds_bucket[5m])))', 'p99'),
        ]),
        ts('Connections', 'short', [t('nginx_connections_active', 'active'), t('nginx_connections_reading', 'reading'), t('nginx_connections_writing', 'writing'), t('nginx_connections_waiting', 'waiting')]),
        ts('Probe success', 'short', [t('probe_success{job="blackbox-https"}', '{{instance}}')]),
        ts('Certificate days left', 'd', [t('(probe_ssl_earliest_cert_expiry{job="blackbox-https"} - time()) / 86400', '{{instance}}')]),
        { title: 'Edge 5xx log lines', type: 'logs', unit: 'short', width: 24, targets: [{ expr: `{service="${view.edge.service}"} | json | status >= 500`, legend: '', loki: true }] },
      ],
    });
  }
  if (view.postgres) {
    list.push({
      uid: 'gitmesh-postgres',
      file: 'postgres.json',
      title: 'PostgreSQL',
      tags: ['gitmesh', 'postgres'],
      panels: [
        stat('Up', 'short', 'min(pg_up)'),
        stat('Connections used', 'percentunit', 'max(sum by (instance) (pg_stat_activity_count) / on (instance) max by (instance) (pg_settings_max_connections))'),
        stat('Database size', 'bytes', `pg_database_size_bytes{datname="${DB_NAME}"}`),
        stat('Deadlocks (1h)', 'short', `sum(increase(pg_stat_database_deadlocks{datname="${DB_NAME}"}[1h]))`),
        ts('Connections by state', 'short', [t('sum by (instance, state) (pg_stat_activity_count)', '{{instance}} {{state}}')]),
        ts('Transactions', 'ops', [t(`rate(pg_stat_database_xact_commit{datname="${DB_NAME}"}[5m])`, 'commit {{instance}}'), t(`rate(pg_stat_database_xact_rollback{datname="${DB_NAME}"}[5m])`, 'rollback {{instance}}')]),
        ts('Rows', 'ops', [t(`rate(pg_stat_database_tup_fetched{datname="${DB_NAME}"}[5m])`, 'fetched'), t(`rate(pg_stat_database_tup_inserted{datname="${DB_NAME}"}[5m])`, 'inserted'), t(`rate(pg_stat_database_tup_updated{datname="${DB_NAME}"}[5m])`, 'updated')]),
        ts('Cache hit ratio', 'percentunit', [
          t(`rate(pg_stat_database_blks_hit{datname="${DB_NAME}"}[5m]) / (rate(pg_stat_database_blks_hit{datname="${DB_NAME}"}[5m]) + rate(pg_stat_database_blks_read{datname="${DB_NAME}"}[5m]))`, '{{instance}}'),
        ]),
        ...(view.postgresReplica ? [ts('Replication lag', 's', [t('pg_replication_lag_seconds and pg_replication_is_replica == 1', '{{instance}}')])] : []),
      ],
    });
  }
  if (view.redis) {
    list.push({
      uid: 'gitmesh-redis',
      file: 'redis.json',
      title: 'Redis',
      tags: ['gitmesh', 'redis'],
      panels: [
        stat('Up', 'short', 'min(redis_up)'),
        stat('Memory used of max', 'percentunit', 'redis_memory_used_bytes / (redis_memory_max_bytes > 0)'),
        stat('Clients', 'short', 'redis_connected_clients'),
        stat('Rejected connections (1h)', 'short', 'increase(redis_rejected_connections_total[1h])'),
        ts('Commands/s', 'ops', [t('rate(redis_commands_processed_total[5m])', 'commands')]),
        ts('Memory', 'bytes', [t('redis_memory_used_bytes', 'used'), t('redis_memory_max_bytes', 'max')]),
        ts('Hit ratio', 'percentunit', [t('rate(redis_keyspace_hits_total[5m]) / (rate(redis_keyspace_hits_total[5m]) + rate(redis_keyspace_misses_total[5m]))', 'hits')]),
        ts('Evicted and expired keys', 'ops', [t('rate(redis_evicted_keys_total[5m])', 'evicted'), t('rate(redis_expired_keys_total[5m])', 'expired')]),
      ],
    });
  }
  if (view.opensearch) {
    list.push({
      uid: 'gitmesh-opensearch',
      file: 'opensearch.json',
      title: 'OpenSearch',
      tags: ['gitmesh', 'opensearch'],
      panels: [
        stat('Cluster green', 'short', 'max(elasticsearch_cluster_health_status{color="green"})'),
        stat('Nodes', 'short', 'max(elasticsearch_cluster_health_number_of_nodes)'),
        stat('Unassigned shards', 'short', 'max(elasticsearch_cluster_health_unassigned_shards)'),
        stat('Documents', 'short', 'sum(elasticsearch_indices_docs)'),
        ts('JVM heap used', 'percentunit', [t('elasticsearch_jvm_memory_used_bytes{area="heap"} / elasticsearch_jvm_memory_max_bytes{area="heap"}', '{{name}}')]),
        ts('Search and index rate', 'ops', [t('sum(rate(elasticsearch_indices_search_query_total[5m]))', 'queries'), t('sum(rate(elasticsearch_indices_indexing_index_total[5m]))', 'indexed')]),
        ts('Disk free', 'percentunit', [t('elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes', '{{name}}')]),
      ],
    });
  }
  const b = view.backup;
  list.push({
    uid: 'gitmesh-backups',
    file: 'backups.json',
    title: 'Backups',
    tags: ['gitmesh', 'backup'],
    panels: [
      stat('Hours since last successful backup', 'h', `(time() - ${b.lastSuccess}) / 3600`),
      stat('Last backup succeeded', 'short', b.lastStatus),
      stat('Last restore drill succeeded', 'short', b.restoreDrillLastStatus),
      ts('Age of newest backup', 'h', [t(`(time() - ${b.lastSuccess}) / 3600`, 'age')], 24),
    ],
  });
  // Service names are slugs (checked when answered): safe inside a regex without escaping.
  const apps = view.appServices.join('|') || 'none';
  list.push({
    uid: 'gitmesh-services',
    file: 'services.json',
    title: 'GitMesh services overview',
    tags: ['gitmesh', 'services'],
    panels: [
      stat('Unhealthy GitMesh services', 'short', `sum(gitmesh_container_unhealthy{service=~"${apps}"}) or vector(0)`),
      stat('Restarts (1h)', 'short', `sum(changes(container_start_time_seconds{container_label_com_docker_compose_service=~"${apps}"}[1h])) or vector(0)`),
      stat('Endpoints up', 'percentunit', 'avg(probe_success{job="blackbox-https"})'),
      stat('Spans received/s', 'ops', 'sum(rate(otelcol_receiver_accepted_spans_total[5m])) or vector(0)'),
      ts('CPU by service', 'percentunit', [t(`sum by (container_label_com_docker_compose_service) (rate(container_cpu_usage_seconds_total{container_label_com_docker_compose_service=~"${apps}"}[5m]))`, '{{container_label_com_docker_compose_service}}')]),
      ts('Memory by service', 'bytes', [t(`sum by (container_label_com_docker_compose_service) (container_memory_working_set_bytes{container_label_com_docker_compose_service=~"${apps}"})`, '{{container_label_com_docker_compose_service}}')]),
      ts('Health (1 = unhealthy)', 'short', [t(`gitmesh_container_unhealthy{service=~"${apps}"}`, '{{service}}')]),
      { title: 'Error log lines by service', type: 'timeseries', unit: 'short', width: 12, targets: [{ expr: `sum by (service) (count_over_time({service=~"${apps}"} |~ "(?i)\\\\berror\\\\b" [5m]))`, legend: '{{service}}', loki: true }] },
      { title: 'Recent errors', type: 'logs', unit: 'short', width: 24, targets: [{ expr: `{service=~"${apps}"} |~ "(?i)\\\\berror\\\\b"`, legend: '', loki: true }] },
    ],
  });
  return list;
}

/** Grafana dashboard JSON (schemaVersion 39) for one description. */
export function dashboardJson(dashboard: Dashboard, uids: { readonly prometheus: string; readonly loki: string }): string {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = dashboard.panels.map((panel, index) => {
    const w = panel.width ?? 12;
    const h = panel.type === 'stat' ? 4 : 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    const loki = panel.targets.some((target) => target.loki);
    const datasource = { type: loki ? 'loki' : 'prometheus', uid: loki ? uids.loki : uids.prometheus };
    return {
      id: index + 1,
      type: panel.type,
      title: panel.title,
      datasource,
      gridPos,
      ...(panel.type === 'logs'
        ? { options: { showTime: true, wrapLogMessage: true, sortOrder: 'Descending' } }
        : { fieldConfig: { defaults: { unit: panel.unit }, overrides: [] }, options: panel.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' } : { legend: { displayMode: 'list', placement: 'bottom' } } }),
      targets: panel.targets.map((target, i) => ({ refId: String.fromCharCode(65 + i), datasource, expr: target.expr, legendFormat: target.legend })),
    };
  });
  return JSON.stringify(
    {
      uid: dashboard.uid,
      title: dashboard.title,
      tags: dashboard.tags,
      editable: true,
      schemaVersion: 39,
      version: 1,
      time: { from: 'now-6h', to: 'now' },
      refresh: '1m',
      timezone: 'utc',
      templating: { list: [] },
      annotations: { list: [] },
      panels,
    },
    null,
    2,
  );
}
