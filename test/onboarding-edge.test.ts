/**
 * Issue #7 with the edge in place: a service onboarded with add-service is routed by the real nginx
 * (the generated config, as is) at its path, with the prefix stripped, like the built-in routes.
 */
import assert from 'node:assert/strict';
import { runFast } from '../bin/fast-run.js';
import { resolveAnswers } from '../generators/lib/answers.js';
import { withServiceAdded } from '../generators/lib/onboarding.js';
import { prepare } from '../generators/lib/prepare/index.js';
import { edgeTree, openLab, startEdge, upstreamHosts, type Lab } from './support/edge-lab.js';
import { generate } from './support/generate.js';
import { requireTool } from './support/validators.js';

describe('onboarding through the edge (issue #7 + #3)', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;
  after(async () => lab?.close());

  it('add-service --route /billing/ is served by the real nginx, prefix stripped', async () => {
    for (const tool of ['nginx', 'curl']) requireTool(tool);
    const gen = await generate({ tlsMode: 'self-signed' });
    const next = resolveAnswers(
      withServiceAdded(gen.answers, { name: 'billing', kind: 'node-api', source: 'services/apps/billing', port: 9100, healthPath: '/health', routePath: '/billing/', needs: ['postgres'] }),
      { useDefaults: true },
    );
    assert.deepEqual(next.problems, []);
    assert.equal(await runFast(gen.dir, next.answers!, { allowDirty: true }, () => undefined), 0);
    const model = prepare(next.answers!);
    const onboarded = { ...gen, answers: next.answers!, model };
    const tree = await edgeTree(onboarded);
    lab = await openLab(upstreamHosts(model));
    // nginx loads the regenerated config as is; the stand-in for billing echoes what it received.
    await startEdge(lab, tree, model, { billing: 'api' });
    const r = await lab.run('curl', ['-sk', 'https://127.0.0.1:8443/billing/echo/invoices?id=7']);
    assert.equal(r.exitCode, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as { path: string; headers: Record<string, string> };
    assert.equal(seen.path, '/echo/invoices?id=7');
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
  });
});
