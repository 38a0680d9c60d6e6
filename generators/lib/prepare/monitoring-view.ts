/**
 * Monitoring view: everything the monitoring templates and services print, decided once from the final
 * model (scrape jobs, probe targets, retention, which exporters run). Alert rules (monitoring-alerts.ts),
 * dashboards (monitoring-dashboards.ts) and compose services (monitoring-services.ts) read this view.
 */
import type { ComposeService, DeploymentModel } from '../model.js';
import type { SizeProfile } from '../sizing.js';
import { BACKUP_METRICS, BACKUP_METRICS_VOLUME } from './backup.js';
import { EDGE_ACCESS_LOG_FIELDS, EDGE_STUB_STATUS } from './edge/index.js';
import { QUEUE_EXPORTER, watchedQueues, type QueueWatch } from './monitoring-queues.js';

// --------------------------------------------------------------------------------------------- contracts
//
// The edge and backup concerns own these facts and export them; this stack reads them from there, so a
// renamed field, port or metric cannot silently break a scrape job, a log parser or an alert.

/** The backup job's node-exporter textfile metrics (gitmesh_backup_*), as alerts and dashboards use them. */
export const BACKUP_METRICS_VIEW = {
  volume: BACKUP_METRICS_VOLUME,
  lastSuccess: BACKUP_METRICS.lastSuccess,
  lastStatus: BACKUP_METRICS.lastStatus,
  restoreDrillLastStatus: BACKUP_METRICS.verifyLastStatus,
  restoreDrillLastSuccess: BACKUP_METRICS.verifyLastSuccess,
} as const;

// --------------------------------------------------------------------------------------------- view

export const UI_PORTS = { grafana: 3000, prometheus: 9090, alertmanager: 9093 } as const;

/** Alloy's HTTP server (metrics, /-/ready); it listens on loopback only unless told otherwise (cmd_run.go:60). */
export const ALLOY_HTTP_PORT = 12345;

/** Fixed datasource UIDs: dashboards reference them, provisioning creates them. */
export const DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki', tempo: 'tempo' } as const;

export interface ScrapeJob {
  readonly name: string;
  readonly targets: readonly string[];
  readonly metricsPath?: string;
  /** Extra params (blackbox `module`). */
  readonly params?: readonly (readonly [string, string])[];
  /** Blackbox style: targets are probed through the exporter at `address`. */
  readonly probe?: { readonly exporter: string };
  readonly interval?: string;
}

export interface Retention {
  readonly prometheusTime: string;
  readonly prometheusSize: string;
  readonly lokiHours: number;
  readonly tempoHours: number;
}

export interface MonitoringView {
  readonly project: string;
  readonly scrapeJobs: readonly ScrapeJob[];
  readonly probeTargets: readonly string[];
  /** Self-signed certificates cannot be verified by the probe (expiry is still measured). */
  readonly probeInsecure: boolean;
  readonly retention: Retention;
  readonly edge?: { readonly service: string; readonly stubStatusUrl: string };
  readonly logFields: typeof EDGE_ACCESS_LOG_FIELDS;
  readonly backup: typeof BACKUP_METRICS_VIEW;
  readonly uids: typeof DATASOURCE_UIDS;
  readonly postgres: boolean;
  readonly postgresReplica: boolean;
  readonly redis: boolean;
  readonly opensearch: boolean;
  readonly appServices: readonly string[];
  /** The ElasticMQ queues the queue exporter watches (empty: no ElasticMQ). */
  readonly queues: readonly QueueWatch[];
}

const RETENTION: Readonly<Record<SizeProfile, Retention>> = {
  small: { prometheusTime: '15d', prometheusSize: '8GB', lokiHours: 168, tempoHours: 72 },
  medium: { prometheusTime: '30d', prometheusSize: '40GB', lokiHours: 336, tempoHours: 168 },
  large: { prometheusTime: '90d', prometheusSize: '150GB', lokiHours: 720, tempoHours: 336 },
};

export const retentionFor = (profile: SizeProfile): Retention => RETENTION[profile];

/** The edge nginx whose stub_status the exporter reads, when the edge concern added it. */
function edgeService(model: DeploymentModel): ComposeService | undefined {
  return model.composeServices.find((svc) => svc.name === EDGE_STUB_STATUS.service);
}

export function opensearchNode(model: DeploymentModel): string | undefined {
  if (model.data.opensearch === 'none') return undefined;
  return model.data.opensearch === 'cluster' ? 'opensearch-1' : 'opensearch';
}

export function monitoringView(model: DeploymentModel): MonitoringView | undefined {
  if (!model.settings.monitoring) return undefined;
  const edge = edgeService(model);
  const stub = EDGE_STUB_STATUS;
  const probeTargets = [
    ...model.project.serverNames.map((host) => `https://${host}/`),
    ...model.routes.filter((route) => route.healthPath && route.path !== '/').map((route) => `https://${model.project.domain}${route.path}${route.healthPath!.replace(/^\//, '')}`),
  ];
  const jobs: ScrapeJob[] = [
    { name: 'prometheus', targets: ['localhost:9090'] },
    { name: 'alertmanager', targets: ['alertmanager:9093'] },
    { name: 'node', targets: ['node-exporter:9100'] },
    { name: 'cadvisor', targets: ['cadvisor:8080'] },
    { name: 'grafana', targets: ['grafana:3000'] },
    { name: 'loki', targets: ['loki:3100'] },
    { name: 'alloy', targets: [`alloy:${ALLOY_HTTP_PORT}`] },
    { name: 'tempo', targets: ['tempo:3200'] },
    { name: 'otel-collector', targets: ['otel-collector:8888'] },
    { name: 'blackbox', targets: ['blackbox-exporter:9115'] },
    ...(model.data.postgres ? [{ name: 'postgres', targets: ['postgres-exporter:9187', ...(model.data.postgresReplica ? ['postgres-replica-exporter:9187'] : [])] }] : []),
    ...(model.data.redis ? [{ name: 'redis', targets: ['redis-exporter:9121'] }] : []),
    ...(opensearchNode(model) ? [{ name: 'opensearch', targets: ['opensearch-exporter:9114'] }] : []),
    ...(edge ? [{ name: 'nginx', targets: ['nginx-exporter:9113'] }] : []),
    ...(model.data.sqs ? [{ name: 'elasticmq', targets: [`${QUEUE_EXPORTER.service}:${QUEUE_EXPORTER.port}`] }] : []),
    { name: 'blackbox-https', targets: probeTargets, metricsPath: '/probe', params: [['module', 'https_2xx']] as const, probe: { exporter: 'blackbox-exporter:9115' } },
  ];
  return {
    project: model.project.name,
    scrapeJobs: jobs,
    probeTargets,
    probeInsecure: model.settings.tls.mode === 'self-signed',
    retention: retentionFor(model.settings.sizeProfile),
    ...(edge ? { edge: { service: edge.name, stubStatusUrl: `http://${edge.name}:${stub.port}${stub.path}` } } : {}),
    logFields: EDGE_ACCESS_LOG_FIELDS,
    backup: BACKUP_METRICS_VIEW,
    uids: DATASOURCE_UIDS,
    postgres: model.data.postgres,
    postgresReplica: model.data.postgresReplica,
    redis: model.data.redis,
    opensearch: model.data.opensearch !== 'none',
    appServices: model.services.map((svc) => svc.name),
    queues: model.data.sqs ? watchedQueues(model) : [],
  };
}
