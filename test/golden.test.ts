/**
 * Golden samples (issue 20): the whole generated tree of three answer sets, one reviewable text file
 * each under test/golden/. A change to any template or to the model shows here as a plain diff in the
 * pull request, so output drift is never silent: refactors must leave these byte-identical, and an
 * intended change updates them with `npm run golden:update` (the diff is then reviewed with the code).
 *
 * Left out: `.gitmesh-devops/` (merge-base copies of the files already shown, and the manifest of
 * their hashes), which would only double each sample.
 */
import { strict as assert } from 'node:assert';
import { readdir, readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RawAnswers } from '../generators/lib/answers.js';
import { CATALOG } from '../generators/lib/catalog.js';
import { generate } from './support/generate.js';
import { PROJECT_ROOT as projectRoot } from './support/upstream.js';

export const GOLDEN_SETS: Record<string, RawAnswers> = {
  /** What `gitmesh-devops --defaults` writes. */
  default: {},
  /** Every option switched towards more output. */
  everything: {
    services: CATALOG.map((entry) => entry.name).join(','),
    extraServerNames: 'www.gitmesh.example.com',
    postgresReplica: true,
    opensearch: 'cluster',
    queue: 'sqs+kafka',
    tlsMode: 'provided',
    hstsPreload: true,
    sizeProfile: 'large',
    targets: 'compose,kubernetes',
    backupOffsite: true,
    customServices: [
      { name: 'billing', kind: 'node-api', source: 'services/apps/billing', port: 9100, healthPath: '/healthz', routePath: '/billing/', replicas: 2, size: 'light', needs: ['postgres'], env: ['BILLING_PLAN'], secrets: ['billing_token'], externalSecrets: ['stripe_api_key'] },
      { name: 'reports', kind: 'image', source: 'ghcr.io/acme/reports:1.4.2', port: 9201, needs: ['redis'] },
      { name: 'scorer', kind: 'python-worker', source: 'services/apps/scorer', needs: ['postgres', 'sqs'] },
    ],
  },
  /** The fewest files: managed data services, one environment, no monitoring. */
  'minimal-external': {
    services: 'api,frontend',
    postgres: false,
    redis: false,
    opensearch: 'none',
    temporal: false,
    monitoring: false,
    tlsMode: 'self-signed',
    tlsProfile: 'modern',
    hstsMaxAge: 0,
    sizeProfile: 'small',
    environments: 'production',
  },
};

const SKIPPED = '.gitmesh-devops';

async function filesUnder(root: string, dir = root): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path);
    if (rel === SKIPPED) continue;
    if (entry.isDirectory()) found.push(...(await filesUnder(root, path)));
    else found.push(rel);
  }
  return found;
}

/** One text: each file under a `===== path =====` line, in path order. */
export async function goldenText(dir: string): Promise<string> {
  const paths = (await filesUnder(dir)).sort();
  const parts: string[] = [];
  for (const path of paths) parts.push(`===== ${path} =====\n${await readFile(join(dir, path), 'utf8')}`);
  return parts.join('\n');
}

const goldenPath = (name: string): string => join(projectRoot, 'test', 'golden', `${name}.txt`);

describe('golden samples: generated output changes only with a reviewed snapshot (issue 20)', function () {
  this.timeout(300_000);
  for (const [name, raw] of Object.entries(GOLDEN_SETS)) {
    it(`${name}: the generated tree equals test/golden/${name}.txt`, async () => {
      const generated = await generate(raw);
      try {
        const actual = await goldenText(generated.dir);
        if (process.env.GOLDEN_UPDATE === '1') {
          await mkdir(join(projectRoot, 'test', 'golden'), { recursive: true });
          await writeFile(goldenPath(name), actual);
          return;
        }
        let expected: string;
        try {
          expected = await readFile(goldenPath(name), 'utf8');
        } catch {
          assert.fail(`test/golden/${name}.txt is missing: run npm run golden:update and review it`);
        }
        if (actual !== expected) {
          const a = actual.split('\n');
          const e = expected.split('\n');
          let line = 0;
          while (line < a.length && a[line] === e[line]) line += 1;
          const file = [...e.slice(0, line + 1)].reverse().find((l) => l.startsWith('===== ')) ?? '(start)';
          assert.fail(`generated output drifted from test/golden/${name}.txt at line ${line + 1}, in ${file}\n` +
            `  expected: ${JSON.stringify(e[line])}\n  actual:   ${JSON.stringify(a[line])}\n` +
            'An intended change: npm run golden:update, then review the diff of test/golden/.');
        }
      } finally {
        await rm(generated.dir, { recursive: true, force: true });
      }
    });
  }
});
