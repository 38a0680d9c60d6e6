/**
 * Alert rules and their runbooks, from one table: each rule carries its runbook (meaning, first checks,
 * fixes), so docs/runbooks.md always has a heading for every `runbook_url`.
 * Annotations only template `$labels` (never `$value`) so the rule unit tests can state them exactly.
 */
import { pitrAlertRules } from './backup/pitr-alerts.js';
import { cronFields } from '../checks.js';
import type { DeploymentModel } from '../model.js';
import type { MonitoringView } from './monitoring.js';
import { DB_NAME } from './wiring.js';

export type Severity = 'critical' | 'warning';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  readonly runbook: { readonly meaning: string; readonly checks: readonly string[]; readonly fixes: readonly string[] };
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** GitHub's heading anchor for a plain-word heading (the alert name). */
export const runbookAnchor = (alert: string): string => alert.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
export const RUNBOOK_DOC = 'docs/runbooks.md';
export const runbookUrl = (alert: string): string => `${RUNBOOK_DOC}#${runbookAnchor(alert)}`;

const FS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs"';

/** How old the newest successful backup may get: the schedule's period plus slack. */
export function backupMaxAgeHours(schedule: string): number {
  const [, , dom = '*', , dow = '*'] = cronFields(schedule);
  // A schedule restricted by day of month/week runs at most weekly-ish: allow 8 days.
  return dom === '*' && dow === '*' ? 26 : 8 * 24;
}

