/**
 * `yo gitmesh-devops` through Yeoman itself (yeoman-test runs the real environment): defaults,
 * interactive prompts, prompt validation, and failures that write nothing.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import helpers from 'yeoman-test';
import { questionFor } from '../generators/lib/prompts.js';
import { generate } from './support/generate.js';
import { treeOf } from './support/tree.js';

const GENERATOR = join(process.cwd(), 'dist/generators/app/index.js');
const SERVICE = join(process.cwd(), 'dist/generators/service/index.js');

describe('yo gitmesh-devops (Yeoman environment)', () => {
  it('--defaults writes exactly what the bin writes', async () => {
    const result = await helpers.run(GENERATOR, { namespace: 'gitmesh-devops:app' }).withOptions(<Record<string, unknown>>{ defaults: true, allowDirty: true });
    const viaYo = await treeOf(result.cwd);
    const viaBin = await treeOf((await generate({})).dir);
    assert.deepEqual([...viaYo.keys()].sort(), [...viaBin.keys()].sort());
    for (const [path, text] of viaBin) assert.equal(viaYo.get(path), text, `${path} differs between yo and the bin`);
  });

  it('asks the questions interactively and stores every answer in .yo-rc.json', async () => {
    const result = await helpers
      .run(GENERATOR, { namespace: 'gitmesh-devops:app' })
      .withOptions(<Record<string, unknown>>{ interactive: true, allowDirty: true })
      .withAnswers({ projectName: 'acme-mesh', domain: 'mesh.acme.io', services: ['api', 'frontend', 'nodejs-worker'], tlsMode: 'self-signed', sizeProfile: 'small', monitoring: false });
    const stored = JSON.parse(await readFile(join(result.cwd, '.yo-rc.json'), 'utf8'))['generator-gitmesh-devops'].answers;
    assert.equal(stored.projectName, 'acme-mesh');
    assert.deepEqual(stored.services, ['api', 'frontend', 'nodejs-worker']);
    assert.equal(stored.tlsMode, 'self-signed');
    assert.equal(stored.acmeEmail, 'ops@mesh.acme.io', 'a question that does not apply takes its default');
    const compose = await readFile(join(result.cwd, 'compose.yaml'), 'utf8');
    assert.match(compose, /ghcr\.io\/your-org\/acme-mesh-api:/);
  });

  it('re-asks on bad input: the prompt validator rejects what the declaration rejects', () => {
    const domain = questionFor('domain', {})!;
    assert.match(String(domain.validate!('not a domain')), /not a valid fully-qualified domain name/);
    assert.equal(domain.validate!('mesh.acme.io'), true);
    const cron = questionFor('backupSchedule', {})!;
    assert.notEqual(cron.validate!('every night'), true);
    const keep = questionFor('backupKeepDaily', {})!;
    assert.match(String(keep.validate!(keep.filter!('0'))), /from 1 to 366/);
    assert.equal(questionFor('acmeEmail', { tlsMode: 'provided' }), undefined, '`when` hides questions that do not apply');
  });

  it('without a terminal, fails naming the missing options and writes nothing', async () => {
    const context = helpers.run(GENERATOR, { namespace: 'gitmesh-devops:app' }).withOptions(<Record<string, unknown>>{ interactive: false, allowDirty: true });
    await assert.rejects(context, /No terminal to ask on.*--project-name/s);
    assert.deepEqual(await readdir(context.targetDirectory!), []);
  });

  it('invalid flags fail with every problem listed and nothing written, not even .yo-rc.json', async () => {
    const context = helpers
      .run(GENERATOR, { namespace: 'gitmesh-devops:app' })
      .withOptions(<Record<string, unknown>>{ defaults: true, allowDirty: true, domain: 'bad domain', 'backup-schedule': '* * *' });
    await assert.rejects(context, /--domain.*\n.*--backup-schedule/s);
    assert.deepEqual(await readdir(context.targetDirectory!), []);
  });

  it('yo gitmesh-devops:service onboards a service and --remove takes it out again', async () => {
    const first = { cwd: (await generate({})).dir };
    const before = await treeOf(first.cwd);
    await helpers
      .run(SERVICE, { namespace: 'gitmesh-devops:service' })
      .cd(first.cwd)
      .withOptions(<Record<string, unknown>>{ name: 'ledger', kind: 'node-worker', source: 'services/apps/ledger', needs: 'postgres', 'allow-dirty': true });
    const added = await treeOf(first.cwd);
    assert.ok(added.has('docker/ledger/Dockerfile'));
    assert.match(added.get('compose.yaml')!, /^ {2}ledger:$/m);
    await helpers
      .run(SERVICE, { namespace: 'gitmesh-devops:service' })
      .cd(first.cwd)
      .withOptions(<Record<string, unknown>>{ name: 'ledger', remove: true, 'allow-dirty': true });
    const removed = await treeOf(first.cwd);
    assert.deepEqual([...removed.keys()].sort(), [...before.keys()].sort());
    for (const [path, text] of before) assert.equal(removed.get(path), text, path);
  });
});
