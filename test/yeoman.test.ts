/**
 * `yo gitmesh-devops` through Yeoman itself (yeoman-test runs the real environment): defaults,
 * interactive prompts, prompt validation, and failures that write nothing.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import helpers from 'yeoman-test';
import { interview, questionFor, type Question } from '../generators/lib/prompts.js';
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

  it('a checkbox validates what @inquirer/checkbox passes: the selected choice objects (issue 23)', () => {
    for (const name of ['services', 'environments', 'targets'] as const) {
      const question = questionFor(name, {})!;
      assert.equal(question.type, 'checkbox');
      const selected = question.choices!.filter((choice) => choice.checked).map((choice) => ({ ...choice, disabled: false, short: choice.name }));
      assert.equal(question.validate!(selected), true, `${name}: Enter on the default selection`);
      assert.equal(question.validate!(selected.map((choice) => choice.value)), true, `${name}: plain values`);
    }
    assert.match(String(questionFor('targets', {})!.validate!([])), /--targets: choose at least one target/);
    // Current prompt types only: `list` prints "deprecated" on every question.
    assert.equal(questionFor('tlsMode', {})!.type, 'select');
  });

  it('asks follow-up questions in order, each `when` seeing the answers given so far (issue 23)', async () => {
    const asked = async (answers: Record<string, unknown>): Promise<string[]> => {
      const names: string[] = [];
      const ask = async (question: Question): Promise<unknown> => {
        names.push(question.name);
        return question.name in answers ? answers[question.name] : question.default ?? question.choices?.filter((c) => c.checked).map((c) => c.value);
      };
      await interview({}, ask, { useDefaults: false });
      return names;
    };
    const letsencrypt = await asked({});
    assert.equal(letsencrypt[letsencrypt.indexOf('tlsMode') + 1], 'acmeEmail');
    const provided = await asked({ tlsMode: 'provided' });
    assert.deepEqual(provided.slice(provided.indexOf('tlsMode') + 1, provided.indexOf('tlsMode') + 3), ['tlsCertPath', 'tlsKeyPath']);
    assert.ok(!provided.includes('acmeEmail'));
    assert.ok(!(await asked({ postgres: false })).includes('postgresReplica'));
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
