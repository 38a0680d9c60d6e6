/**
 * The edge bench's setups (bench/edge-setups.ts, issue 22) stay derivable from what we ship: every
 * variant of the generated nginx config is a checked transform of the rendered files, so a template
 * change that breaks a transform fails here, in CI, and not only when someone runs `npm run bench`.
 * Each variant and the bare nginx config must also pass `nginx -t`. (Caddy's config is checked by the
 * bench itself, which starts Caddy and probes it; the tests do not need caddy.)
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_ANSWERS, BENCH_API_RATE, VARIANTS, bareNginxConfig, onPorts } from '../bench/edge-setups.js';
import { edgeView } from '../generators/lib/prepare/edge/index.js';
import { edgeTree, upstreamHosts, withServiceHosts } from './support/edge-lab.js';
import { generate } from './support/generate.js';
import { nginxTestErrors } from './support/validators.js';

describe('edge bench setups: derived from the rendered nginx config (bench/edge-setups.ts)', function () {
  this.timeout(120000);

  for (const [label, raw] of [
    ['the bench deployment (api + frontend, self-signed)', { ...BENCH_ANSWERS, services: [...BENCH_ANSWERS.services] }],
    ['the default deployment (all routes, letsencrypt)', {}],
  ] as const) {
    it(`${label}: every variant derives, differs from the base as described and passes nginx -t`, async () => {
      const gen = await generate(raw);
      const tree = await edgeTree(gen);
      const edgeDir = join(tree.root, 'etc/nginx/edge');
      const rendered = { conf: await readFile(tree.conf, 'utf8'), proxySnippet: await readFile(join(edgeDir, 'snippets/proxy.conf'), 'utf8') };
      const base = VARIANTS[0]!.derive(rendered).conf;
      assert.match(base, new RegExp(`rate=${BENCH_API_RATE.replace('/', '\\/')};`));
      const expected: Record<string, (conf: string, extra: Readonly<Record<string, string>>) => void> = {
        'no-access-log': (c) => assert.match(c, /^\s*access_log off;/m),
        'no-gzip': (c) => assert.match(c, /^\s*gzip off;/m),
        'no-limit-req': (c) => assert.doesNotMatch(c, /^\s*limit_req zone=/m),
        'no-headers': (c, extra) => {
          assert.doesNotMatch(c, /include snippets\/security-headers\.conf;/);
          assert.doesNotMatch(Object.values(extra).join(''), /proxy_hide_header (Content-Security-Policy|Strict-Transport-Security);/);
        },
        'no-request-id': (c) => assert.doesNotMatch(c, /\$request_id;/),
        'keepalive-requests-1000': (c) => assert.match(c, /^ {4}keepalive_requests 1000;/m),
        reuseport: (c) => assert.match(c, /listen 8443 [^;]*reuseport/),
      };
      for (const [i, variant] of VARIANTS.entries()) {
        const files = variant.derive(rendered);
        if (i > 0) {
          assert.notEqual(files.conf, base, `${variant.key} changes the config`);
          const check = expected[variant.key];
          assert.ok(check, `an expectation for ${variant.key}`);
          check(files.conf, files.extra);
        }
        const conf = join(edgeDir, `bench-${variant.key}.conf`);
        await writeFile(conf, onPorts(files.conf, { http: 10000, https: 10001, status: 10002 }));
        for (const [path, text] of Object.entries(files.extra)) await writeFile(join(edgeDir, path), text);
        const problems = await withServiceHosts(upstreamHosts(gen.model), () => nginxTestErrors(tree.prefix, conf));
        assert.deepEqual(problems, [], `${variant.key}: nginx -t\n${problems.join('\n')}`);
      }
      const bareDir = join(tree.root, 'bare');
      await mkdir(bareDir);
      const { tls } = edgeView(gen.model);
      await writeFile(join(bareDir, 'nginx.conf'), bareNginxConfig({ port: 9444, cert: join(edgeDir, tls.certificate), key: join(edgeDir, tls.key), keepalive: 64 }));
      const problems = await withServiceHosts(['api'], () => nginxTestErrors(bareDir, join(bareDir, 'nginx.conf')));
      assert.deepEqual(problems, [], `bare: nginx -t\n${problems.join('\n')}`);
      await rm(tree.root, { recursive: true, force: true });
      await rm(gen.dir, { recursive: true, force: true });
    });
  }
});
