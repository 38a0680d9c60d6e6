/**
 * Issue 21: the dead-man's switch, the second receiver and family-scoped inhibition, checked by the tools
 * Alertmanager's users rely on: amtool (config check, routing tree) for every pager choice, and a live
 * Alertmanager (Debian's 0.25) that receives alerts, delivers the Watchdog to a local stand-in of the
 * external heartbeat service, and reports which warnings a critical alert inhibits.
 * Debian's 0.25 predates webhook `url_file`: a stand-in copy swaps it for `url` (support/alertmanager.ts);
 * the generated repo's `make monitoring-check` runs the pinned amtool on the real file.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parse } from 'yaml';
import type { RawAnswers } from '../generators/lib/answers.js';
import { INHIBIT_EQUAL } from '../generators/lib/prepare/monitoring-alerting.js';
import { amtoolRoutes, debianAlertmanagerCopy } from './support/alertmanager.js';
import { generate, type Generated } from './support/generate.js';
import { parseCompose } from './support/rules.js';
import { amtoolCheckConfig } from './support/validators.js';

type Doc = Record<string, any>;

const PAGERS: Record<string, { raw: RawAnswers; receiver?: string; secret?: string }> = {
  pagerduty: { raw: {}, receiver: 'pagerduty_configs', secret: 'alertmanager_pagerduty_routing_key' },
  opsgenie: { raw: { alertPager: 'opsgenie' }, receiver: 'opsgenie_configs', secret: 'alertmanager_opsgenie_api_key' },
  webhook: { raw: { alertPager: 'webhook' }, receiver: 'webhook_configs', secret: 'alertmanager_pager_webhook_url' },
  none: { raw: { alertPager: 'none' } },
};

describe("alert routing: Watchdog heartbeat, second receiver, family inhibition (issue 21; Debian's amtool/Alertmanager 0.25 on a url_file stand-in copy)", function () {
  for (const [pager, { raw, receiver, secret }] of Object.entries(PAGERS)) {
    describe(`alertPager=${pager}`, function () {
      let g: Generated;
      let copy = '';
      before(async function () {
        g = await generate(raw);
        copy = await debianAlertmanagerCopy(await g.read('config/alertmanager/alertmanager.yml'), join(g.dir, 'alertmanager.debian.yml'));
      });

      it('amtool accepts the config; every credential is a secret file the alertmanager service mounts', async function () {
        assert.deepEqual(await amtoolCheckConfig(copy), []);
        const am = parse(await g.read('config/alertmanager/alertmanager.yml')) as Doc;
        const files = JSON.stringify(am.receivers).match(/\/run\/secrets\/[a-z_]+/g) ?? [];
        const compose = parseCompose(await g.read('compose.monitoring.yaml')) as Doc;
        const mounted = compose.services.alertmanager.secrets as string[];
        assert.deepEqual([...new Set(files.map((f) => f.replace('/run/secrets/', '')))].sort(), [...mounted].sort());
        assert.ok(mounted.includes('alertmanager_heartbeat_url'));
        assert.equal(mounted.includes(secret ?? '-'), Boolean(secret));
        const pagerReceiver = (am.receivers as Doc[]).find((r) => r.name === 'pager');
        assert.equal(Boolean(pagerReceiver), Boolean(receiver));
        if (receiver) assert.ok(pagerReceiver![receiver], `pager uses ${receiver}`);
        // No literal URL or key anywhere in the receivers.
        assert.doesNotMatch(JSON.stringify(am.receivers), /"(url|api_url|routing_key|api_key)":/);
        assert.ok(g.model.secrets.some((s) => s.name === 'alertmanager_heartbeat_url' && s.source.kind === 'operator'));
      });

      it('amtool routing: the Watchdog reaches only the heartbeat; critical alerts page and post; warnings only post', async function () {
        assert.deepEqual(await amtoolRoutes(copy, { alertname: 'Watchdog', severity: 'none' }), ['heartbeat']);
        assert.deepEqual(await amtoolRoutes(copy, { alertname: 'HostDiskAlmostFull', severity: 'critical' }), receiver ? ['pager', 'slack'] : ['slack']);
        assert.deepEqual(await amtoolRoutes(copy, { alertname: 'HostDiskFillingUp', severity: 'warning' }), ['slack']);
      });
    });
  }

  describe('a live Alertmanager with the generated config (alertPager=webhook; receivers are local stand-ins)', function () {
    const received: { path: string; body: Doc }[] = [];
    let stub: Server;
    let am: ResultPromise | undefined;
    let api = '';

    before(async function () {
      const g = await generate({ alertPager: 'webhook' });
      stub = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          received.push({ path: req.url ?? '', body: JSON.parse(body || '{}') as Doc });
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
      const hooks = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      const work = await mkdtemp(join(tmpdir(), 'gitmesh-am-'));
      await mkdir(join(work, 'secrets'));
      await writeFile(join(work, 'secrets', 'alertmanager_slack_webhook_url'), `${hooks}/slack`);
      // The real file, with the secret directory moved under the temp dir; webhook url_file → the stand-in.
      const text = (await g.read('config/alertmanager/alertmanager.yml')).replaceAll('/run/secrets/', `${work}/secrets/`);
      const config = await debianAlertmanagerCopy(text, join(work, 'alertmanager.yml'), (file) => `${hooks}/${file.split('/').pop()}`);
      const port = await freePort();
      api = `http://127.0.0.1:${port}`;
      am = execa('prometheus-alertmanager', [`--config.file=${config}`, `--storage.path=${work}/data`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { reject: false });
      await waitFor(async () => (await fetch(`${api}/-/ready`).catch(() => undefined))?.ok === true, 'Alertmanager ready');
      const alert = (labels: Record<string, string>) => ({ labels, annotations: { summary: labels.alertname! }, startsAt: new Date().toISOString() });
      const host = { job: 'node', instance: 'node-exporter:9100' };
      const res = await fetch(`${api}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          alert({ alertname: 'Watchdog', severity: 'none', family: 'Watchdog' }),
          alert({ alertname: 'HostDiskAlmostFull', severity: 'critical', family: 'host-disk-space', mountpoint: '/', ...host }),
          alert({ alertname: 'HostDiskFillingUp', severity: 'warning', family: 'host-disk-space', mountpoint: '/', ...host }),
          alert({ alertname: 'HostDiskFillingUp', severity: 'warning', family: 'host-disk-space', mountpoint: '/data', ...host }),
          alert({ alertname: 'HostHighCpuLoad', severity: 'warning', family: 'HostHighCpuLoad', ...host }),
        ]),
      });
      assert.equal(res.status, 200, await res.text());
    });

    after(async function () {
      am?.kill('SIGTERM');
      await am;
      await new Promise<void>((resolve) => stub.close(() => resolve()));
    });

    it('the Watchdog is POSTed to the heartbeat URL, and nothing else is', async function () {
      await waitFor(async () => received.some((r) => r.path === '/alertmanager_heartbeat_url'), 'a heartbeat POST');
      const beats = received.filter((r) => r.path === '/alertmanager_heartbeat_url');
      for (const beat of beats) assert.deepEqual((beat.body.alerts as Doc[]).map((a) => a.labels.alertname), ['Watchdog']);
      assert.equal(beats[0]!.body.receiver, 'heartbeat');
    });

    it('a critical alert inhibits only the warning of its own family on the same target', async function () {
      const alerts = (await (await fetch(`${api}/api/v2/alerts`)).json()) as Doc[];
      const state = (name: string, mount?: string): string => alerts.find((a) => a.labels.alertname === name && (mount === undefined || a.labels.mountpoint === mount))!.status.state as string;
      assert.equal(state('HostDiskFillingUp', '/'), 'suppressed', 'same family, same target');
      assert.equal(state('HostDiskFillingUp', '/data'), 'active', 'same family, another filesystem');
      assert.equal(state('HostHighCpuLoad'), 'active', 'another family on the same host');
      assert.equal(state('HostDiskAlmostFull'), 'active');
      assert.equal(state('Watchdog'), 'active');
      assert.deepEqual(INHIBIT_EQUAL.slice(0, 3), ['family', 'job', 'instance']);
    });
  });

  it('every generated rule carries a family label; graded pairs share one', async function () {
    const g = await generate({});
    const doc = parse(await g.read('config/prometheus/rules/alerts.yml')) as Doc;
    const rules = (doc.groups as Doc[]).flatMap((group) => group.rules as Doc[]);
    for (const rule of rules) assert.ok(rule.labels.family, `${rule.alert}: family`);
    const family = (name: string) => rules.find((r) => r.alert === name)!.labels.family as string;
    assert.equal(family('HostDiskFillingUp'), family('HostDiskAlmostFull'));
    assert.equal(family('TLSCertificateExpiringSoon'), family('TLSCertificateExpiryCritical'));
    assert.notEqual(family('HostHighCpuLoad'), family('HostDiskAlmostFull'));
    assert.match(await readFile(join(g.dir, 'config/alertmanager/alertmanager.yml'), 'utf8'), /url_file: \/run\/secrets\/alertmanager_heartbeat_url/);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls (bounded: 60 tries, 500 ms apart) until `check` holds. */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}
