/**
 * Issue 23: the generator itself is publish-ready. The packed file list is what users need and no
 * more; prepack builds from a clean dist/; provenance is on; the release workflow passes actionlint
 * and GitHub's own parser, uses the project's action pins and tests every Node line `engines` names;
 * and every locked dependency supports the Node this suite runs on (npm's own engine check).
 * The workflow's jobs themselves (publishing to npm) can only run on GitHub: checked statically here.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { mkdtemp, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { CI_ACTIONS } from '../generators/lib/ci-actions.js';
import { actionlintErrors, workflowParserErrors } from './support/validators.js';

const RELEASE = '.github/workflows/release.yml';

describe('publishing the generator (issue 23)', () => {
  it('packs exactly the runtime: dist/bin, dist/generators, templates and the docs, built by prepack', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8'));
    assert.match(pkg.scripts.prepack, /rmSync\('dist'.*&& npm run build$/, 'prepack rebuilds dist/ from scratch');
    assert.deepEqual(pkg.publishConfig, { access: 'public', provenance: true });
    const { stdout } = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
    const files: string[] = JSON.parse(stdout)[0].files.map((file: { path: string }) => file.path);
    for (const needed of ['package.json', 'README.md', 'docs/options.md', 'dist/bin/gitmesh-devops.js', 'dist/generators/app/index.js', 'dist/generators/service/index.js', 'templates/compose.yaml.ejs']) {
      assert.ok(files.includes(needed), `${needed} missing from the package`);
    }
    const stray = files.filter((path) => /^(dist\/(test|bench|scripts)|test|bench|\.ci|\.github|node_modules)\//.test(path) || path.endsWith('.ts'));
    assert.deepEqual(stray, [], 'test, bench, CI and source files stay out of the package');
    assert.ok(files.every((path) => /^(package\.json|README\.md|docs\/options\.md|dist\/(bin|generators)\/|templates\/)/.test(path)), files.join('\n'));
  });

  it('every locked dependency supports this Node: npm install --engine-strict accepts the lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gitmesh-engines-'));
    await cp('package.json', join(dir, 'package.json'));
    await cp('package-lock.json', join(dir, 'package-lock.json'));
    const result = await execa('npm', ['install', '--dry-run', '--engine-strict', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, reject: false });
    assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
    const pkg = JSON.parse(await readFile('package.json', 'utf8'));
    assert.equal(pkg.engines.node, '^20.19.0 || ^22.13.0 || >=24');
  });

  it('the release workflow passes actionlint and the workflow parser, pins the project\'s actions, and tests each engines line', async () => {
    const content = await readFile(RELEASE, 'utf8');
    assert.deepEqual(await actionlintErrors([{ path: RELEASE, content }]), []);
    assert.deepEqual(await workflowParserErrors(RELEASE, content), []);
    const workflow = YAML.parse(content) as {
      on: { push: { tags: string[] } };
      permissions: Record<string, string>;
      jobs: Record<string, { needs?: string; permissions?: Record<string, string>; environment?: string; strategy?: { matrix: { node: string[] } }; steps: { uses?: string; run?: string }[] }>;
    };
    assert.deepEqual(workflow.permissions, { contents: 'read' }, 'least privilege by default');
    const { test, publish } = workflow.jobs;
    assert.ok(test && publish);
    assert.equal(publish.needs, 'test', 'nothing is published before the suite passes');
    assert.deepEqual(publish.permissions, { contents: 'read', 'id-token': 'write' });
    assert.equal(publish.environment, 'npm');
    assert.deepEqual(test.strategy!.matrix.node, ['20.19', '22', '24'], 'one job per Node line engines allows');
    assert.ok(test.steps.some((step) => step.run?.includes('bash .ci/run')));
    assert.ok(publish.steps.some((step) => /npm publish --provenance/.test(step.run ?? '')));
    const pins = new Map<string, string>(Object.values(CI_ACTIONS).map((action) => [action.uses, `${action.uses}@${action.sha}`]));
    for (const step of [...test.steps, ...publish.steps]) {
      if (!step.uses) continue;
      const name = step.uses.split('@')[0]!;
      assert.equal(step.uses, pins.get(name), `${step.uses}: pin it as generators/lib/ci-actions.ts does`);
      assert.match(content, new RegExp(`${step.uses.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} # v`), 'a version comment follows each SHA');
    }
  });
});
