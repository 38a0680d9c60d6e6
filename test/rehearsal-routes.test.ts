/**
 * Rehearsal against the pinned GitMesh CE tree: the edge routes every public path upstream defines to
 * the service that serves it, at the path that service expects. The paths are extracted from the
 * snapshot at test time (backend and webhook API route files, the frontend's socket and webhook URLs);
 * the generated nginx config runs as is, in the edge lab, in front of echoing stand-ins.
 * What only the generated CI's e2e job proves: that the real services answer on those paths.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { edgeTree, openLab, startEdge, upstreamHosts, WS_CLIENT_SCRIPT, type Lab } from './support/edge-lab.js';
import { allServicesRepo } from './support/rehearsal/fixture.js';
import { upstream } from './support/upstream.js';
import { requireTool } from './support/validators.js';

interface Expectation {
  /** Public path (through https://edge). */
  readonly path: string;
  /** Stand-in role of the service that must receive it, and the path it must see. */
  readonly role: 'api' | 'webhook';
  readonly upstreamPath: string;
  readonly why: string;
}

describe('rehearsal (pinned GitMesh CE): edge routes match upstream', function () {
  this.timeout(180_000);
  let lab: Lab | undefined;
  after(async () => lab?.close());

  it("every backend and webhook API route, the frontend's webhook URL and both Socket.IO paths reach the right service", async () => {
    for (const tool of ['nginx', 'curl']) requireTool(tool);
    const up = await upstream();
    const expectations: Expectation[] = [];

    // The backend mounts its webhook router at /webhooks; the API is published under /api/ (prefix stripped).
    assert.match(up.read('backend/src/api/index.ts'), /app\.use\('\/webhooks', webhookRoutes\)/);
    const backendHooks = [...up.read('backend/src/api/webhooks/index.ts').matchAll(/app\.post\(`\/(\w+)`/g)].map((m) => m[1]);
    assert.ok(backendHooks.includes('stripe') && backendHooks.includes('brevo'), backendHooks.join(','));
    for (const hook of backendHooks) expectations.push({ path: `/api/webhooks/${hook}`, role: 'api', upstreamPath: `/webhooks/${hook}`, why: up.cite('backend/src/api/webhooks/index.ts', `/${hook}\``) });
    // Stripe and Brevo are configured with the backend's own path (its raw-body handling names them).
    for (const hook of [...up.read('backend/src/api/index.ts').matchAll(/url\.startsWith\('(\/webhooks\/\w+)'\)/g)].map((m) => m[1])) {
      expectations.push({ path: hook, role: 'api', upstreamPath: hook, why: up.cite('backend/src/api/index.ts', `'${hook}'`) });
    }
    // The webhook API's own routes, published under /webhooks/.
    const routeDir = 'services/apps/webhook_api/src/routes';
    for (const file of readdirSync(join(up.root, routeDir))) {
      for (const m of up.read(`${routeDir}/${file}`).matchAll(/app\.post\(\s*'([^']+)'/g)) {
        const path = m[1].replace(':tenantId', 'tenant-1');
        expectations.push({ path: `/webhooks${path}`, role: 'webhook', upstreamPath: path, why: up.cite(`${routeDir}/${file}`, `'${m[1]}'`) });
      }
    }
    // The URL the frontend tells Discourse admins to deliver to.
    const drawer = 'frontend/src/integrations/discourse/components/discourse-connect-drawer.vue';
    const discourse = /window\.location\.origin\}(\/[^$`]+)\$\{tenantId\}/.exec(up.read(drawer))?.[1];
    assert.ok(discourse, `${drawer}: payload URL not found`);
    expectations.push({ path: `${discourse}tenant-1/`, role: 'webhook', upstreamPath: '/discourse/tenant-1/', why: up.cite(drawer, discourse) });
    // The API's health route under the public prefix.
    expectations.push({ path: '/api/health', role: 'api', upstreamPath: '/health', why: up.cite('backend/src/api/index.ts', "app.use('/health'") });

    const gen = await allServicesRepo();
    const tree = await edgeTree(gen);
    lab = await openLab(upstreamHosts(gen.model));
    await startEdge(lab, tree, gen.model, { api: 'api', 'webhook-api': 'webhook', frontend: 'frontend' });
    const problems: string[] = [];
    for (const e of expectations) {
      const r = await lab.run('curl', ['-sk', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{}', `https://127.0.0.1:8443${e.path}`]);
      let seen: { role?: string; path?: string } = {};
      try {
        seen = JSON.parse(r.stdout) as { role?: string; path?: string };
      } catch {
        seen = {};
      }
      if (seen.role !== e.role || seen.path !== e.upstreamPath) problems.push(`${e.path} (${e.why}) reached ${seen.role ?? 'nothing'} at ${seen.path ?? '-'}, want ${e.role} at ${e.upstreamPath}`);
    }
    // Socket.IO: the user socket's path depends on VUE_APP_ENV, the DevTel socket uses the default path.
    const socket = up.read('frontend/src/modules/auth/auth-socket.js');
    const socketPaths = [...socket.matchAll(/'(\/[^']*socket\.io)'/g)].map((m) => m[1]);
    assert.deepEqual(socketPaths.sort(), ['/api/socket.io', '/socket.io']);
    for (const path of socketPaths) {
      const r = await lab.run(process.execPath, [WS_CLIENT_SCRIPT, '127.0.0.1', '8443', `${path}/?EIO=4&transport=websocket`, 'hello']);
      const result = JSON.parse(r.stdout || '{}') as { status?: number; first?: string; echo?: string };
      if (result.status !== 101 || result.first !== 'path:/socket.io/?EIO=4&transport=websocket' || result.echo !== 'echo:hello') problems.push(`WebSocket ${path}/ (${up.cite('frontend/src/modules/auth/auth-socket.js', `'${path}'`)}): ${r.stdout || r.stderr}`);
    }
    // Anything else is the single-page app.
    const spa = await lab.run('curl', ['-sk', 'https://127.0.0.1:8443/some/deep/link']);
    if (!/<div id="app">/.test(spa.stdout)) problems.push(`/some/deep/link did not reach the frontend: ${spa.stdout.slice(0, 200)}`);
    assert.ok(expectations.length >= 9, JSON.stringify(expectations));
    assert.deepEqual(problems, []);
  });
});
