/**
 * Issue 21: honest health claims. Every healthcheck's "proves" text (docs/services.md, compose comments)
 * that points at monitoring (an alert, a metric, Prometheus) names something that exists in the generated
 * repo: an alert of config/prometheus/rules/alerts.yml, a metric a rule uses, or an `up{job}` series of a
 * configured scrape job. Checked with the monitoring stack on, over several answer sets.
 */
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { RawAnswers } from '../generators/lib/answers.js';
import { generate } from './support/generate.js';

type Doc = Record<string, any>;

const SETS: Record<string, RawAnswers> = {
  defaults: {},
  'opensearch cluster, replica': { opensearch: 'cluster', postgresReplica: true },
  'small subset, external data': { services: 'api,frontend', postgres: false, redis: false },
};

/** Words that say a claim rests on monitoring. */
const POINTS_AT_MONITORING = /\b(alerts?|alerted|metrics?|watched|watch|series)\b|in Prometheus/;

describe('every "proves" text that points at monitoring names an alert, metric or scrape job that exists (issue 21)', function () {
  for (const [name, raw] of Object.entries(SETS)) {
    it(name, async function () {
      const g = await generate(raw);
      const rules = parse(await g.read('config/prometheus/rules/alerts.yml')) as Doc;
      const all = (rules.groups as Doc[]).flatMap((group) => group.rules as Doc[]);
      const alerts = new Set(all.map((r) => r.alert as string));
      const metrics = new Set(all.flatMap((r) => String(r.expr).match(/[a-z_]+_[a-z_]+/g) ?? []));
      const prom = parse(await g.read('config/prometheus/prometheus.yml')) as Doc;
      const jobs = new Set((prom.scrape_configs as Doc[]).map((j) => j.job_name as string));
      const claims = g.model.composeServices.filter((svc) => svc.healthcheck && POINTS_AT_MONITORING.test(svc.healthcheck.proves));
      assert.ok(claims.length >= 3, 'some checks point at monitoring');
      for (const svc of claims) {
        const proves = svc.healthcheck!.proves;
        const named = [...proves.matchAll(/\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\b/g)].map((m) => m[0]).filter((w) => alerts.has(w));
        const series = [...proves.matchAll(/\b[a-z]+_[a-z_]+\b/g)].map((m) => m[0]).filter((w) => metrics.has(w));
        const up = [...proves.matchAll(/up\{job="([^"]+)"\}/g)].map((m) => m[1]!).filter((job) => jobs.has(job));
        assert.ok(named.length + series.length + up.length > 0, `${svc.name}: "${proves}" names no existing alert, metric or scrape job`);
        // And every alert-looking name it uses exists.
        for (const word of [...proves.matchAll(/\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\b/g)].map((m) => m[0])) {
          if (/^(Queue|Backup|Target|Temporal|Postgres|Redis|OpenSearch|Edge|Host|Container)[A-Z]/.test(word)) assert.ok(alerts.has(word), `${svc.name}: ${word} is not an alert`);
        }
      }
      const services = await g.read('docs/services.md');
      assert.doesNotMatch(services, /queue progress is watched (by|through) metrics/);
    });
  }
});
