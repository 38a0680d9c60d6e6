/**
 * Issue 21: Loki ruler alerts. No Loki, logcli or lokitool runs here, so the rules are checked as Loki's
 * users can without it: the file has the Prometheus rule-group shape Loki's ruler reads, every LogQL
 * expression parses with Grafana's own LogQL grammar (@grafana/lezer-logql, the parser of Grafana's query
 * editor) as a metric query, the selectors use only labels Alloy sets, every alert has a runbook section,
 * and Loki's config and compose mount put the file where the ruler loads it. promtool does not apply:
 * it parses PromQL, not LogQL.
 */
import assert from 'node:assert/strict';
import { parser } from '@grafana/lezer-logql';
import { parse } from 'yaml';
import { runbookAnchor } from '../generators/lib/prepare/monitoring-alerts.js';
import { generate, type Generated } from './support/generate.js';
import { parseCompose } from './support/rules.js';

type Doc = Record<string, any>;

/** Syntax errors of a LogQL query, and whether its top expression is a metric query. */
function logql(query: string): { errors: number; metric: boolean } {
  const tree = parser.parse(query);
  let errors = 0;
  tree.iterate({ enter: (node) => { if (node.type.isError) errors++; } });
  const top = tree.topNode.firstChild?.firstChild;
  return { errors, metric: top?.type.name === 'MetricExpr' };
}

const ALLOY_LABELS = new Set(['service', 'project', 'container', 'stream']);

describe('Loki ruler alerts (LogQL checked with Grafana\'s LogQL grammar; no Loki binary here)', function () {
  let g: Generated;
  let rules: Doc[] = [];
  before(async function () {
    g = await generate({});
    const doc = parse(await g.read('config/loki/rules/alerts.yml')) as Doc;
    rules = (doc.groups as Doc[]).flatMap((group) => group.rules as Doc[]);
  });

  it('ships error-rate, crash and crash-loop alerts with severity, family and a runbook section', async function () {
    assert.deepEqual(rules.map((r) => r.alert), ['LogErrorRateHigh', 'ServiceCrashLogged', 'ServiceCrashLooping']);
    const runbooks = await g.read('docs/runbooks.md');
    const anchors = new Set([...runbooks.matchAll(/^#{1,6} (.+)$/gm)].map((m) => runbookAnchor(m[1]!.trim())));
    for (const rule of rules) {
      assert.match(rule.labels.severity, /^(critical|warning)$/);
      assert.ok(rule.labels.family);
      assert.ok(rule.annotations.summary && rule.annotations.description);
      assert.ok(anchors.has(String(rule.annotations.runbook_url).split('#')[1]!), `${rule.alert}: runbook section`);
    }
    const family = (name: string) => rules.find((r) => r.alert === name)!.labels.family as string;
    assert.equal(family('ServiceCrashLogged'), family('ServiceCrashLooping'));
  });

  it('every expression is a LogQL metric query that parses, over labels Alloy sets', function () {
    for (const rule of rules) {
      const { errors, metric } = logql(rule.expr);
      assert.equal(errors, 0, `${rule.alert}: ${rule.expr}`);
      assert.ok(metric, `${rule.alert}: not a metric query`);
      for (const [, label] of String(rule.expr).matchAll(/[{,]\s*(\w+)\s*(?:=~|!~|!=|=)/g)) assert.ok(ALLOY_LABELS.has(label!), `${rule.alert}: label ${label} is not set by Alloy`);
    }
  });

  it('the grammar check catches broken LogQL (it is not a rubber stamp)', function () {
    for (const broken of ['sum by (service) (count_over_time({service=~".+"} |~ `x` [5m)) > 1', 'rate({service="a"}[5m]) >', '{service="a"} |~ `x`']) {
      const { errors, metric } = logql(broken);
      assert.ok(errors > 0 || !metric, broken);
    }
  });

  it('crash patterns match the runtimes\' real crash lines and not ordinary ones', function () {
    const expr = rules.find((r) => r.alert === 'ServiceCrashLogged')!.expr as string;
    const pattern = new RegExp(/\|~ `([^`]+)`/.exec(expr)![1]!);
    for (const line of ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', 'Traceback (most recent call last):', 'process.on uncaughtException', 'UnhandledPromiseRejection: This error originated either by throwing']) assert.match(line, pattern);
    for (const line of ['GET /api/health 200', 'Received a new queue message!']) assert.doesNotMatch(line, pattern);
  });

  it('Loki loads the rules: ruler storage, tenant directory mount, Alertmanager URL', async function () {
    const loki = parse(await g.read('config/loki/loki.yaml')) as Doc;
    assert.equal(loki.ruler.storage.type, 'local');
    assert.equal(loki.ruler.storage.local.directory, '/etc/loki/rules');
    assert.equal(loki.ruler.alertmanager_url, 'http://alertmanager:9093');
    const compose = parseCompose(await g.read('compose.monitoring.yaml')) as Doc;
    const mount = (compose.services.loki.volumes as Doc[]).find((m) => m.target === '/etc/loki/rules/fake');
    assert.ok(mount && mount.source.endsWith('config/loki/rules') && mount.read_only === true, 'rules mounted read-only as tenant "fake"');
  });
});
