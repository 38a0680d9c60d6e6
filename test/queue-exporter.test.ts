/**
 * Issue 21: the generated ElasticMQ queue exporter, run with Node against a stand-in of ElasticMQ's
 * rest-stats endpoint (GET /statistics/queues, the JSON shape of org.elasticmq.rest.stats; ElasticMQ itself
 * is not installable here). Depth, in-flight and oldest-message age come out as the metrics the alerts use,
 * in a format promtool accepts; an unreachable ElasticMQ shows as elasticmq_up 0.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parse } from 'yaml';
import { generate, type Generated } from './support/generate.js';
import { parseCompose } from './support/rules.js';

type Doc = Record<string, any>;
interface Stats { approximateNumberOfVisibleMessages: number; approximateNumberOfInvisibleMessages: number; approximateNumberOfMessagesDelayed: number }

const stats = (visible: number, inFlight = 0, delayed = 0): Stats => ({ approximateNumberOfVisibleMessages: visible, approximateNumberOfInvisibleMessages: inFlight, approximateNumberOfMessagesDelayed: delayed });

describe('queue exporter against a stand-in of ElasticMQ\'s stats endpoint (ElasticMQ is not installed here)', function () {
  let g: Generated;
  let standIn: Server;
  let exporter: ResultPromise | undefined;
  let metricsUrl = '';
  let queues: { name: string; statistics: Stats }[] = [];
  let requests = 0;

  before(async function () {
    g = await generate({});
    standIn = createServer((req, res) => {
      requests++;
      if (req.url !== '/statistics/queues') {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(queues));
    });
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    const compose = parseCompose(await g.read('compose.monitoring.yaml')) as Doc;
    const env = compose.services['queue-exporter'].environment as Record<string, string>;
    queues = [
      { name: 'integration-run-worker.fifo', statistics: stats(7, 2, 1) },
      { name: 'integration-run-worker-dead-letters.fifo', statistics: stats(3) },
      { name: 'search-sync-worker.fifo', statistics: stats(0) },
    ];
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    exporter = execa('node', [join(g.dir, 'config/queue-exporter/elasticmq-exporter.mjs')], {
      reject: false,
      env: {
        ELASTICMQ_STATS_URL: `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/statistics/queues`,
        PORT: String(port),
        LISTEN_HOST: '127.0.0.1',
        POLL_SECONDS: '1',
        DEAD_LETTER_QUEUES: env.DEAD_LETTER_QUEUES!,
      },
    });
    await waitFor(async () => (await fetch(metricsUrl).catch(() => undefined))?.ok === true, 'the exporter');
  });

  after(async function () {
    exporter?.kill('SIGTERM');
    await exporter;
    await new Promise<void>((resolve) => standIn.close(() => resolve()));
  });

  const scrape = async (): Promise<Map<string, number>> => {
    const text = await (await fetch(metricsUrl)).text();
    return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => { const i = l.lastIndexOf(' '); return [l.slice(0, i), Number(l.slice(i + 1))] as const; }));
  };
  const series = (name: string, queue: string, dead: boolean): string => `${name}{queue="${queue}",dead_letter="${dead}"}`;

  it('depth, in-flight and delayed per queue; dead-letter queues labelled as such', async function () {
    const m = await scrape();
    assert.equal(m.get('elasticmq_up'), 1);
    assert.equal(m.get(series('elasticmq_queue_messages_visible', 'integration-run-worker.fifo', false)), 7);
    assert.equal(m.get(series('elasticmq_queue_messages_in_flight', 'integration-run-worker.fifo', false)), 2);
    assert.equal(m.get(series('elasticmq_queue_messages_delayed', 'integration-run-worker.fifo', false)), 1);
    assert.equal(m.get(series('elasticmq_queue_messages_visible', 'integration-run-worker-dead-letters.fifo', true)), 3);
    assert.equal(m.get(series('elasticmq_queue_oldest_message_age_seconds', 'search-sync-worker.fifo', false)), 0);
  });

  it('the oldest-message age grows while a queue never drains and drops to zero once it does', async function () {
    const key = series('elasticmq_queue_oldest_message_age_seconds', 'integration-run-worker.fifo', false);
    await waitFor(async () => ((await scrape()).get(key) ?? 0) >= 2, 'the age to reach 2 s');
    queues = queues.map((q) => (q.name === 'integration-run-worker.fifo' ? { ...q, statistics: stats(0, 1) } : q));
    await waitFor(async () => (await scrape()).get(key) === 0, 'the age to drop to 0');
    queues = queues.map((q) => (q.name === 'integration-run-worker.fifo' ? { ...q, statistics: stats(4) } : q));
    await waitFor(async () => (await scrape()).get(series('elasticmq_queue_messages_visible', 'integration-run-worker.fifo', false)) === 4, 'new messages');
    // Counted from the last empty poll, not from the exporter's start.
    assert.ok(((await scrape()).get(key) ?? 99) < 3);
  });

  it('promtool accepts the exposition, and every elasticmq_* metric an alert uses is exported', async function () {
    const text = await (await fetch(metricsUrl)).text();
    const r = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const rules = parse(await g.read('config/prometheus/rules/alerts.yml')) as Doc;
    const used = new Set((rules.groups as Doc[]).flatMap((group) => (group.rules as Doc[]).flatMap((rule) => String(rule.expr).match(/elasticmq_\w+/g) ?? [])));
    assert.ok(used.size >= 4, [...used].join());
    for (const name of used) assert.match(text, new RegExp(`^${name}[{ ]`, 'm'), `${name} is not exported`);
    assert.ok(requests > 0);
  });

  it('an unreachable ElasticMQ shows as elasticmq_up 0, and queue series disappear instead of going stale', async function () {
    await new Promise<void>((resolve) => standIn.close(() => resolve()));
    standIn.closeAllConnections();
    await waitFor(async () => (await scrape()).get('elasticmq_up') === 0, 'elasticmq_up 0');
    assert.ok(![...(await scrape()).keys()].some((k) => k.startsWith('elasticmq_queue_')));
    standIn = createServer();
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  });

  it('ElasticMQ declares a dead-letter queue for every FIFO queue, and the exporter knows each one', async function () {
    const conf = await g.read('config/elasticmq/elasticmq.conf');
    const compose = parseCompose(await g.read('compose.monitoring.yaml')) as Doc;
    const dead = (compose.services['queue-exporter'].environment.DEAD_LETTER_QUEUES as string).split(',');
    const fifo = g.model.queues.filter((q) => q.fifo).map((q) => q.name);
    assert.equal(dead.length, fifo.length);
    for (const queue of fifo) {
      const dlq = `${queue.replace(/\.fifo$/, '')}-dead-letters.fifo`;
      assert.ok(dead.includes(dlq), dlq);
      assert.match(conf, new RegExp(`"${queue.replace('.', '\\.')}" \\{[^}]*deadLettersQueue \\{\\s*name = "${dlq.replace('.', '\\.')}"\\s*maxReceiveCount = \\d+`));
      assert.match(conf, new RegExp(`"${dlq.replace('.', '\\.')}" \\{\\s*fifo = true`));
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls (bounded: 40 tries, 250 ms apart) until `check` holds. */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
