/**
 * Alerts about the platform itself: scrape targets and public endpoints, the host, and containers.
 */
import type { DeploymentModel } from '../model.js';
import { DC, type AlertGroup } from './monitoring-alert-rule.js';
import type { MonitoringView } from './monitoring-view.js';

const FS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs"';

export function platformAlerts(_model: DeploymentModel, view: MonitoringView): AlertGroup[] {
  const groups: AlertGroup[] = [];
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
            `\`${DC} ps\`: is the exporter container running and healthy?`,
            `\`${DC} logs --tail=100 <service>\` for the exporter and for the service it watches.`,
          ],
          fixes: [
            `Restart the exporter: \`${DC} up --detach <service>\`.`,
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
        family: 'tls-certificate-expiry',
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
        family: 'tls-certificate-expiry',
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
        family: 'host-disk-space',
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
        family: 'host-disk-space',
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
          checks: [`\`${DC} logs container-health docker-socket-proxy\`.`],
          fixes: [`\`${DC} up --detach container-health docker-socket-proxy\`.`],
        },
      },
    ],
  });
  return groups;
}
