/**
 * Prometheus rule files and their promtool unit tests, serialised from the rule table with the `yaml`
 * library's Document API: quoting is the library's (no hand-assembled YAML), and the comments that explain
 * each test survive as YAML comments.
 */
import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { familyOf, type AlertGroup } from '../prepare/monitoring-alert-rule.js';
import type { RuleTest } from '../prepare/monitoring-tests.js';

const OPTIONS = { lineWidth: 0, indentSeq: true } as const;

/** A rule file (`groups:`) in the Prometheus format, with each rule's labels and annotations. */
export function ruleFileYaml(groups: readonly AlertGroup[], runbookUrl: (alert: string) => string, comment: string): string {
  const data = {
    groups: groups.map((group) => ({
      name: group.name,
      rules: group.rules.map((rule) => ({
        alert: rule.alert,
        expr: rule.expr,
        ...(rule.for ? { for: rule.for } : {}),
        labels: { severity: rule.severity, family: familyOf(rule) },
        annotations: { summary: rule.summary, description: rule.description, runbook_url: runbookUrl(rule.alert) },
      })),
    })),
  };
  const doc = new Document(data);
  doc.commentBefore = comment;
  return doc.toString(OPTIONS);
}

/** A `promtool test rules` file: one entry per test, its purpose as the comment above it. */
export function ruleTestFileYaml(ruleFiles: readonly string[], tests: readonly RuleTest[], comment: string): string {
  const data = {
    rule_files: ruleFiles,
    evaluation_interval: '1m',
    tests: tests.map((test) => ({
      interval: test.interval,
      input_series: test.series.map((s) => ({ series: s.series, values: s.values })),
      alert_rule_test: test.checks.map((check) => ({
        eval_time: check.evalTime,
        alertname: check.alertname,
        exp_alerts: check.expected.map((alert) => ({ exp_labels: Object.fromEntries(alert.labels), exp_annotations: Object.fromEntries(alert.annotations) })),
      })),
    })),
  };
  const doc = new Document(data);
  doc.commentBefore = comment;
  const seq = (doc.contents as YAMLMap).get('tests', true) as unknown as YAMLSeq;
  if (isSeq(seq)) seq.items.forEach((item, i) => { if (isMap(item)) item.commentBefore = ` ${tests[i]!.name}`; });
  return doc.toString(OPTIONS);
}

/** config/alertmanager/alertmanager.yml from its data (prepare/monitoring-alerting.ts). */
export function alertmanagerYaml(config: Record<string, unknown>, comment: string): string {
  const doc = new Document(config);
  doc.commentBefore = comment;
  return doc.toString(OPTIONS);
}
