/**
 * Alert rules and their runbooks, from one table: each rule carries its runbook (meaning, first checks,
 * fixes), so docs/runbooks.md always has a heading for every `runbook_url`. The table is split by
 * subject: platform (targets, host, containers), data (edge, databases), workloads (queues) and ops
 * (backups, monitoring).
 */
import type { DeploymentModel } from '../model.js';
import type { AlertGroup } from './monitoring-alert-rule.js';
import { dataAlerts } from './monitoring-alerts-data.js';
import { opsAlerts } from './monitoring-alerts-ops.js';
import { platformAlerts } from './monitoring-alerts-platform.js';
import { workloadAlerts } from './monitoring-alerts-workloads.js';
import type { MonitoringView } from './monitoring-view.js';

export * from './monitoring-alert-rule.js';

export function alertGroups(model: DeploymentModel, view: MonitoringView): AlertGroup[] {
  return [...platformAlerts(model, view), ...dataAlerts(model, view), ...workloadAlerts(model, view), ...opsAlerts(model, view)];
}
