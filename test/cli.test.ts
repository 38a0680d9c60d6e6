/**
 * The `gitmesh-devops` bin as users run it: help and version, non-interactive failures that name
 * what is missing, every kind of bad input reported at once with nothing written, answers files.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { OPTION_NAMES, declarationOf } from '../generators/lib/options.js';
import { optionsMarkdown } from '../generators/lib/options-doc.js';

const BIN = join(process.cwd(), 'dist/bin/gitmesh-devops.js');
const bin = (args: string[], cwd?: string) => execa('node', [BIN, ...args], { reject: false, ...(cwd ? { cwd } : {}), stdin: 'ignore' });
const tmp = () => mkdtemp(join(tmpdir(), 'gitmesh-cli-'));

describe('gitmesh-devops bin', () => {
  it('prints --help with every option flag, and --version', async () => {
    const help = await bin(['--help']);
    assert.equal(help.exitCode, 0);
    for (const name of OPTION_NAMES) {
      const decl = declarationOf(name);
      if (decl.hidden) continue;
      // Booleans are listed with their negation, e.g. --[no-]postgres.
      assert.match(help.stdout, new RegExp(`^  --${decl.type === 'boolean' ? '\\[no-\\]' : ''}${decl.flag}\\b`, 'm'));
    }
    // Two columns: the text never runs into the flag or its choices (it used to read `single|cluster|noneOpenSearch topology`).
    for (const line of help.stdout.split('\n')) assert.ok(!/^  --\S+ \S*[a-z][A-Z]/.test(line) && line.length <= 120, `badly laid out help line: ${line}`);
    assert.match(help.stdout, /^  --opensearch CHOICE +OpenSearch topology\. One of: single, cluster, none\./m);
    assert.match(help.stdout, /^  --kind CHOICE +What it is: node-api, node-worker/m);
    const version = await bin(['--version']);
    assert.equal(version.stdout.trim(), JSON.parse(await readFile('package.json', 'utf8')).version);
  });

  it('with no terminal and no answers, fails at once naming the missing options, and writes nothing', async () => {
    const dir = await tmp();
    const result = await bin([], dir);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /No terminal to ask on.*--project-name.*--domain/s);
    assert.deepEqual(await readdir(dir), []);
  });

  const bad: Record<string, { args: string[]; message: RegExp }> = {
    'invalid domain': { args: ['--domain', 'not a domain'], message: /--domain: "not a domain" is not a valid fully-qualified domain name/ },
    'unknown service': { args: ['--services', 'api,frontend,mailer'], message: /unknown service "mailer"/ },
    'duplicate service': { args: ['--services', 'api,api,frontend'], message: /service "api" is listed twice/ },
    'path in project name': { args: ['--project-name', '../etc'], message: /--project-name: "\.\.\/etc" is not a slug/ },
    'shell metacharacters': { args: ['--project-name', 'a;rm -rf'], message: /is not a slug/ },
    'invalid cron': { args: ['--backup-schedule', '61 2 * * *'], message: /cron minute field "61"/ },
    'replica without PostgreSQL': { args: ['--no-postgres', '--postgres-replica'], message: /--postgres-replica needs --postgres/ },
    'port collision': {
      args: ['--custom-services', JSON.stringify([{ name: 'billing', kind: 'node-api', source: 'services/apps/billing', port: 8080 }])],
      message: /port 8080 of "billing" collides with service "api"/,
    },
    'invalid port': { args: ['--custom-services', JSON.stringify([{ name: 'billing', kind: 'node-api', source: 'x', port: 80 }])], message: /port 80 must be an integer from 1024 to 65535/ },
    'reserved port': { args: ['--custom-services', JSON.stringify([{ name: 'billing', kind: 'node-api', source: 'x', port: 5432 }])], message: /collides with PostgreSQL/ },
    'unknown data service': { args: ['--custom-services', JSON.stringify([{ name: 'billing', kind: 'node-worker', source: 'x', needs: ['mongodb'] }])], message: /needs must list data services/ },
    'kafka only while workers need SQS': { args: ['--queue', 'kafka'], message: /needs the SQS queue/ },
    'letsencrypt for a local name': { args: ['--domain', 'gitmesh.local'], message: /cannot issue a certificate for "gitmesh\.local"/ },
    'bad choice': { args: ['--tls-mode', 'manual'], message: /--tls-mode must be one of letsencrypt, provided, self-signed/ },
  };
  for (const [label, { args, message }] of Object.entries(bad)) {
    it(`rejects ${label} with a clear error, exit 1 and an empty directory`, async () => {
      const dir = await tmp();
      const result = await bin(['--defaults', ...args], dir);
      assert.equal(result.exitCode, 1, result.stdout);
      assert.match(result.stderr, /nothing was written/);
      assert.match(result.stderr, message);
      assert.deepEqual(await readdir(dir), []);
    });
  }

  it('reports every problem at once', async () => {
    const dir = await tmp();
    const result = await bin(['--defaults', '--domain', 'bad_domain', '--project-name', 'Bad Name', '--backup-schedule', 'daily'], dir);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /--project-name/);
    assert.match(result.stderr, /--domain/);
    assert.match(result.stderr, /--backup-schedule/);
    assert.deepEqual(await readdir(dir), []);
  });

  it('does not create a missing --output directory when input is invalid', async () => {
    const parent = await tmp();
    const result = await bin(['--defaults', '--domain', 'x', '--output', join(parent, 'new')]);
    assert.equal(result.exitCode, 1);
    assert.deepEqual(await readdir(parent), []);
  });

  it('takes a subset of answers from a JSON or YAML file, defaults the rest, and a rerun asks nothing', async () => {
    for (const [name, text] of [
      ['answers.json', JSON.stringify({ projectName: 'acme-mesh', domain: 'mesh.acme.io', 'size-profile': 'small' })],
      ['answers.yaml', 'projectName: acme-mesh\ndomain: mesh.acme.io\nsize-profile: small\nservices: [api, frontend]\n'],
    ] as const) {
      const dir = await tmp();
      const file = join(await tmp(), name);
      await writeFile(file, text);
      const first = await bin(['--answers', file], dir);
      assert.equal(first.exitCode, 0, first.stderr);
      const stored = JSON.parse(await readFile(join(dir, '.yo-rc.json'), 'utf8'))['generator-gitmesh-devops'].answers;
      assert.equal(stored.projectName, 'acme-mesh');
      assert.equal(stored.sizeProfile, 'small');
      assert.equal(stored.tlsMode, 'letsencrypt');
      const again = await bin([], dir);
      assert.equal(again.exitCode, 0, again.stderr);
      assert.match(again.stdout, /Nothing to change/);
    }
  });

  it('rejects a malformed answers file without writing', async () => {
    const dir = await tmp();
    const file = join(await tmp(), 'answers.yaml');
    await writeFile(file, 'projectName: [unclosed\n');
    const result = await bin(['--answers', file], dir);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /is not valid YAML/);
    assert.deepEqual(await readdir(dir), []);
  });

  it('rejects unknown flags', async () => {
    const result = await bin(['--defaults', '--colour', 'blue']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /unknown flag --colour/);
  });
});

describe('docs/options.md', () => {
  it('matches the option declarations (run `npm run docs:options` after changing them)', async () => {
    assert.equal(await readFile('docs/options.md', 'utf8'), optionsMarkdown());
  });
});