export function alertGroups(model: DeploymentModel, view: MonitoringView): AlertGroup[] {
  const groups: AlertGroup[] = [];
  const dc = 'docker compose -f compose.yaml -f compose.monitoring.yaml';

  groups.push({
    name: 'availability',
    rules: [
      {
        alert: 'TargetDown',
        expr: 'up == 0',
        for: '5m',
        severity: 'critical',
        summary: 'Scrape target {{ $labels.job }} ({{ $labels.instance }}) is down',
        description: 'Prometheus could not scrape {{ $labels.instance }} of job {{ $labels.job }} for 5 minutes: the exporter or the service behind it is not running or not reachable.',
        runbook: {
          meaning: 'Prometheus has failed every scrape of one target for five minutes. Metrics and alerts that depend on that target are blind until it is back.',
          checks: [
            'Open Prometheus → Status → Targets (`http://127.0.0.1:9090/targets`) and read the error next to the target.',
            `\`${dc} ps\`: is the exporter container running and healthy?`,
            `\`${dc} logs --tail=100 <service>\` for the exporter and for the service it watches.`,
          ],
          fixes: [
            `Restart the exporter: \`${dc} up --detach <service>\`.`,
            'If the watched service is down, follow its own alert (PostgresDown, RedisDown, ...).',
            'A scrape timeout on a busy host: raise `scrape_timeout` for that job in `config/prometheus/prometheus.yml`, then `make monitoring-reload`.',
          ],
        },
      },
      {
        alert: 'EndpointDown',
        expr: 'probe_success{job="blackbox-https"} == 0',
        for: '5m',
        severity: 'critical',
        summary: 'Public endpoint {{ $labels.instance }} is failing',
        description: 'The blackbox HTTPS probe of {{ $labels.instance }} has failed for 5 minutes (connection, TLS or non-2xx answer).',
        runbook: {
          meaning: 'Users cannot reach this public URL: DNS, TLS, the edge proxy or the upstream service behind the route is failing.',
          checks: [
            'Run the probe by hand: `curl -sv <url>` from the host and from outside.',
            'Grafana → "Edge (nginx)" dashboard: 5xx ratio and request rate.',
            '`docker compose ps`: is the edge healthy, and the service behind the route?',
          ],
          fixes: ['Restart the failing upstream service; see its logs first.', 'TLS errors: see TLSCertificateExpiringSoon.', 'DNS errors: check the A/AAAA records of the host name.'],
        },
      },
      {
        alert: 'TLSCertificateExpiringSoon',
        expr: 'probe_ssl_earliest_cert_expiry{job="blackbox-https"} - time() < 14 * 86400',
        for: '10m',
        severity: 'warning',
        summary: 'TLS certificate of {{ $labels.instance }} expires in less than 14 days',
        description: 'The certificate served for {{ $labels.instance }} expires within 14 days and has not been renewed.',
        runbook: {
          meaning: 'The certificate the edge serves will expire soon. Renewal should have happened about 30 days before expiry.',
          checks: [
            'Expiry date: `echo | openssl s_client -connect <host>:443 -servername <host> 2>/dev/null | openssl x509 -noout -enddate`.',
            "Let's Encrypt: `docker compose logs certbot` for renewal errors (challenge failed, rate limit).",
            'Provided certificates: the files at the configured host paths are the ones nginx serves.',
          ],
          fixes: [
            "Let's Encrypt: fix the cause in the certbot logs, run the renewal, then reload the edge.",
            'Provided: install the renewed chain and key at the same paths and reload the edge.',
          ],
        },
      },
      {
        alert: 'TLSCertificateExpiryCritical',
        expr: 'probe_ssl_earliest_cert_expiry{job="blackbox-https"} - time() < 3 * 86400',
        for: '10m',
        severity: 'critical',
        summary: 'TLS certificate of {{ $labels.instance }} expires in less than 3 days',
        description: 'The certificate served for {{ $labels.instance }} expires within 3 days: browsers will reject the site once it does.',
        runbook: {
          meaning: 'Same as TLSCertificateExpiringSoon, with no slack left.',
          checks: ['The checks of TLSCertificateExpiringSoon.'],
          fixes: ['Renew now (see TLSCertificateExpiringSoon). As a stop-gap, switch to a certificate you can issue immediately.'],
        },
      },
    ],
  });

  groups.push({
    name: 'host',
    rules: [
      {
        alert: 'HostHighCpuLoad',
        expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.9',
        for: '15m',
        severity: 'warning',
        summary: 'Host CPU above 90% for 15 minutes',
        description: 'CPU on {{ $labels.instance }} has been more than 90% busy for 15 minutes.',
        runbook: {
          meaning: 'The host is CPU-saturated: latency rises and health checks may time out.',
          checks: ['Grafana → "Containers" dashboard: which container uses the CPU?', '`docker stats --no-stream` on the host.', 'Did a deploy, a backup or a re-index just start?'],
          fixes: ['Stop or reschedule the heavy one-off job.', 'Lower the replicas of a busy worker, or move to a larger size profile.'],
        },
      },
      {
        alert: 'HostLowMemory',
        expr: 'node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1',
        for: '10m',
        severity: 'warning',
        summary: 'Host memory available below 10%',
        description: 'Less than 10% of memory on {{ $labels.instance }} has been available for 10 minutes; the kernel may start OOM-killing.',
        runbook: {
          meaning: 'The host is close to running out of memory.',
          checks: ['Grafana → "Containers": memory working set per container.', '`free -m` and `docker stats --no-stream` on the host.'],
          fixes: ['Restart a container whose memory keeps growing (a leak) and report it.', 'Lower limits or replicas, or move to a larger size profile.'],
        },
      },
      {
        alert: 'HostDiskFillingUp',
        expr: `(node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.25) and predict_linear(node_filesystem_avail_bytes{${FS}}[6h], 24 * 3600) < 0`,
        for: '30m',
        severity: 'warning',
        summary: 'Filesystem {{ $labels.mountpoint }} will be full within 24 hours',
        description: 'At the rate of the last 6 hours, {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} runs out of space within 24 hours; less than 25% is left.',
        runbook: {
          meaning: 'A filesystem is filling up fast enough to be full within a day.',
          checks: ['`df -h` and `docker system df` on the host.', '`du -xsh /var/lib/docker/volumes/* | sort -h | tail`: which volume grows?', 'Backups: is the local backup directory pruned?'],
          fixes: [
            'Prune unused images: `docker image prune -a --filter until=168h`.',
            'Lower Prometheus/Loki retention in the generator answers (size profile) or grow the disk.',
            'Move old backup sets off the host.',
          ],
        },
      },
      {
        alert: 'HostDiskAlmostFull',
        expr: `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.1`,
        for: '5m',
        severity: 'critical',
        summary: 'Filesystem {{ $labels.mountpoint }} has less than 10% free',
        description: '{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has less than 10% space left.',
        runbook: {
          meaning: 'A filesystem is nearly full. PostgreSQL, Redis and OpenSearch stop writing when it is.',
          checks: ['The checks of HostDiskFillingUp.'],
          fixes: ['The fixes of HostDiskFillingUp, now.', 'OpenSearch turns indexes read-only at its flood-stage watermark: clear the block once space is back.'],
        },
      },
      {
        alert: 'HostOomKill',
        expr: 'increase(node_vmstat_oom_kill[10m]) > 0',
        for: '0m',
        severity: 'warning',
        summary: 'The kernel OOM-killed a process on {{ $labels.instance }}',
        description: 'The kernel OOM killer ran on {{ $labels.instance }} in the last 10 minutes.',
        runbook: {
          meaning: 'A process was killed because a memory limit (a container limit or the host) was reached.',
          checks: ['`journalctl -k | grep -i oom` on the host: which process?', 'ContainerOomKilled and ContainerRestarting alerts for the same time.'],
          fixes: ['Raise the memory limit of that service (size profile) or fix its memory growth.'],
        },
      },
    ],
  });

  groups.push({
    name: 'containers',
    rules: [
      {
        alert: 'ContainerRestarting',
        expr: 'changes(container_start_time_seconds{name!=""}[15m]) > 2',
        for: '0m',
        severity: 'warning',
        summary: 'Container {{ $labels.name }} restarted more than twice in 15 minutes',
        description: 'Container {{ $labels.name }} is restarting repeatedly (crash loop).',
        runbook: {
          meaning: 'A container keeps exiting and Docker keeps restarting it.',
          checks: ['`docker compose logs --tail=200 <service>`: the last lines before each exit.', '`docker inspect <container> --format "{{.State.ExitCode}} {{.State.OOMKilled}}"`.'],
          fixes: ['Exit code 137 with OOMKilled=true: see ContainerOomKilled.', 'Configuration or dependency errors: fix .env/secrets, then `docker compose up -d <service>`.', 'A bad release: roll back to the previous GITMESH_IMAGE_TAG.'],
        },
      },
      {
        alert: 'ContainerOomKilled',
        expr: 'increase(container_oom_events_total{name!=""}[10m]) > 0',
        for: '0m',
        severity: 'warning',
        summary: 'Container {{ $labels.name }} was OOM-killed',
        description: 'Container {{ $labels.name }} hit its memory limit and was killed in the last 10 minutes.',
        runbook: {
          meaning: 'The container used more memory than its limit.',
          checks: ['Grafana → "Containers": memory of the container against its limit before the kill.'],
          fixes: ['Raise its limit (size profile) if the usage is legitimate, or find the leak.'],
        },
      },
      {
        alert: 'ContainerMemoryNearLimit',
        expr: 'container_memory_working_set_bytes{name!=""} / container_spec_memory_limit_bytes{name!=""} > 0.9 and container_spec_memory_limit_bytes{name!=""} > 0',
        for: '15m',
        severity: 'warning',
        summary: 'Container {{ $labels.name }} uses more than 90% of its memory limit',
        description: 'Container {{ $labels.name }} has used more than 90% of its memory limit for 15 minutes; an OOM kill is likely.',
        runbook: {
          meaning: 'A container is close to its memory limit.',
          checks: ['Grafana → "Containers": is the usage flat (limit too low) or growing (leak)?'],
          fixes: ['Raise the limit via the size profile, or restart the container and report the leak.'],
        },
      },
      {
        alert: 'ContainerUnhealthy',
        expr: 'gitmesh_container_unhealthy == 1',
        for: '10m',
        severity: 'critical',
        summary: 'Container {{ $labels.container }} ({{ $labels.service }}) is unhealthy',
        description: 'Docker has reported {{ $labels.container }} of service {{ $labels.service }} unhealthy for 10 minutes.',
        runbook: {
          meaning: 'The container runs but its healthcheck fails. docs/services.md says what each healthcheck proves.',
          checks: ['`docker inspect <container> --format "{{json .State.Health}}"`: the last probe outputs.', '`docker compose logs --tail=200 <service>`.'],
          fixes: ['Fix the dependency the check reports (database, Redis, OpenSearch), then `docker compose restart <service>`.'],
        },
      },
      {
        alert: 'ContainerHealthCollectorStale',
        expr: 'time() - gitmesh_container_health_last_run_timestamp_seconds > 300',
        for: '5m',
        severity: 'warning',
        summary: 'Container health metrics are stale',
        description: 'The container-health collector has not refreshed its metrics for more than 5 minutes: ContainerUnhealthy cannot fire.',
        runbook: {
          meaning: 'The collector that turns Docker health status into metrics stopped.',
          checks: [`\`${dc} logs container-health docker-socket-proxy\`.`],
          fixes: [`\`${dc} up --detach container-health docker-socket-proxy\`.`],
        },
      },
    ],
  });

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
        for: '0m',
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
          for: '0m',
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

  const b = view.backup;
  const maxAge = backupMaxAgeHours(model.answers.backupSchedule);
  groups.push({
    name: 'backup',
    rules: [
      {
        alert: 'BackupTooOld',
        expr: `time() - ${b.lastSuccess} > ${maxAge} * 3600`,
        for: '15m',
        severity: 'critical',
        summary: `The newest successful backup is older than ${maxAge} hours`,
        description: `No backup has succeeded for more than ${maxAge} hours (schedule: ${model.answers.backupSchedule}).`,
        runbook: {
          meaning: 'Backups stopped succeeding: a disaster now would lose more data than the schedule promises.',
          checks: ['`docker compose logs --tail=200 backup` (or the backup timer\'s journal).', 'Disk space on the backup target.', 'BackupFailed alerts.'],
          fixes: ['Fix the cause and run a backup now (see docs/backup.md).'],
        },
      },
      {
        alert: 'BackupMetricsMissing',
        expr: `absent(${b.lastSuccess})`,
        for: `${maxAge}h`,
        severity: 'warning',
        summary: 'No backup metrics reported',
        description: `The backup job has not written ${b.lastSuccess} for ${maxAge} hours: either no backup has ever run, or its metrics do not reach node-exporter.`,
        runbook: {
          meaning: 'Backup monitoring is blind.',
          checks: [`The backup job writes into the \`${b.volume}\` volume; node-exporter reads it at /textfile/backup.`, '`curl -s http://127.0.0.1:9100/metrics | grep gitmesh_backup` inside the monitoring network.'],
          fixes: ['Run a backup by hand and check the metrics appear.'],
        },
      },
      {
        alert: 'BackupFailed',
        expr: `${b.lastStatus} == 0`,
        for: '0m',
        severity: 'critical',
        summary: 'The last backup run failed',
        description: 'The most recent backup run reported failure.',
        runbook: {
          meaning: 'The last backup did not complete.',
          checks: ['Backup job logs for the failing step (database dump, OpenSearch snapshot, upload, encryption).'],
          fixes: ['Fix the failing step and run a backup by hand (docs/backup.md).'],
        },
      },
      {
        alert: 'RestoreDrillFailed',
        expr: `${b.restoreDrillLastStatus} == 0`,
        for: '0m',
        severity: 'critical',
        summary: 'The last restore drill failed',
        description: 'Restoring the newest backup into a scratch database failed: the backups may not be restorable.',
        runbook: {
          meaning: 'A backup that cannot be restored is not a backup.',
          checks: ['Restore drill logs: which step failed (download, decrypt, pg_restore, checks)?'],
          fixes: ['Fix the cause, take a fresh backup and run the drill again (docs/backup.md).'],
        },
      },
      // PITR (Barman): WAL lag, receiver, slot, failed/old base backup, stale archive (issue 16).
      ...pitrAlertRules(model),
    ],
  });

  groups.push({
    name: 'monitoring',
    rules: [
      {
        alert: 'AlertmanagerNotificationsFailing',
        expr: 'rate(alertmanager_notifications_failed_total[15m]) > 0',
        for: '15m',
        severity: 'critical',
        summary: 'Alertmanager cannot deliver {{ $labels.integration }} notifications',
        description: 'Notifications through {{ $labels.integration }} have been failing for 15 minutes: alerts are not reaching anyone.',
        runbook: {
          meaning: 'Alerts fire but nobody is told.',
          checks: [`\`${dc} logs --tail=100 alertmanager\`: the receiver's error.`, 'secrets/alertmanager_slack_webhook_url holds a valid webhook URL.'],
          fixes: ['Paste a working webhook URL into the secret file, then `make monitoring-reload`.'],
        },
      },
      {
        alert: 'OtelCollectorExportFailing',
        expr: 'rate(otelcol_exporter_send_failed_spans_total[10m]) > 0',
        for: '10m',
        severity: 'warning',
        summary: 'The OpenTelemetry Collector cannot export spans',
        description: 'The collector has failed to send spans to {{ $labels.exporter }} for 10 minutes; traces are being lost.',
        runbook: {
          meaning: 'Tracing is degraded; the application is not affected.',
          checks: [`\`${dc} logs --tail=100 otel-collector tempo\`.`],
          fixes: ['Restart Tempo; check its disk (tempo-data volume).'],
        },
      },
    ],
  });
  return groups;
}
