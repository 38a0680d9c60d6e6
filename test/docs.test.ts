/**
 * Issue 20: the maintainer docs stay true. The README's flag table is generated from the option
 * declarations (like docs/options.md) and fails here when it drifts; measurement history lives in
 * docs/performance.md, not in the README.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readmeFlagTable, withReadmeFlagTable } from '../generators/lib/options-doc.js';
import { declarationOf, OPTION_NAMES } from '../generators/lib/options.js';
import { PROJECT_ROOT } from './support/upstream.js';

const read = (path: string): Promise<string> => readFile(join(PROJECT_ROOT, path), 'utf8');

describe('maintainer docs (issue 20)', () => {
  it('the README flag table is the one generated from the declarations (npm run docs:options rewrites it)', async () => {
    const readme = await read('README.md');
    assert.equal(readme, withReadmeFlagTable(readme), 'README.md flag table drifted: run npm run docs:options');
  });

  it('the flag table names every option a user sets, --targets, --backup-offsite and --acme-email among them', () => {
    const table = readmeFlagTable();
    for (const flag of ['--targets', '--backup-offsite', '--acme-email', '--environments', '--hsts-preload']) assert.match(table, new RegExp(`\`--(\\[no-\\])?${flag.slice(2)}\``));
    for (const name of OPTION_NAMES.filter((n) => !declarationOf(n).hidden)) assert.ok(table.includes(declarationOf(name).flag), name);
  });

  it('the README keeps no measurement history; docs/performance.md holds it', async () => {
    const readme = await read('README.md');
    assert.doesNotMatch(readme, /req\/s|p50|peak RSS|µs\/req/, 'benchmark figures belong in docs/performance.md');
    assert.match(readme, /\(docs\/performance\.md\)/);
    assert.match(await read('docs/performance.md'), /^## Latest figures/m);
  });

  it('ARCHITECTURE.md draws the flow and CONTRIBUTING.md has the four recipes', async () => {
    const architecture = await read('docs/ARCHITECTURE.md');
    assert.match(architecture, /```mermaid\nflowchart/);
    for (const file of ['options.ts', 'prepare/index.ts', 'files/index.ts', 'planner.ts', 'repo-io.ts']) assert.ok(architecture.includes(file), file);
    const contributing = await read('CONTRIBUTING.md');
    for (const recipe of [/^## Add an option$/m, /^## Add a generated file$/m, /^## Add a service kind$/m, /^## Add a deployment target$/m, /golden:update/, /enforcement\.test/]) assert.match(contributing, recipe);
  });
});
