/**
 * Issue 19: answers that would break a generated file are refused in validation, all at once, with
 * nothing written: cron whitespace (R1), infrastructure names (R2), colliding env and secret names
 * (R3), lengths from the consuming tools (R4), answers-file typing (A1), and the minor items.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { resolveAnswers, type RawAnswers } from '../generators/lib/answers.js';
import { renderFiles } from '../generators/lib/files/index.js';
import { prepare } from '../generators/lib/prepare/index.js';
import { answersFrom } from './support/generate.js';
import { repoState, runBin, stateDiff } from './support/repo-state.js';

const tmp = (label: string) => mkdtemp(join(tmpdir(), `gitmesh-limits-${label}-`));
const problemsOf = (raw: RawAnswers): string[] => [...resolveAnswers(raw, { useDefaults: true }).problems];
const custom = (service: Record<string, unknown>): RawAnswers => ({ customServices: [{ name: 'billing', kind: 'node-api', source: 'services/apps/billing', port: 9100, ...service }] });

function refused(raw: RawAnswers, pattern: RegExp): void {
  const problems = problemsOf(raw);
  assert.ok(problems.some((problem) => pattern.test(problem)), `expected ${pattern} for ${JSON.stringify(raw).slice(0, 200)}, got: ${JSON.stringify(problems).slice(0, 600)}`);
}
const accepted = (raw: RawAnswers): void => assert.deepEqual(problemsOf(raw), [], JSON.stringify(raw).slice(0, 200));

describe('issue 19: answers that would break a file are refused', function () {
  this.timeout(120_000);

  it('R1: a cron schedule is five fields separated by single ASCII spaces, or a macro; any other whitespace is refused', () => {
    for (const inner of ['\n', '\r', '\v', '\f', '\u2028', '\u2029', '\t', '\u00a0', '\ufeff', '\u3000', '\u2003', '  ', '\u0085']) {
      refused({ backupSchedule: `15${inner}2 * * *` }, /--backup-schedule: .*single spaces/);
    }
    for (const good of ['15 2 * * *', '*/30 1-5 * * 1,3', '@daily', '@hourly', '@weekly', '@monthly', '@yearly', '@annually']) accepted({ backupSchedule: good });
    refused({ backupSchedule: '@reboot' }, /--backup-schedule/);
    // A macro's crontab line has one schedule field before the command; the RPO still reads right.
    const files = new Map(renderFiles(prepare(answersFrom({ backupSchedule: '@daily' }))).map((file) => [file.path, file.content]));
    assert.match(files.get('config/backup/crontab')!, /^@daily \/\S+\/backup\.sh --if-idle$/m);
    assert.match(files.get('docs/runbooks/disaster-recovery.md')!, /\*\*24 hours\*\*/);
  });

  it('R2: every service name the stack uses is reserved, derived from the rendered compose files (a new infra service is covered)', () => {
    const variants: RawAnswers[] = [
      { opensearch: 'single', tlsMode: 'letsencrypt', targets: 'compose,kubernetes', backupOffsite: true, postgresReplica: true, queue: 'sqs+kafka' },
      { opensearch: 'cluster', tlsMode: 'self-signed' },
    ];
    const names = new Set<string>();
    for (const raw of variants) {
      for (const file of renderFiles(prepare(answersFrom(raw)))) {
        if (/^compose(\.[a-z]+)?\.yaml$/.test(file.path)) for (const name of Object.keys(parse(file.content).services ?? {})) names.add(name);
      }
    }
    for (const expected of ['postgres', 'nginx', 'redis', 'backup', 'migrate', 'certbot', 'prometheus', 'grafana', 'docker-socket-proxy', 'opensearch-2', 'shellcheck']) assert.ok(names.has(expected), expected);
    for (const name of names) refused({ services: 'api,frontend', ...custom({ name }) }, new RegExp(`"${name}" is (a service name of the stack|already a service)`));
  });

  it('R2: add-service --name postgres (or nginx, backup) is refused naming --name, with nothing written', async () => {
    const dir = await tmp('r2');
    assert.equal((await runBin(dir, ['--defaults'])).exitCode, 0);
    const before = await repoState(dir);
    for (const name of ['postgres', 'nginx', 'backup', 'docker-socket-proxy', 'search-sync-api']) {
      const result = await runBin(dir, ['add-service', '--name', name, '--kind', 'node-api', '--source', 'services/apps/x', '--port', '9100']);
      assert.equal(result.exitCode, 1, result.stdout);
      assert.match(result.stderr, new RegExp(`--name: "${name}" is (a service name of the stack|already a service)`));
    }
    assert.deepEqual(stateDiff(before, await repoState(dir)), []);
  });

  it('R3: duplicate env names, names the wiring sets, <SECRET>_FILE next to a secret, duplicate or stack secrets are refused', () => {
    refused(custom({ env: ['AA', 'AA'] }), /env name AA is listed twice/);
    refused(custom({ env: ['DB_PASSWORD_FILE'], needs: ['postgres'] }), /env name DB_PASSWORD_FILE is set by the generator/);
    refused(custom({ env: ['NODE_ENV'] }), /env name NODE_ENV is set by the generator/);
    refused(custom({ env: ['TOKEN_FILE'], secrets: ['token'] }), /env name TOKEN_FILE is set by the generator/);
    refused(custom({ secrets: ['token', 'token'] }), /secret token is listed twice/);
    refused(custom({ secrets: ['token'], externalSecrets: ['token'] }), /secret token is listed twice/);
    refused(custom({ secrets: ['postgres_password'] }), /secret postgres_password is a secret of the stack/);
    accepted(custom({ env: ['BILLING_PLAN'], secrets: ['billing_token'], needs: ['postgres'] }));
  });

  it('R4: free-text answers have limits from the tools that consume them', () => {
    refused(custom({ env: [`A${'B'.repeat(9999)}`] }), /--custom-services: .*env name "ABBBB.*\(10000 characters\) is longer than 128/);
    refused(custom({ routePath: `/${'a'.repeat(9999)}/` }), /route .* is longer than 255/);
    const label = 'a'.repeat(52);
    accepted({ domain: `${label}.example.com`, tlsMode: 'self-signed' }); // 64 characters: a certificate CN holds it
    refused({ domain: `${label}x.example.com`, tlsMode: 'self-signed' }, /--domain: .* is longer than 64 characters \(the certificate common name limit\)/);
    refused({ acmeEmail: `${'a'.repeat(65)}@example.com` }, /--acme-email/);
    refused({ tlsMode: 'provided', tlsCertPath: `/${'a'.repeat(5000)}` }, /--tls-cert-path: .* is longer than/);
    refused({ gitmeshRepo: `https://example.com/${'a'.repeat(3000)}` }, /--gitmesh-repo: .* is longer than/);
    refused(custom({ source: `a/${'b'.repeat(300)}` }), /source .* is longer than/);
  });

  it('A1: answers files: unquoted YAML refs, JSON duplicate keys, "0x10", null, huge files and values are refused, nothing written', async () => {
    const files = await tmp('a1-files');
    const cases: [string, string | Buffer, RegExp][] = [
      ['ref.yaml', 'gitmeshRef: 0123456\n', /--gitmesh-ref must be a quoted string \(the file holds the number 123456\)/],
      ['hex.yaml', 'hstsMaxAge: 0x10\n', /--hsts-max-age must be a decimal integer/],
      ['dup.json', '{"domain": "a.example.com", "domain": "b.example.com"}', /duplicate key "domain"/],
      ['nested-dup.json', '{"customServices": [{"name": "billing", "name": "x", "kind": "node-worker", "source": "x"}]}', /duplicate key "name"/],
      ['hex.json', '{"hstsMaxAge": "0x10"}', /--hsts-max-age must be a decimal integer, got "0x10"/],
      ['null.json', '{"domain": null}', /--domain: null is not a value; leave the key out to take the default/],
      ['null.yaml', 'domain:\n', /--domain: null is not a value/],
      ['big.json', Buffer.alloc(2 * 1024 * 1024, 0x20), /is larger than 1 MiB/],
    ];
    for (const [name, text, message] of cases) {
      const dir = await tmp('a1');
      await writeFile(join(files, name), text);
      const result = await runBin(dir, ['--answers', join(files, name)]);
      assert.equal(result.exitCode, 1, `${name}: ${result.stdout}`);
      assert.match(result.stderr, message, name);
      assert.deepEqual(await readdir(dir), [], name);
    }
    refused({ customServices: '[{"name": "billing", "name": "x", "kind": "node-worker", "source": "x"}]' }, /--custom-services: the key "name" appears twice/);
    const dir = await tmp('a1-dev');
    const zero = await runBin(dir, ['--answers', '/dev/zero']);
    assert.equal(zero.exitCode, 1);
    assert.match(zero.stderr, /--answers: \/dev\/zero is not a regular file/);
    // A huge value is echoed truncated, never whole.
    const huge = await runBin(dir, ['--defaults', '--domain', `${'x'.repeat(100_000)}.com`]);
    assert.equal(huge.exitCode, 1);
    assert.match(huge.stderr, /--domain: "x{20,}…" \(100004 characters\)/);
    assert.ok(huge.stderr.length < 2_000, `error of ${huge.stderr.length} characters`);
    assert.deepEqual(await readdir(dir), []);
  });

  it('minor: environments in promotion order, no duplicates; a route never shadows part of another service', async () => {
    refused({ environments: 'production,staging' }, /--environments: list the environments in promotion order: staging, production/);
    refused({ environments: 'staging,staging' }, /--environments: "staging" is listed twice/);
    refused({ targets: 'compose,compose' }, /--targets: "compose" is listed twice/);
    accepted({ environments: 'production' });
    refused(custom({ routePath: '/api/v1/' }), /route \/api\/v1\/ of "billing" would take over part of \/api\/ \(served by "api"\)/);
    refused(custom({ routePath: '/webhooks/' }), /route \/webhooks\/ of "billing" would take over/);
    accepted(custom({ routePath: '/billing/' }));
    const dir = await tmp('minor');
    assert.equal((await runBin(dir, ['--defaults'])).exitCode, 0);
    const result = await runBin(dir, ['add-service', '--name', 'billing', '--kind', 'node-api', '--source', 'x', '--port', '9100', '--route', '/api/v1/', '--env-vars', 'AA,AA']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /--route: route \/api\/v1\/ of "billing" would take over part of \/api\//);
    assert.match(result.stderr, /--env-vars: env name AA is listed twice/);
    assert.doesNotMatch(result.stderr, /customServices\[/);
    const stored = JSON.parse(await readFile(join(dir, '.yo-rc.json'), 'utf8'))['generator-gitmesh-devops'].answers;
    assert.deepEqual(stored.customServices, []);
  });
});
