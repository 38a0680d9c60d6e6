/**
 * The alert rule table's shape and its runbook links. Alert rules and their runbooks come from one table: each rule carries its runbook (meaning, first checks,
 * fixes), so docs/runbooks.md always has a heading for every `runbook_url`.
 * Annotations only template `$labels` (never `$value`) so the rule unit tests can state them exactly.
 */
import { cronFields } from '../checks.js';

/** `none`: not a problem, never paged or posted (the Watchdog heartbeat). */
export type Severity = 'critical' | 'warning' | 'none';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold; absent: fires on the first evaluation that matches. */
  readonly for?: string;
  readonly severity: Severity;
  /**
   * The alert family, for inhibition: the graded levels of one condition (a warning and its critical) share
   * one, so a firing critical mutes only its own family's warning on the same target. Default: the alert's name.
   */
  readonly family?: string;
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

/** How old the newest successful backup may get: the schedule's period plus slack. */
export function backupMaxAgeHours(schedule: string): number {
  const [, , dom = '*', , dow = '*'] = cronFields(schedule);
  // A schedule restricted by day of month/week runs at most weekly-ish: allow 8 days.
  return dom === '*' && dow === '*' ? 26 : 8 * 24;
}

/** The compose command the runbooks print (the monitoring file merged). */
export const DC = 'docker compose -f compose.yaml -f compose.monitoring.yaml';

/** The `family` label of a rule (alertmanager.yml inhibits warnings by family and target). */
export const familyOf = (rule: AlertRule): string => rule.family ?? rule.alert;
