/**
 * Issue #5: backups, restore and disaster recovery, proven against real PostgreSQL 15 and Redis 7.
 * The generated scripts run as they are, configured through the environment, against servers this
 * file starts on loopback (free high ports, throwaway data dirs). OpenSearch is not installable
 * here: its snapshot API is played by a small local HTTP server (the tests say so in their names).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import type { RawAnswers } from '../generators/lib/answers.js';
import { backupFiles } from '../generators/lib/files/backup.js';
import { BACKUP_METRICS, BACKUP_METRICS_VOLUME, TEMPORAL_DATABASES, backupContribution, backupView, rpoFor } from '../generators/lib/prepare/backup.js';
import { render } from '../generators/lib/render.js';
import { IMAGES, POSTGRES_MAJOR } from '../generators/lib/versions.js';
import { modelFrom } from './support/generate.js';
import { dockerfileErrors, requireTool, shellcheckErrors } from './support/validators.js';

const PG_BIN = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
const PG_PASSWORD = 'pg-secret:with\\odd';
const REDIS_PASSWORD = 'redis-secret';

/** Renders the backup concern's files for these answers into a fresh directory. */
function renderBackup(raw: RawAnswers = {}): string {
  const model = modelFrom(raw);
  const dir = mkdtempSync(join(tmpdir(), 'gitmesh-backup-gen-'));
  for (const spec of backupFiles(model)) {
    const path = join(dir, spec.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, render(spec.template, model, spec.locals));
    if (spec.executable) chmodSync(path, 0o755);
  }
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Test fixture: one PostgreSQL cluster, one Redis, the generated scripts and their environment. */
class Stack {
  readonly root = mkdtempSync(join(tmpdir(), 'gitmesh-backup-test-'));
  readonly scripts = renderBackup();
  pgPort = 0;
  redisPort = 0;
  readonly pgData = join(this.root, 'pgdata');
  readonly redisData = join(this.root, 'redis');
  readonly redisConf = join(this.root, 'redis.conf');
  readonly pgPasswordFile = join(this.root, 'pg_password');
  readonly redisPasswordFile = join(this.root, 'redis_password');
  readonly pgUser = process.getuid?.() === 0 ? 'postgres' : undefined;

  async start(): Promise<void> {
    for (const tool of ['psql', 'pg_dump', 'pg_restore', 'redis-server', 'redis-cli', 'zstd', 'jq', 'curl', 'flock', 'shellcheck', 'sha256sum']) requireTool(tool);
    if (!existsSync(`${PG_BIN}/postgres`)) throw new Error(`PostgreSQL ${POSTGRES_MAJOR} is not installed; run: sudo bash .ci/install-deps.sh`);
    chmodSync(this.root, 0o755);
    [this.pgPort, this.redisPort] = [await freePort(), await freePort()];
    writeFileSync(this.pgPasswordFile, PG_PASSWORD);
    writeFileSync(this.redisPasswordFile, `${REDIS_PASSWORD}\n`);
    // initdb refuses root: as root, the cluster runs as Debian's unprivileged postgres user.
    mkdirSync(this.pgData, { mode: 0o700 });
    const pwfile = join(this.root, 'initdb-pw');
    writeFileSync(pwfile, PG_PASSWORD);
    if (this.pgUser) {
      const { stdout } = await execa('id', ['-u', this.pgUser]);
      const { stdout: gid } = await execa('id', ['-g', this.pgUser]);
      chownSync(this.pgData, Number(stdout), Number(gid));
      chownSync(pwfile, Number(stdout), Number(gid));
    }
    await this.asPg(`${PG_BIN}/initdb`, ['-D', this.pgData, '-U', 'gitmesh', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync']);
    await this.asPg(`${PG_BIN}/pg_ctl`, ['-D', this.pgData, '-w', '-l', join(this.pgData, 'server.log'), '-o', `-p ${this.pgPort} -k ${this.pgData} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, 'start']);
    await this.psql('postgres', 'CREATE DATABASE "gitmesh-web"');
    // What temporalio/auto-setup creates on the same server (Temporal runs in the default stack).
    for (const name of TEMPORAL_DATABASES) await this.psql('postgres', `CREATE DATABASE ${name}`);
    mkdirSync(this.redisData);
    writeFileSync(
      this.redisConf,
      [
        `port ${this.redisPort}`,
        'bind 127.0.0.1',
        `dir ${this.redisData}`,
        `requirepass ${REDIS_PASSWORD}`,
        'appendonly yes',
        'save ""',
        'repl-diskless-sync-delay 0',
        'daemonize yes',
        `pidfile ${join(this.root, 'redis.pid')}`,
        `logfile ${join(this.root, 'redis.log')}`,
      ].join('\n') + '\n',
    );
    await this.startRedis();
  }

  async stop(): Promise<void> {
    await execa('redis-cli', ['-p', String(this.redisPort), '--no-auth-warning', 'shutdown', 'nosave'], { reject: false, env: { REDISCLI_AUTH: REDIS_PASSWORD } });
    await this.asPg(`${PG_BIN}/pg_ctl`, ['-D', this.pgData, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.scripts, { recursive: true, force: true });
  }

  asPg(cmd: string, args: string[]): Promise<unknown> {
    return this.pgUser ? execa('runuser', ['-u', this.pgUser, '--', cmd, ...args]) : execa(cmd, args);
  }

  async startRedis(): Promise<void> {
    await execa('redis-server', [this.redisConf]);
    for (let i = 0; i < 300; i += 1) {
      if ((await this.redis('PING').catch(() => '')) === 'PONG') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis did not start: ${existsSync(join(this.root, 'redis.log')) ? readFileSync(join(this.root, 'redis.log'), 'utf8').slice(-2000) : 'no log'}`);
  }

  async psql(db: string, sql: string): Promise<string> {
    const { stdout } = await execa('psql', ['-h', '127.0.0.1', '-p', String(this.pgPort), '-U', 'gitmesh', '-d', db, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: { PGPASSWORD: PG_PASSWORD } });
    return stdout;
  }

  async redis(...args: string[]): Promise<string> {
    const { stdout } = await execa('redis-cli', ['-p', String(this.redisPort), '--no-auth-warning', ...args], { env: { REDISCLI_AUTH: REDIS_PASSWORD } });
    return stdout;
  }

  /** The environment the scripts run with: only what they are configured through. */
  env(backupDir: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.root,
      LANG: 'C.UTF-8',
      // Scratch dirs of runs the tests SIGKILL stay inside the test root.
      TMPDIR: this.root,
      BACKUP_DIR: backupDir,
      BACKUP_METRICS_DIR: join(backupDir, '..', `${backupDir.split('/').pop() ?? 'x'}-metrics`),
      BACKUP_ENVIRONMENT: 'test',
      BACKUP_COMPONENTS: 'postgres redis',
      PG_HOST: '127.0.0.1',
      PG_PORT: String(this.pgPort),
      PG_PASSWORD_FILE: this.pgPasswordFile,
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(this.redisPort),
      REDIS_PASSWORD_FILE: this.redisPasswordFile,
      REDIS_DATA_DIR: this.redisData,
      REDIS_STOP_CMD: `REDISCLI_AUTH='${REDIS_PASSWORD}' redis-cli -p ${this.redisPort} --no-auth-warning shutdown nosave`,
      REDIS_START_CMD: `redis-server ${this.redisConf}`,
      REDIS_POST_CHECK: '1',
      ...extra,
    };
  }

  async run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
    const r = await execa('bash', [join(this.scripts, 'scripts', script), ...args], { env, extendEnv: false, reject: false, stdin: 'ignore' });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** Starts a script detached in its own process group (so it can be killed like a container). */
  spawnScript(script: string, env: Record<string, string>): ChildProcess {
    return spawn('bash', [join(this.scripts, 'scripts', script)], { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

const sets = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((name) => /^\d{8}T\d{6}Z$/.test(name)).sort() : []);
const partials = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.partial')) : []);
const metric = (file: string, name: string): number => {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} missing from ${file}`);
  return Number(line.split(' ')[1]);
};
const DAY = 86_400;
/** 2025-01-01T02:15:00Z, a Wednesday. */
const T0 = Date.UTC(2025, 0, 1, 2, 15, 0) / 1000;

/** Fills a directory with an executable wrapper that sleeps before running the real tool. */
function slowTool(root: string, tool: string, seconds: number): string {
  const dir = mkdtempSync(join(root, 'slow-'));
  writeFileSync(join(dir, tool), `#!/bin/sh\nsleep ${seconds}\nexec /usr/bin/${tool} "$@"\n`, { mode: 0o755 });
  return dir;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('backup concern: model, image and files', () => {
  it('adds a pinned, non-root backup service on the data network with volumes, image, targets and docs', () => {
    const model = modelFrom({});
    const backup = model.composeServices.find((svc) => svc.name === 'backup');
    assert.ok(backup, 'backup service');
    assert.equal(backup.user, '10001:10001');
    assert.ok(backup.networks.includes('data'));
    assert.match(backup.image, /^ghcr\.io\/your-org\/gitmesh-backup:\$\{GITMESH_IMAGE_TAG/);
    assert.ok(backup.readOnly && backup.healthcheck.test.length > 0 && backup.resources.limits.memory);
    // issue 18: the Redis backup user; issue 16: the defaults deploy production, so offsite copies (and their keys) are on.
    assert.equal(model.settings.backup.offsite, true);
    assert.deepEqual(backup.secrets, ['postgres_password', 'redis_backup_password', 'backup_offsite_access_key_id', 'backup_offsite_secret_access_key']);
    assert.ok(backup.mounts.some((m) => m.type === 'volume' && m.source === 'backups'));
    assert.ok(backup.mounts.some((m) => m.source === BACKUP_METRICS_VOLUME));
    assert.ok(backup.mounts.filter((m) => m.type === 'bind').every((m) => m.readOnly));
    assert.deepEqual(model.builtImages.find((i) => i.name === 'backup'), { name: 'backup', repository: 'ghcr.io/your-org/gitmesh-backup', dockerfile: 'docker/backup/Dockerfile', context: 'docker/backup' });
    for (const target of ['backup', 'restore', 'verify-backup']) assert.ok(model.makeTargets.some((t) => t.name === target), target);
    assert.ok(model.docs.some((d) => d.path === 'docs/runbooks/backup-restore.md'));
    assert.ok(model.volumes.some((v) => v.name === 'backups') && model.volumes.some((v) => v.name === BACKUP_METRICS_VOLUME));
    assert.equal(BACKUP_METRICS.lastSuccess, 'gitmesh_backup_last_success_timestamp_seconds');
  });

  it('backs up what runs: components follow the data answers; offsite credentials are secrets only when enabled', () => {
    assert.deepEqual(backupView(modelFrom({})).components, ['postgres', 'redis', 'opensearch']);
    assert.deepEqual(backupView(modelFrom({ redis: false, opensearch: 'none' })).components, ['postgres']);
    assert.equal(backupView(modelFrom({ opensearch: 'cluster' })).opensearchUrl, 'http://opensearch-1:9200');
    const external = modelFrom({ postgres: false, redis: false, opensearch: 'none' }).composeServices.find((s) => s.name === 'backup');
    assert.ok(external?.environment.some(([k, v]) => k === 'PG_HOST' && v.startsWith('${DB_WRITE_HOST')));
    assert.deepEqual(external?.dependsOn, []);
    // Staging only: offsite off by default; the Barman role's password is the only secret.
    assert.deepEqual(backupContribution(modelFrom({ environments: ['staging'] })).secrets?.map((s) => s.name), ['postgres_backup_password']);
    assert.deepEqual(backupContribution(modelFrom({ environments: ['staging'], postgres: false, redis: false, opensearch: 'none' })).secrets, []);
    // Production (a default environment): offsite on by default, its credentials are operator secrets.
    const offsite = backupContribution(modelFrom({}));
    assert.deepEqual(offsite.secrets?.map((s) => [s.name, s.source.kind]), [['postgres_backup_password', 'random'], ['backup_offsite_access_key_id', 'optional'], ['backup_offsite_secret_access_key', 'optional']]);
  });

  it('builds FROM the postgres image of the server major, pinned, and passes dockerfile-utils', async () => {
    assert.match(IMAGES.postgres, new RegExp(`^postgres:${POSTGRES_MAJOR}\\.\\d+-alpine`));
    const dir = renderBackup();
    const dockerfile = readFileSync(join(dir, 'docker/backup/Dockerfile'), 'utf8');
    assert.ok(dockerfile.includes(`FROM ${IMAGES.postgres}`));
    assert.match(dockerfile, /USER 10001:10001/);
    assert.deepEqual(await dockerfileErrors(dockerfile), []);
    assert.match(readFileSync(join(dir, 'config/backup/crontab'), 'utf8'), /^15 2 \* \* \* \/opt\/gitmesh-backup\/backup\.sh --if-idle$/m);
    rmSync(dir, { recursive: true });
  });

  it('backs up every PostgreSQL database the stack owns: GitMesh first, Temporal\'s when Temporal runs (on the same server, also when it is external)', async () => {
    const names = (raw: RawAnswers): string[] => backupView(modelFrom(raw)).pgDatabases.map((db) => `${db.name}:${db.dir}`);
    assert.deepEqual(names({}), ['gitmesh-web:postgres', 'temporal:postgres-temporal', 'temporal_visibility:postgres-temporal_visibility']);
    assert.deepEqual(names({ postgres: false }), names({}));
    assert.deepEqual(names({ temporal: false }), ['gitmesh-web:postgres']);
    assert.deepEqual(backupView(modelFrom({})).pgExtraDatabases, ['temporal', 'temporal_visibility']);
    assert.deepEqual(backupView(modelFrom({ temporal: false })).pgExtraDatabases, []);
    const on = renderBackup();
    const off = renderBackup({ temporal: false });
    assert.match(readFileSync(join(on, 'scripts/lib/backup-lib.sh'), 'utf8'), /^PG_EXTRA_DATABASES=\$\{PG_EXTRA_DATABASES-'temporal temporal_visibility'\}$/m);
    assert.match(readFileSync(join(off, 'scripts/lib/backup-lib.sh'), 'utf8'), /^PG_EXTRA_DATABASES=\$\{PG_EXTRA_DATABASES-''\}$/m);
    const runbook = readFileSync(join(on, 'docs/runbooks/backup-restore.md'), 'utf8');
    for (const db of ['temporal', 'temporal_visibility']) assert.ok(runbook.includes(`\`postgres-${db}/\``), db);
    assert.match(runbook, /not atomic across databases/);
    assert.doesNotMatch(readFileSync(join(off, 'docs/runbooks/backup-restore.md'), 'utf8'), /temporal_visibility/);
    for (const dir of [on, off]) rmSync(dir, { recursive: true });
  });

  it('states the RPO from the schedule', () => {
    assert.equal(rpoFor('15 2 * * *'), '24 hours');
    assert.equal(rpoFor('0 */6 * * *'), '6 hours');
    assert.equal(rpoFor('0 2,14 * * *'), '12 hours');
    assert.equal(rpoFor('5 * * * *'), '1 hour');
  });

  it('every generated script is shellcheck-clean across the option matrix', async () => {
    const matrix: RawAnswers[] = [{}, { temporal: false }, { tlsMode: 'provided' }, { tlsMode: 'self-signed' }, { postgresReplica: true }, { opensearch: 'cluster' }, { opensearch: 'none', redis: false }, { monitoring: false }, { services: 'api,frontend' }, { postgres: false, redis: false, opensearch: 'none' }];
    const dirs = matrix.map((raw) => renderBackup(raw));
    const files = dirs.flatMap((dir) => ['backup.sh', 'restore.sh', 'verify-backup.sh', 'restore-stack.sh', 'lib/backup-lib.sh'].map((f) => join(dir, 'scripts', f)));
    assert.deepEqual(await shellcheckErrors(files), []);
    for (const dir of dirs) rmSync(dir, { recursive: true });
  });
});

describe('backup scripts against real PostgreSQL and Redis', function () {
  this.timeout(120_000);
  const stack = new Stack();
  before(async () => {
    await stack.start();
  });
  after(async () => {
    await stack.stop();
  });

  async function seed(): Promise<void> {
    await stack.psql(
      'gitmesh-web',
      `CREATE TABLE members (id bigserial PRIMARY KEY, login text NOT NULL, profile jsonb, joined timestamptz NOT NULL DEFAULT '2025-01-01');
       INSERT INTO members (login, profile) SELECT 'user' || i, jsonb_build_object('n', i, 'tags', ARRAY['a', 'b']) FROM generate_series(1, 5000) i;
       CREATE TABLE attachments (id int PRIMARY KEY, body bytea NOT NULL);
       INSERT INTO attachments SELECT i, decode(repeat(md5(i::text), 64), 'hex') || '\\x00ff00'::bytea FROM generate_series(1, 300) i;
       CREATE SCHEMA audit;
       CREATE TABLE audit."Event Log" (at int, what text);
       INSERT INTO audit."Event Log" SELECT i, repeat('x', i % 50) FROM generate_series(1, 777) i;
       CREATE TABLE documents (id int PRIMARY KEY, content oid);
       INSERT INTO documents SELECT i, lo_from_bytea(0, convert_to(repeat('large object ' || i, 2000), 'UTF8')) FROM generate_series(1, 5) i;
       CREATE SEQUENCE invoice_no START 1000;
       SELECT setval('invoice_no', 4242);`,
    );
    await stack.redis('SET', 'session:1', 'alice');
    await stack.redis('HSET', 'member:1', 'login', 'alice', 'score', '42');
    await stack.redis('XADD', 'events', '1700000000000-0', 'type', 'signup', 'who', 'alice');
    await stack.redis('XADD', 'events', '1700000000001-0', 'type', 'login', 'who', 'bob');
    await stack.redis('SET', 'lock:job', 'held', 'EX', '3600');
    await stack.redis('SADD', 'tags', 'a', 'b', 'c');
  }

  async function pgFingerprint(): Promise<Record<string, string>> {
    const tables = ['members', 'attachments', 'audit."Event Log"', 'documents'];
    const out: Record<string, string> = {};
    for (const table of tables) out[table] = await stack.psql('gitmesh-web', `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM ${table} t`);
    out.largeObjects = await stack.psql('gitmesh-web', `SELECT count(*) || ':' || md5(string_agg(md5(lo_get(d.content)), '|' ORDER BY d.id)) FROM documents d`);
    out.sequence = await stack.psql('gitmesh-web', 'SELECT last_value || \':\' || is_called FROM invoice_no');
    out.members_seq = await stack.psql('gitmesh-web', "SELECT last_value FROM members_id_seq");
    return out;
  }

  async function redisFingerprint(): Promise<{ values: Record<string, string>; ttl: number }> {
    const keys = (await stack.redis('--scan')).split('\n').filter(Boolean).sort();
    const values: Record<string, string> = { keys: keys.join(',') };
    values['session:1'] = await stack.redis('GET', 'session:1');
    values['member:1'] = (await stack.redis('HGETALL', 'member:1')).split('\n').join(',');
    values.events = await stack.redis('XRANGE', 'events', '-', '+');
    values.tags = (await stack.redis('SMEMBERS', 'tags')).split('\n').sort().join(',');
    values['lock:job'] = await stack.redis('GET', 'lock:job');
    values.persist = await stack.redis('TTL', 'session:1');
    return { values, ttl: Number(await stack.redis('TTL', 'lock:job')) };
  }

  it('round trip: backup.sh, drop and mutate everything, restore.sh gives identical tables, sequences, large objects and Redis keys/values/TTLs', async () => {
    await seed();
    const pgBefore = await pgFingerprint();
    const redisBefore = await redisFingerprint();
    const dir = join(stack.root, 'roundtrip');
    const env = stack.env(dir);
    const backup = await stack.run('backup.sh', [], env);
    assert.equal(backup.exitCode, 0, backup.stderr);
    assert.match(backup.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ backup\.sh\[\d+\] /m, 'timestamped log lines');
    const [id] = sets(dir);
    assert.ok(id);
    const manifest = JSON.parse(readFileSync(join(dir, id, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.postgres.row_counts, { 'audit."Event Log"': 777, 'public.attachments': 300, 'public.documents': 5, 'public.members': 5000 });
    assert.equal(manifest.compression, 'zstd');
    // The dump stays a pg_dump directory, every table file compressed by pg_dump itself (no uncompressed staging).
    assert.equal(manifest.postgres.dir, 'postgres');
    const names: string[] = manifest.files.map((f: { name: string }) => f.name);
    assert.ok(names.includes('postgres/toc.dat') && names.includes('redis.rdb.zst'), names.join(','));
    assert.ok(names.filter((n) => /^postgres\/\d+\.dat/.test(n)).every((n) => n.endsWith('.dat.gz')), names.join(','));
    assert.deepEqual(readdirSync(join(dir, id)).sort(), ['SHA256SUMS', 'manifest.json', 'postgres', 'postgres-temporal', 'postgres-temporal_visibility', 'redis.rdb.zst']);
    assert.ok(manifest.files.every((f: { sha256: string; bytes: number }) => /^[0-9a-f]{64}$/.test(f.sha256) && f.bytes > 0));
    assert.match(manifest.postgres.server_version, new RegExp(`^${POSTGRES_MAJOR}\\.`));
    assert.ok(manifest.redis.server_version && typeof manifest.duration_seconds === 'number');
    await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(dir, id) });
    const metrics = join(env.BACKUP_METRICS_DIR ?? '', 'gitmesh_backup.prom');
    assert.equal(metric(metrics, BACKUP_METRICS.lastStatus), 1);
    assert.ok(metric(metrics, BACKUP_METRICS.lastSize) > 0);

    // Damage: drop a table, mutate rows, move sequences, add a table; flush and rewrite Redis.
    await stack.psql('gitmesh-web', `DROP TABLE attachments; UPDATE members SET login = 'x' WHERE id < 100; DELETE FROM audit."Event Log"; SELECT setval('invoice_no', 1); SELECT lo_unlink(content) FROM documents; INSERT INTO members (login) VALUES ('late'); CREATE TABLE stray (x int)`);
    await stack.redis('FLUSHALL');
    await stack.redis('SET', 'session:1', 'mallory');
    await stack.redis('SET', 'new-key', '1');

    // Production needs the explicit flag; a dry run touches nothing.
    const refused = await stack.run('restore.sh', ['--yes'], { ...env, BACKUP_ENVIRONMENT: 'production' });
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /--confirm-production/);
    const dry = await stack.run('restore.sh', [], env);
    assert.equal(dry.exitCode, 0);
    assert.equal(await stack.redis('GET', 'session:1'), 'mallory');

    const restore = await stack.run('restore.sh', ['--set', id, '--yes', '--confirm-production'], { ...env, BACKUP_ENVIRONMENT: 'production', PG_KEEP_OLD: '0' });
    assert.equal(restore.exitCode, 0, restore.stderr);
    assert.deepEqual(await pgFingerprint(), pgBefore);
    assert.equal(await stack.psql('gitmesh-web', "SELECT to_regclass('stray') IS NULL"), 't');
    const redisAfter = await redisFingerprint();
    assert.deepEqual(redisAfter.values, redisBefore.values);
    assert.ok(redisAfter.ttl > 0 && redisAfter.ttl <= redisBefore.ttl && redisBefore.ttl - redisAfter.ttl < 60, `TTL kept: ${redisBefore.ttl} -> ${redisAfter.ttl}`);
    assert.equal(await stack.psql('postgres', "SELECT count(*) FROM pg_database WHERE datname LIKE 'gitmesh-web\\_\\_%'"), '0');

    // The restore drill passes on the same set and cleans up its scratch database.
    const verify = await stack.run('verify-backup.sh', [], env);
    assert.equal(verify.exitCode, 0, verify.stderr);
    assert.match(verify.stderr, /row counts match the manifest for 4 tables/);
    assert.equal(await stack.psql('postgres', "SELECT count(*) FROM pg_database WHERE datname LIKE '%verify%'"), '0');
    assert.equal(metric(join(env.BACKUP_METRICS_DIR ?? '', 'gitmesh_backup_verify.prom'), BACKUP_METRICS.verifyLastStatus), 1);
  });

  it('encrypts to an age recipient; restore without the private key fails before touching anything, the drill passes with it', async () => {
    requireTool('age');
    requireTool('age-keygen');
    const keyFile = join(stack.root, 'age.key');
    await execa('age-keygen', ['-o', keyFile]);
    const recipient = /public key: (age1\S+)/.exec(readFileSync(keyFile, 'utf8'))?.[1];
    assert.ok(recipient);
    const dir = join(stack.root, 'encrypted');
    const env = stack.env(dir, { BACKUP_AGE_RECIPIENTS: recipient, BACKUP_COMPONENTS: 'postgres' });
    assert.equal((await stack.run('backup.sh', [], env)).exitCode, 0);
    const [id] = sets(dir);
    // Every file of the dump directory is encrypted on its own; nothing is left in clear.
    const dumpFiles = readdirSync(join(dir, id ?? '', 'postgres'));
    assert.ok(id && dumpFiles.includes('toc.dat.age'), dumpFiles.join(','));
    for (const name of dumpFiles) {
      assert.match(name, /\.age$/);
      assert.equal(readFileSync(join(dir, id, 'postgres', name)).subarray(0, 21).toString(), 'age-encryption.org/v1', name);
    }
    const noKey = await stack.run('restore.sh', ['--yes'], env);
    assert.notEqual(noKey.exitCode, 0);
    assert.match(noKey.stderr, /BACKUP_AGE_IDENTITY_FILE/);
    assert.equal(await stack.psql('postgres', "SELECT count(*) FROM pg_database WHERE datname LIKE 'gitmesh-web\\_\\_%'"), '0');
    const drill = await stack.run('verify-backup.sh', [], { ...env, BACKUP_AGE_IDENTITY_FILE: keyFile });
    assert.equal(drill.exitCode, 0, drill.stderr);
  });

  it('large tables are dumped as parallel block ranges of one snapshot and loaded back in parallel (PG_SPLIT_MIN_MB=0 splits every table, 3 ranges each, encrypted): exact round trip of awkward values, generated and dropped columns, quoted names, inheritance and partitions, indexes and foreign keys, and of the database locale, settings, owner, privileges and role settings; the drill passes', async () => {
    requireTool('age-keygen');
    const keyFile = join(stack.root, 'split-age.key');
    await execa('age-keygen', ['-o', keyFile]);
    const recipient = /public key: (age1\S+)/.exec(readFileSync(keyFile, 'utf8'))?.[1] ?? '';
    const odd = '"odd ""schema"""."Awkward.Table"';
    await stack.psql('postgres', 'DROP DATABASE IF EXISTS splitdb');
    // A locale other than the server's default, and database-level settings: the restore must give
    // them back (pg_dump leaves them out), and the dump sessions must override the output styles.
    await stack.psql('postgres', "CREATE DATABASE splitdb TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
    await stack.psql('postgres', "ALTER DATABASE splitdb SET datestyle = 'SQL, DMY'; ALTER DATABASE splitdb SET intervalstyle = 'sql_standard'; ALTER DATABASE splitdb SET extra_float_digits = -10");
    await stack.psql('postgres', `ALTER DATABASE splitdb SET search_path = "$user", "odd, name", public; ALTER DATABASE splitdb SET app.tenant = 'it''s'`);
    const dbProperties = (): Promise<string> =>
      stack.psql('postgres', "SELECT d.datcollate || '|' || d.datctype || '|' || pg_encoding_to_char(d.encoding) || '|' || array_to_string(ARRAY(SELECT unnest(r.setconfig) ORDER BY 1), ';') FROM pg_database d JOIN pg_db_role_setting r ON r.setdatabase = d.oid AND r.setrole = 0 WHERE d.datname = 'splitdb'");
    await stack.psql(
      'splitdb',
      `CREATE SCHEMA "odd ""schema""";
       CREATE TABLE ${odd} (id int PRIMARY KEY, t text, f float8, r real, n numeric, ts timestamptz, d date, iv interval, arr text[], j jsonb, b bytea,
         gen int GENERATED ALWAYS AS (id * 2) STORED, dropme int, tail text);
       ALTER TABLE ${odd} DROP COLUMN dropme;
       INSERT INTO ${odd} (id, t, f, r, n, ts, d, iv, arr, j, b, tail)
       SELECT i,
         CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN E'tab\\there' WHEN 2 THEN E'new\\nline \\\\ back' WHEN 3 THEN 'ünïcødé ✓' WHEN 4 THEN '\\N' ELSE repeat('x', i % 300) END,
         CASE i % 4 WHEN 0 THEN 0.1 * i WHEN 1 THEN 1e-300 WHEN 2 THEN 'NaN' ELSE '-Infinity' END,
         i / 7.0, i::numeric / 3, '2025-06-01 12:34:56.789+05:30'::timestamptz + i * interval '1 hour', date '2024-02-29' + i,
         interval '1 year 2 mons 3 days 04:05:06.789' * i, ARRAY['a,b', NULL, 'c"d'], jsonb_build_object('i', i, 'k', E'v\\n'), decode(md5(i::text), 'hex'), 'end'
       FROM generate_series(1, 4000) i;
       CREATE INDEX awkward_t ON ${odd} (t);
       CREATE TABLE child (id int PRIMARY KEY, parent int NOT NULL REFERENCES ${odd} (id));
       INSERT INTO child SELECT i, i FROM generate_series(1, 500) i;
       CREATE TABLE empty_one (x int);
       CREATE TABLE inh_parent (id int, v text);
       CREATE TABLE inh_child (extra int) INHERITS (inh_parent);
       INSERT INTO inh_parent SELECT i, 'parent' FROM generate_series(1, 100) i;
       INSERT INTO inh_child SELECT i, 'child', i FROM generate_series(1, 50) i;
       CREATE TABLE measurements (id int, at date) PARTITION BY RANGE (at);
       CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
       CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
       INSERT INTO measurements SELECT i, date '2024-06-01' + i FROM generate_series(1, 400) i;
       CREATE TABLE public."line
break" (id int PRIMARY KEY);
       INSERT INTO public."line
break" SELECT generate_series(1, 10);
       CREATE TABLE public."lit\\nname" (id int);
       INSERT INTO public."lit\\nname" SELECT generate_series(1, 5);
       CREATE SCHEMA app;
       CREATE TABLE app.ref (id int);
       CREATE TABLE public.refs (id int, target regclass, kind regtype);
       INSERT INTO public.refs SELECT i, 'app.ref'::regclass, 'app.ref'::regtype FROM generate_series(1, 20) i;`,
    );
    const fingerprint = async (): Promise<Record<string, string>> => {
      const out: Record<string, string> = {};
      for (const table of [odd, 'child', 'empty_one', 'inh_parent', 'ONLY inh_parent', 'inh_child', 'measurements', 'measurements_2024', 'refs', '"line\nbreak"']) {
        out[table] = await stack.psql('splitdb', `SET datestyle = ISO; SET intervalstyle = postgres; SET extra_float_digits = 1; SET search_path = public; SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM ${table} t`);
      }
      out.schema = await stack.psql('splitdb', "SELECT string_agg(conname || ':' || contype::text, ',' ORDER BY conname) FROM pg_constraint WHERE connamespace <> 'pg_catalog'::regnamespace");
      out.indexes = await stack.psql('splitdb', "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog')");
      return out;
    };
    // The backup role's own search_path in this database (not a database setting, so not restored)
    // finds app.ref unqualified: object references must still be written schema-qualified.
    await stack.psql('postgres', 'ALTER ROLE gitmesh IN DATABASE splitdb SET search_path = app, public');
    // An owner and privileges other than the defaults, and a setting of another role in this database.
    await stack.psql('postgres', "DROP ROLE IF EXISTS app_owner; DROP ROLE IF EXISTS app_reader; CREATE ROLE app_owner; CREATE ROLE app_reader LOGIN");
    await stack.psql('postgres', "ALTER DATABASE splitdb OWNER TO app_owner; REVOKE CONNECT, TEMPORARY ON DATABASE splitdb FROM PUBLIC; GRANT CONNECT ON DATABASE splitdb TO app_reader WITH GRANT OPTION");
    await stack.psql('postgres', "ALTER ROLE app_reader IN DATABASE splitdb SET work_mem = '8MB'");
    const dbAccess = (): Promise<string> =>
      stack.psql('postgres', "SELECT pg_get_userbyid(d.datdba) || '|' || array_to_string(ARRAY(SELECT a::text FROM unnest(d.datacl) a ORDER BY 1), ',') || '|' || (SELECT string_agg(pg_get_userbyid(r.setrole) || ':' || array_to_string(r.setconfig, ';'), ',' ORDER BY pg_get_userbyid(r.setrole)) FROM pg_db_role_setting r WHERE r.setdatabase = d.oid AND r.setrole <> 0) FROM pg_database d WHERE d.datname = 'splitdb'");
    const accessBefore = await dbAccess();
    assert.equal(accessBefore, 'app_owner|app_owner=CTc/app_owner,app_reader=c*/app_owner|app_reader:work_mem=8MB,gitmesh:search_path=app, public');
    // Read-only by default from now on: the restore's own sessions must not inherit that.
    await stack.psql('postgres', 'ALTER DATABASE splitdb SET default_transaction_read_only = on');
    const propertiesBefore = await dbProperties();
    assert.match(propertiesBefore, /^C\|C\|UTF8\|DateStyle=SQL, DMY;IntervalStyle=sql_standard;app\.tenant=it's;default_transaction_read_only=on;extra_float_digits=-10;search_path="\$user", "odd, name", public$/);
    const before = await fingerprint();
    const dir = join(stack.root, 'split');
    const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres', PG_DB: 'splitdb', PG_EXTRA_DATABASES: '', PG_SPLIT_MIN_MB: '0', PG_JOBS: '3', BACKUP_AGE_RECIPIENTS: recipient });
    const backup = await stack.run('backup.sh', [], env);
    assert.equal(backup.exitCode, 0, backup.stderr);
    const [id] = sets(dir);
    assert.ok(id);
    const manifest = JSON.parse(readFileSync(join(dir, id, 'manifest.json'), 'utf8'));
    assert.equal(manifest.format, 4);
    const [entry] = manifest.postgres.databases;
    const split = new Map<string, { rows: number; columns: string[]; chunks: { file: string; rows: number }[] }>(entry.split.map((t: { relation: string }) => [t.relation, t]));
    // Partitions are split; the partitioned table has no rows of its own, and an inheritance parent
    // (whose count includes its children's rows) and a name with a line break stay with pg_dump.
    assert.deepEqual([...split.keys()].sort(), ['"odd ""schema"""."Awkward.Table"', 'app.ref', 'public."lit\\nname"', 'public.child', 'public.empty_one', 'public.inh_child', 'public.measurements_2024', 'public.measurements_2025', 'public.refs']);
    const awkward = split.get('"odd ""schema"""."Awkward.Table"')!;
    // The stored columns only: not the generated one, not the dropped one.
    assert.deepEqual(awkward.columns, ['id', 't', 'f', 'r', 'n', 'ts', 'd', 'iv', 'arr', 'j', 'b', 'tail']);
    assert.equal(awkward.chunks.length, 3);
    assert.ok(awkward.chunks.every((c) => c.rows > 0), 'every block range holds rows');
    assert.deepEqual(entry.row_counts, {
      '"odd ""schema"""."Awkward.Table"': 4000, 'public.child': 500, 'public.empty_one': 0, 'public.inh_parent': 150, 'public.inh_child': 50,
      'public.measurements': 400, 'public.measurements_2024': 213, 'public.measurements_2025': 187,
      'app.ref': 0, 'public.refs': 20, 'json:"public.\\"line\\nbreak\\""': 10, 'public."lit\\nname"': 5,
    });
    // pg_dump left the split tables' data out: its directory holds the data files of the inheritance parent and the line-break name only; each range is in the set, encrypted.
    assert.equal(readdirSync(join(dir, id, 'postgres')).filter((n) => /^\d+\.dat/.test(n)).length, 2);
    for (const table of split.values()) {
      for (const chunk of table.chunks) {
        assert.match(chunk.file, /^split\/postgres\/\d+\.\d+\.copy\.zst\.age$/);
        assert.equal(readFileSync(join(dir, id, chunk.file)).subarray(0, 21).toString(), 'age-encryption.org/v1', chunk.file);
        assert.ok(manifest.files.some((f: { name: string }) => f.name === chunk.file), `${chunk.file} is checksummed`);
      }
    }

    await stack.psql('splitdb', `BEGIN READ WRITE; DELETE FROM child WHERE id > 10; UPDATE ${odd} SET t = 'changed' WHERE id < 50; INSERT INTO empty_one VALUES (1); COMMIT`);
    const restore = await stack.run('restore.sh', ['--yes'], { ...env, BACKUP_AGE_IDENTITY_FILE: keyFile, PG_KEEP_OLD: '0' });
    assert.equal(restore.exitCode, 0, restore.stderr);
    assert.match(restore.stderr, /loading 27 block ranges of split tables with 3 jobs/);
    assert.deepEqual(await fingerprint(), before);
    assert.equal(await dbProperties(), propertiesBefore, 'locale and database settings restored');
    assert.equal(await dbAccess(), accessBefore, 'owner, privileges and role settings restored');
    const drill = await stack.run('verify-backup.sh', [], { ...env, BACKUP_AGE_IDENTITY_FILE: keyFile });
    assert.equal(drill.exitCode, 0, drill.stderr);
    assert.match(drill.stderr, /row counts match the manifest for 12 tables/);
    await stack.psql('postgres', 'DROP DATABASE splitdb');
    await stack.psql('postgres', 'DROP ROLE app_owner; DROP ROLE app_reader');
  });

  /**
   * Starts backup.sh in the background on database `db` seeded with big and small, both split (one
   * range each, one at a time), every range taking 3 s to compress: pg_dump, which dumps no split
   * table data, is long done by then. Resolves once the ranges are being read.
   */
  async function startSlowSplitBackup(db: string, dirName: string, extra: Record<string, string> = {}): Promise<{ dir: string; exit: Promise<number | null>; stderr: () => string }> {
    await stack.psql(db, "CREATE TABLE big (id int, v text); INSERT INTO big SELECT i, md5(i::text) FROM generate_series(1, 20000) i; CREATE TABLE small (id int); INSERT INTO small SELECT generate_series(1, 1000)");
    const dir = join(stack.root, dirName);
    const slow = slowTool(stack.root, 'zstd', 3);
    const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres', PG_DB: db, PG_EXTRA_DATABASES: '', PG_SPLIT_MIN_MB: '0', PG_JOBS: '1', ...extra });
    const backup = stack.spawnScript('backup.sh', { ...env, PATH: `${slow}:${env.PATH}` });
    let stderr = '';
    backup.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => backup.once('exit', resolve));
    await waitFor(() => /in 1 block ranges each/.test(stderr), 'the ranges to start');
    return { dir, exit, stderr: () => stderr };
  }

  it('split tables of every database are locked (ACCESS SHARE) before the first dump and until their ranges are read: a TRUNCATE during the backup waits instead of emptying the set; role and database timeouts do not cut the sessions', async () => {
    await stack.psql('postgres', 'DROP DATABASE IF EXISTS splitlock');
    await stack.psql('postgres', 'CREATE DATABASE splitlock');
    await stack.psql('postgres', 'DROP DATABASE IF EXISTS splitlock2');
    await stack.psql('postgres', 'CREATE DATABASE splitlock2');
    await stack.psql('splitlock2', 'CREATE TABLE other (id int); INSERT INTO other SELECT generate_series(1, 300)');
    // The snapshot and lock holders sit idle in their transactions while the ranges stream.
    await stack.psql('postgres', "ALTER DATABASE splitlock SET idle_in_transaction_session_timeout = '1s'");
    const { dir, exit, stderr } = await startSlowSplitBackup('splitlock', 'split-lock', { PG_EXTRA_DATABASES: 'splitlock2' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await assert.rejects(stack.psql('splitlock', "SET lock_timeout = '300ms'; TRUNCATE small"), /lock timeout/);
    // The second database is not dumped yet, but its large tables are already locked.
    await assert.rejects(stack.psql('splitlock2', "SET lock_timeout = '300ms'; TRUNCATE other"), /lock timeout/);
    assert.equal(await exit, 0, stderr());
    const [id] = sets(dir);
    const manifest = JSON.parse(readFileSync(join(dir, id ?? '', 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.postgres.databases[0].row_counts, { 'public.big': 20000, 'public.small': 1000 });
    assert.deepEqual(manifest.postgres.databases[1].row_counts, { 'public.other': 300 });
    await stack.psql('postgres', 'DROP DATABASE splitlock');
    await stack.psql('postgres', 'DROP DATABASE splitlock2');
  });

  it('a migration queued behind the backup (ALTER TABLE on a split table) fails the backup at once instead of deadlocking with it, and then runs', async () => {
    await stack.psql('postgres', 'DROP DATABASE IF EXISTS splitddl');
    await stack.psql('postgres', 'CREATE DATABASE splitddl');
    const { dir, exit, stderr } = await startSlowSplitBackup('splitddl', 'split-ddl');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Queues behind the backup's ACCESS SHARE lock on small, whose range has not started yet.
    const migration = stack.psql('splitddl', 'ALTER TABLE small ADD COLUMN note text');
    const code = await exit;
    assert.notEqual(code, 0);
    assert.match(stderr(), /could not obtain lock on relation/);
    await migration;
    assert.equal(await stack.psql('splitddl', "SELECT count(*) FROM information_schema.columns WHERE table_name = 'small' AND column_name = 'note'"), '1');
    assert.deepEqual(sets(dir), []);
    assert.deepEqual(partials(dir), []);
    await stack.psql('postgres', 'DROP DATABASE splitddl');
  });

  it('a server without the recorded locale still gets the database back, with its own defaults and a warning', async () => {
    await stack.psql('postgres', 'DROP DATABASE IF EXISTS splitloc');
    await stack.psql('postgres', 'CREATE DATABASE splitloc');
    await stack.psql('splitloc', 'CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100)');
    const dir = join(stack.root, 'split-locale');
    const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres', PG_DB: 'splitloc', PG_EXTRA_DATABASES: '' });
    assert.equal((await stack.run('backup.sh', [], env)).exitCode, 0);
    const [id] = sets(dir);
    // The manifest is not in its own checksum list: play a set taken on a host with another locale.
    const file = join(dir, id ?? '', 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(manifest.postgres.databases[0].properties, { collate: 'xx_XX.UTF-8', ctype: 'xx_XX.UTF-8' });
    writeFileSync(file, JSON.stringify(manifest));
    const restore = await stack.run('restore.sh', ['--yes'], { ...env, PG_KEEP_OLD: '0' });
    assert.equal(restore.exitCode, 0, restore.stderr);
    assert.match(restore.stderr, /WARN: postgres: cannot create splitloc__restore_\S+ with the recorded encoding and locale \(.*xx_XX/);
    assert.equal(await stack.psql('splitloc', 'SELECT count(*) FROM t'), '100');
    await stack.psql('postgres', 'DROP DATABASE splitloc');
  });

  it('a range that fails to load fails the restore: no live database is touched and the copy is dropped', async () => {
    await stack.psql('postgres', 'DROP DATABASE IF EXISTS splitfail');
    await stack.psql('postgres', 'CREATE DATABASE splitfail');
    await stack.psql('splitfail', 'CREATE TABLE big (id int PRIMARY KEY, v text); INSERT INTO big SELECT i, md5(i::text) FROM generate_series(1, 3000) i');
    const dir = join(stack.root, 'split-fail');
    const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres', PG_DB: 'splitfail', PG_EXTRA_DATABASES: '', PG_SPLIT_MIN_MB: '0', PG_JOBS: '2' });
    assert.equal((await stack.run('backup.sh', [], env)).exitCode, 0);
    const [id] = sets(dir);
    // A duplicate key: the second range re-sends rows of the first. The checksums are rewritten, so
    // only the load itself can notice.
    const setDir = join(dir, id ?? '');
    const manifest = JSON.parse(readFileSync(join(setDir, 'manifest.json'), 'utf8'));
    const [first, second] = manifest.postgres.databases[0].split[0].chunks as { file: string }[];
    writeFileSync(join(setDir, second!.file), readFileSync(join(setDir, first!.file)));
    const sha = (await execa('sha256sum', [second!.file], { cwd: setDir })).stdout.split(' ')[0];
    for (const f of manifest.files) if (f.name === second!.file) Object.assign(f, { sha256: sha, bytes: statSync(join(setDir, second!.file)).size });
    writeFileSync(join(setDir, 'manifest.json'), JSON.stringify(manifest));
    await stack.psql('splitfail', 'INSERT INTO big VALUES (0, \'live\')');
    const restore = await stack.run('restore.sh', ['--yes'], env);
    assert.notEqual(restore.exitCode, 0);
    assert.match(restore.stderr, /is duplicated|duplicate key/);
    assert.equal(await stack.psql('splitfail', 'SELECT v FROM big WHERE id = 0'), 'live');
    assert.equal(await stack.psql('postgres', "SELECT count(*) FROM pg_database WHERE datname LIKE 'splitfail\\_\\_%'"), '0');
    await stack.psql('postgres', 'DROP DATABASE splitfail');
  });

  describe('Temporal\'s databases (temporal, temporal_visibility) next to the GitMesh database', () => {
    const TEMPORAL_TABLES: Record<string, string[]> = {
      temporal: ['executions', 'history_node', 'schema_version'],
      temporal_visibility: ['executions_visibility'],
    };
    async function seedTemporal(): Promise<void> {
      await stack.psql(
        'temporal',
        `CREATE TABLE IF NOT EXISTS executions (shard_id int, namespace_id bytea, workflow_id text, run_id bytea, next_event_id bigint, data bytea, PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id));
         TRUNCATE executions;
         INSERT INTO executions SELECT i % 4, '\\x01', 'automation-' || i, decode(md5(i::text), 'hex'), i, decode(repeat(md5(i::text), 4), 'hex') FROM generate_series(1, 120) i;
         CREATE TABLE IF NOT EXISTS history_node (tree_id bytea, branch_id bytea, node_id bigint, txn_id bigint, data bytea, PRIMARY KEY (tree_id, branch_id, node_id, txn_id));
         TRUNCATE history_node;
         INSERT INTO history_node SELECT decode(md5((i % 120)::text), 'hex'), '\\x02', i, -i, decode(md5(i::text), 'hex') FROM generate_series(1, 600) i;
         CREATE TABLE IF NOT EXISTS schema_version (version_partition int PRIMARY KEY, db_name text, curr_version text);
         INSERT INTO schema_version VALUES (0, 'temporal', '1.14') ON CONFLICT DO NOTHING;`,
      );
      await stack.psql(
        'temporal_visibility',
        `CREATE TABLE IF NOT EXISTS executions_visibility (namespace_id char(64), run_id char(64), workflow_id varchar(255), status int, start_time timestamp, PRIMARY KEY (namespace_id, run_id));
         TRUNCATE executions_visibility;
         INSERT INTO executions_visibility SELECT 'ns', md5(i::text), 'automation-' || i, 1, '2025-01-01'::timestamp + i * interval '1 minute' FROM generate_series(1, 120) i;`,
      );
    }
    async function fingerprint(db: string, tables: string[]): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const table of tables) out[`${db}.${table}`] = await stack.psql(db, `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM ${table} t`);
      return out;
    }
    async function allFingerprints(): Promise<Record<string, string>> {
      const out = await fingerprint('gitmesh-web', ['members', 'documents', 'audit."Event Log"']);
      for (const [db, tables] of Object.entries(TEMPORAL_TABLES)) Object.assign(out, await fingerprint(db, tables));
      return out;
    }
    const leftovers = (): Promise<string> => stack.psql('postgres', "SELECT coalesce(string_agg(datname, ',' ORDER BY datname), '') FROM pg_database WHERE datname LIKE '%\\_\\_%'");

    it('round trip: one set holds all three databases (manifest, checksums, row counts); restore.sh brings all three back, swapped in together, the old ones kept; the drill restores each', async () => {
      await seedTemporal();
      const before = await allFingerprints();
      const dir = join(stack.root, 'temporal');
      const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres' });
      const backup = await stack.run('backup.sh', [], env);
      assert.equal(backup.exitCode, 0, backup.stderr);
      assert.match(backup.stderr, /snapshots of 3 databases exported within [\d.]+s/);
      const [id] = sets(dir);
      assert.ok(id);
      const manifest = JSON.parse(readFileSync(join(dir, id, 'manifest.json'), 'utf8'));
      assert.equal(manifest.format, 4);
      // No table reaches PG_SPLIT_MIN_MB here: every table's rows are in its pg_dump directory.
      assert.deepEqual(manifest.postgres.databases.map((d: { split: unknown[] }) => d.split), [[], [], []]);
      // The layout the generator documents is the one the script writes.
      const view = backupView(modelFrom({}));
      assert.deepEqual(manifest.postgres.databases.map((d: { database: string; dir: string }) => ({ name: d.database, dir: d.dir })), view.pgDatabases.map((d) => ({ name: d.name, dir: d.dir })));
      assert.deepEqual(manifest.postgres.databases[1].row_counts, { 'public.executions': 120, 'public.history_node': 600, 'public.schema_version': 1 });
      assert.deepEqual(manifest.postgres.databases[2].row_counts, { 'public.executions_visibility': 120 });
      assert.deepEqual(manifest.postgres.row_counts, manifest.postgres.databases[0].row_counts, 'the top-level counts are the GitMesh database\'s');
      assert.equal(manifest.postgres.database, 'gitmesh-web');
      assert.equal(typeof manifest.postgres.snapshots_within_seconds, 'number');
      const names: string[] = manifest.files.map((f: { name: string }) => f.name);
      for (const d of ['postgres', 'postgres-temporal', 'postgres-temporal_visibility']) assert.ok(names.includes(`${d}/toc.dat`), `${d}/toc.dat in ${names.join(',')}`);
      await execa('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: join(dir, id) });
      const listed = await stack.run('restore.sh', ['--list'], env);
      assert.match(listed.stdout, new RegExp(`${id} .* postgres +gitmesh-web,temporal,temporal_visibility`));

      // Workflows progress and the app moves on after the backup.
      await stack.psql('gitmesh-web', "INSERT INTO members (login) VALUES ('after-temporal-backup')");
      await stack.psql('temporal', "DELETE FROM executions WHERE shard_id = 1; INSERT INTO executions VALUES (9, '\\x01', 'late', '\\x09', 1, NULL); UPDATE schema_version SET curr_version = '9.9'");
      await stack.psql('temporal_visibility', 'UPDATE executions_visibility SET status = 2');
      assert.notDeepEqual(await allFingerprints(), before);

      const restore = await stack.run('restore.sh', ['--yes'], env);
      assert.equal(restore.exitCode, 0, restore.stderr);
      assert.match(restore.stderr, /swapping in gitmesh-web temporal temporal_visibility in one transaction/);
      assert.deepEqual(await allFingerprints(), before);
      // PG_KEEP_OLD=1 (default): each replaced database is kept, holding the post-backup state.
      assert.equal(await leftovers(), [`gitmesh-web__pre_restore_${id}`, `temporal__pre_restore_${id}`, `temporal_visibility__pre_restore_${id}`].join(','));
      assert.equal(await stack.psql(`temporal__pre_restore_${id}`, "SELECT count(*) FROM executions WHERE workflow_id = 'late'"), '1');

      const verify = await stack.run('verify-backup.sh', [], env);
      assert.equal(verify.exitCode, 0, verify.stderr);
      for (const [db, n] of [['gitmesh-web', 4], ['temporal', 3], ['temporal_visibility', 1]] as const) assert.match(verify.stderr, new RegExp(`${db}: row counts match the manifest for ${n} tables`));
      assert.match(verify.stderr, new RegExp(`into scratch database temporal_visibility__verify_${id}`));
      for (const db of ['gitmesh-web', ...TEMPORAL_DATABASES]) await stack.psql('postgres', `DROP DATABASE "${db}__pre_restore_${id}"`);
      assert.equal(await leftovers(), '');
    });

    it('all or nothing: when one Temporal database fails its check, no live database is touched and no copy is left behind', async () => {
      const dir = join(stack.root, 'temporal-atomic');
      const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres' });
      assert.equal((await stack.run('backup.sh', [], env)).exitCode, 0);
      const [id] = sets(dir);
      // A manifest whose temporal_visibility counts disagree with its (intact) dump.
      const path = join(dir, id ?? '', 'manifest.json');
      const manifest = JSON.parse(readFileSync(path, 'utf8'));
      manifest.postgres.databases[2].row_counts['public.executions_visibility'] += 1;
      writeFileSync(path, JSON.stringify(manifest));
      await stack.psql('gitmesh-web', "INSERT INTO members (login) VALUES ('kept-live')");
      await stack.psql('temporal', "INSERT INTO executions VALUES (7, '\\x01', 'kept-live', '\\x07', 1, NULL)");
      const live = await allFingerprints();
      const restore = await stack.run('restore.sh', ['--yes'], env);
      assert.notEqual(restore.exitCode, 0);
      assert.match(restore.stderr, /temporal_visibility: row counts differ from the manifest/);
      assert.match(restore.stderr, /no live database was touched/);
      assert.deepEqual(await allFingerprints(), live);
      assert.equal(await leftovers(), '', 'the restored copies of gitmesh-web and temporal were dropped');
      await stack.psql('gitmesh-web', "DELETE FROM members WHERE login = 'kept-live'");
      await stack.psql('temporal', "DELETE FROM executions WHERE workflow_id = 'kept-live'");
    });

    it('the databases are dumped as of snapshots all taken before the first dump starts (a write during the GitMesh dump is in no later database\'s dump)', async () => {
      const dir = join(stack.root, 'temporal-snapshot');
      const slow = slowTool(stack.root, 'pg_dump', 2);
      const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres', PATH: `${slow}:${stack.env(dir).PATH}` });
      const child = stack.spawnScript('backup.sh', env);
      let log = '';
      const exported = new Promise<void>((resolve) => child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (/snapshots of 3 databases exported/.test(log)) resolve();
      }));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await Promise.race([exported, exited]);
      // gitmesh-web's pg_dump is sleeping now; temporal_visibility's starts about 4 s later.
      await stack.psql('temporal_visibility', "INSERT INTO executions_visibility VALUES ('ns', 'during-backup', 'w', 1, now())");
      assert.equal(await exited, 0, log);
      const [id] = sets(dir);
      const manifest = JSON.parse(readFileSync(join(dir, id ?? '', 'manifest.json'), 'utf8'));
      assert.deepEqual(manifest.postgres.databases[2].row_counts, { 'public.executions_visibility': 120 });
      const verify = await stack.run('verify-backup.sh', [], stack.env(dir, { BACKUP_COMPONENTS: 'postgres' }));
      assert.equal(verify.exitCode, 0, verify.stderr);
      await stack.psql('temporal_visibility', "DELETE FROM executions_visibility WHERE run_id = 'during-backup'");
    });

    it('a missing Temporal database fails the backup with its name and leaves no set', async () => {
      const dir = join(stack.root, 'temporal-missing');
      const run = await stack.run('backup.sh', [], stack.env(dir, { BACKUP_COMPONENTS: 'postgres', PG_EXTRA_DATABASES: 'temporal temporal_gone' }));
      assert.notEqual(run.exitCode, 0);
      assert.match(run.stderr, /database "temporal_gone" does not exist/);
      assert.match(run.stderr, /cannot connect to database temporal_gone/);
      assert.deepEqual(sets(dir), []);
      assert.deepEqual(partials(dir), []);
    });
  });

  it('kill -9 mid-backup: no complete set appears, earlier sets stay intact, the next run succeeds and removes the partial set', async () => {
    const dir = join(stack.root, 'killed');
    const env = stack.env(dir, { BACKUP_NOW: String(T0) });
    assert.equal((await stack.run('backup.sh', [], env)).exitCode, 0);
    const earlier = sets(dir);
    const slow = slowTool(stack.root, 'zstd', 30);
    const child = stack.spawnScript('backup.sh', { ...env, BACKUP_NOW: String(T0 + DAY), PATH: `${slow}:${env.PATH}` });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => partials(dir).length === 1 && existsSync(join(dir, partials(dir)[0] ?? '', 'postgres', 'toc.dat')), 'the dump to finish and Redis to reach the compression step');
    process.kill(-(child.pid ?? 0), 'SIGKILL');
    await exited;
    assert.deepEqual(sets(dir), earlier, 'no new complete set');
    assert.equal(partials(dir).length, 1);
    assert.equal((await stack.run('restore.sh', ['--set', earlier[0] ?? ''], env)).exitCode, 0, 'earlier set still verifies');
    const next = await stack.run('backup.sh', [], { ...env, BACKUP_NOW: String(T0 + DAY + 60) });
    assert.equal(next.exitCode, 0, next.stderr);
    assert.match(next.stderr, /removing incomplete set/);
    assert.deepEqual(partials(dir), []);
    assert.equal(sets(dir).length, 2);
  });

  it('wrong database password: exits non-zero, calls the alert webhook, records the failure, retention deletes nothing', async () => {
    const dir = join(stack.root, 'wrongpw');
    const base = stack.env(dir, { BACKUP_KEEP_DAILY: '1', BACKUP_KEEP_WEEKLY: '0' });
    for (let day = 0; day < 3; day += 1) {
      // Retention would keep one set: give it three by taking each under its own one-set policy window.
      assert.equal((await stack.run('backup.sh', [], { ...base, BACKUP_NOW: String(T0 + day * DAY), BACKUP_KEEP_DAILY: '5' })).exitCode, 0);
    }
    const before = sets(dir);
    assert.equal(before.length, 3);
    const metricsFile = join(base.BACKUP_METRICS_DIR ?? '', 'gitmesh_backup.prom');
    const lastSuccess = metric(metricsFile, BACKUP_METRICS.lastSuccess);
    const calls: { body: string; type: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        calls.push({ body, type: String(req.headers['content-type']) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const address = hook.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const wrong = join(stack.root, 'wrong_password');
    writeFileSync(wrong, 'not-the-password');
    const run = await stack.run('backup.sh', [], { ...base, BACKUP_NOW: String(T0 + 10 * DAY), PG_PASSWORD_FILE: wrong, BACKUP_ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` });
    hook.close();
    assert.notEqual(run.exitCode, 0);
    assert.match(run.stderr, /password authentication failed/);
    assert.equal(calls.length, 1, 'one alert');
    const alert = JSON.parse(calls[0]?.body ?? '{}');
    assert.equal(alert.status, 'failure');
    assert.match(alert.message, /postgres: connect/);
    assert.equal(calls[0]?.type, 'application/json');
    assert.deepEqual(sets(dir), before, 'retention did not run');
    assert.deepEqual(partials(dir), []);
    assert.equal(metric(metricsFile, BACKUP_METRICS.lastStatus), 0);
    assert.equal(metric(metricsFile, BACKUP_METRICS.lastSuccess), lastSuccess, 'last success timestamp kept');
  });

  it('full disk (a 3 MiB tmpfs): clean failure, earlier sets intact, no partial set left', async function () {
    const mnt = join(stack.root, 'small-disk');
    mkdirSync(mnt);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);
    try {
      const dir = join(mnt, 'sets');
      const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres', BACKUP_METRICS_DIR: join(stack.root, 'small-disk-metrics') });
      await stack.psql('postgres', 'CREATE DATABASE small');
      await stack.psql('small', 'CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 1000)');
      assert.equal((await stack.run('backup.sh', [], { ...env, PG_DB: 'small', BACKUP_NOW: String(T0) })).exitCode, 0);
      const earlier = sets(dir);
      // Incompressible data bigger than the disk: the uncompressed dump cannot fit.
      await stack.psql('small', "CREATE TABLE blob (b bytea); INSERT INTO blob SELECT decode(md5(random()::text), 'hex') FROM generate_series(1, 250000)");
      const run = await stack.run('backup.sh', [], { ...env, PG_DB: 'small', BACKUP_NOW: String(T0 + DAY) });
      assert.notEqual(run.exitCode, 0);
      assert.match(run.stderr, /No space left on device|could not write/i);
      assert.deepEqual(sets(dir), earlier);
      assert.deepEqual(partials(dir), []);
      assert.equal((await stack.run('restore.sh', [], { ...env, PG_DB: 'small' })).exitCode, 0, 'earlier set verifies');
    } finally {
      await execa('umount', [mnt]);
      await stack.psql('postgres', 'DROP DATABASE IF EXISTS small');
    }
  });

  it('two concurrent runs: a scheduled run (--if-idle) skips with exit 0; a requested run fails with 75 once BACKUP_LOCK_WAIT passes (make backup || die never passes silently); the first completes', async () => {
    const dir = join(stack.root, 'concurrent');
    const slow = slowTool(stack.root, 'pg_dump', 2);
    const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres', BACKUP_NOW: String(T0) });
    const first = stack.spawnScript('backup.sh', { ...env, PATH: `${slow}:${env.PATH}` });
    const firstExit = new Promise<number | null>((resolve) => first.once('exit', resolve));
    await waitFor(() => partials(dir).length === 1, 'the first run to start');
    const scheduled = await stack.run('backup.sh', ['--if-idle'], { ...env, BACKUP_NOW: String(T0 + 60) });
    assert.equal(scheduled.exitCode, 0);
    assert.match(scheduled.stderr, /holds .*lock; nothing to do/);
    const requested = await stack.run('backup.sh', [], { ...env, BACKUP_NOW: String(T0 + 60), BACKUP_LOCK_WAIT: '1' });
    assert.equal(requested.exitCode, 75, requested.stderr);
    assert.match(requested.stderr, /still holds .*lock after 1s; no backup was taken/);
    assert.equal(await firstExit, 0);
    assert.deepEqual(sets(dir), ['20250101T021500Z']);
  });

  it('a requested run waits for the lock (bounded by BACKUP_LOCK_WAIT) and then takes its set', async () => {
    const dir = join(stack.root, 'concurrent-wait');
    const slow = slowTool(stack.root, 'pg_dump', 2);
    const env = stack.env(dir, { BACKUP_COMPONENTS: 'postgres', BACKUP_NOW: String(T0) });
    const first = stack.spawnScript('backup.sh', { ...env, PATH: `${slow}:${env.PATH}` });
    const firstExit = new Promise<number | null>((resolve) => first.once('exit', resolve));
    await waitFor(() => partials(dir).length === 1, 'the first run to start');
    const requested = await stack.run('backup.sh', [], { ...env, BACKUP_NOW: String(T0 + 60), BACKUP_LOCK_WAIT: '600' });
    assert.equal(requested.exitCode, 0, requested.stderr);
    assert.equal(await firstExit, 0);
    // Retention keeps the newest set of the day: the waiting run's.
    assert.deepEqual(sets(dir), ['20250101T021600Z']);
  });

  it('corrupted archive: restore.sh refuses at the checksum step and touches nothing', async () => {
    const dir = join(stack.root, 'corrupt');
    const env = stack.env(dir);
    assert.equal((await stack.run('backup.sh', [], env)).exitCode, 0);
    const [id] = sets(dir);
    // The largest file of the dump directory: the members table data.
    const dump = join(dir, id ?? '', 'postgres');
    const largest = readdirSync(dump).sort((a, b) => statSync(join(dump, b)).size - statSync(join(dump, a)).size)[0] ?? '';
    const archive = join(dump, largest);
    const bytes = readFileSync(archive);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(archive, bytes);
    await stack.psql('gitmesh-web', "INSERT INTO members (login) VALUES ('after-backup')");
    await stack.redis('SET', 'after-backup', '1');
    const run = await stack.run('restore.sh', ['--yes'], env);
    assert.equal(run.exitCode, 3);
    assert.match(run.stderr, new RegExp(`postgres/${largest.replace(/\./g, '\\.')} does not match its sha256`));
    assert.match(run.stderr, /REFUSING/);
    assert.equal(await stack.psql('gitmesh-web', "SELECT count(*) FROM members WHERE login = 'after-backup'"), '1');
    assert.equal(await stack.redis('GET', 'after-backup'), '1');
    assert.notEqual((await stack.run('verify-backup.sh', [], env)).exitCode, 0, 'the drill fails too');
  });

  it('retention with a fixed clock across 40 simulated days keeps the newest set of the last 7 days and 4 ISO weeks', async () => {
    const dir = join(stack.root, 'retention');
    const env = stack.env(dir, { BACKUP_COMPONENTS: 'redis', BACKUP_KEEP_DAILY: '7', BACKUP_KEEP_WEEKLY: '4' });
    const taken: number[] = [];
    for (let day = 0; day < 40; day += 1) {
      const runs = day % 5 === 0 ? [T0 + day * DAY, T0 + day * DAY + 12 * 3600] : [T0 + day * DAY];
      for (const now of runs) {
        const run = await stack.run('backup.sh', [], { ...env, BACKUP_NOW: String(now) });
        assert.equal(run.exitCode, 0, run.stderr);
        taken.push(now);
        assert.ok(sets(dir).includes(new Date(now * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')), 'the newest set is kept');
      }
    }
    // Independent model of the policy: newest per day (7 most recent days) and per ISO week (4 most recent weeks).
    const id = (t: number): string => new Date(t * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const isoWeek = (t: number): string => {
      const d = new Date(t * 1000);
      const day = (d.getUTCDay() + 6) % 7;
      const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
      const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
      return `${thursday.getUTCFullYear()}-W${Math.ceil(((thursday.getTime() - yearStart) / 86_400_000 + 1) / 7)}`;
    };
    const newestOf = (key: (t: number) => string, count: number): string[] => {
      const seen = new Map<string, number>();
      for (const t of [...taken].sort((a, b) => b - a)) if (!seen.has(key(t))) seen.set(key(t), t);
      return [...seen.values()].slice(0, count).map(id);
    };
    const expected = [...new Set([...newestOf((t) => id(t).slice(0, 8), 7), ...newestOf(isoWeek, 4)])].sort();
    assert.deepEqual(sets(dir), expected);
    assert.equal(expected.length, 10);
  });

  it('offsite copy with rclone (simulated S3: a local HTTP server speaks the S3 object calls rclone makes; no S3 service is installable here): every file of the set lands under bucket/prefix/<id> byte for byte, signed with the access key from its secret file; a rerun copies nothing; a failing store fails the run (exit status, failure metrics) but keeps the complete local set', async () => {
    requireTool('rclone');
    const objects = new Map<string, Buffer>();
    const requests: { method: string; path: string; auth: string }[] = [];
    let failPuts = false;
    const s3 = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://s3').pathname);
        requests.push({ method: req.method ?? '', path, auth: String(req.headers.authorization ?? '') });
        const md5 = (b: Buffer): string => `"${createHash('md5').update(b).digest('hex')}"`;
        const isBucket = path.split('/').filter(Boolean).length === 1;
        if (req.method === 'PUT' && failPuts) {
          res.statusCode = 500;
          res.end('<Error><Code>InternalError</Code></Error>');
        } else if (req.method === 'PUT') {
          const body = Buffer.concat(chunks);
          if (!isBucket) objects.set(path, body);
          res.setHeader('ETag', md5(body));
          res.end();
        } else if ((req.method === 'HEAD' || req.method === 'GET') && !isBucket && objects.has(path)) {
          const body = objects.get(path)!;
          res.setHeader('ETag', md5(body));
          res.setHeader('Content-Length', body.length);
          res.setHeader('Last-Modified', new Date(0).toUTCString());
          res.end(req.method === 'GET' ? body : undefined);
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
    try {
      const address = s3.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const keyId = join(stack.root, 'offsite_key_id');
      const secret = join(stack.root, 'offsite_secret');
      writeFileSync(keyId, 'AKIDGITMESHTEST\n');
      writeFileSync(secret, 'offsite-secret-key\n');
      const dir = join(stack.root, 'offsite');
      const env = stack.env(dir, {
        BACKUP_OFFSITE_BUCKET: 'gitmesh-backups',
        BACKUP_OFFSITE_PREFIX: 'site-a/nightly',
        BACKUP_OFFSITE_ENDPOINT: `http://127.0.0.1:${port}`,
        BACKUP_OFFSITE_ACCESS_KEY_ID_FILE: keyId,
        BACKUP_OFFSITE_SECRET_ACCESS_KEY_FILE: secret,
        BACKUP_NOW: String(T0),
        // Fail fast against the failing store below (rclone reads its flags from RCLONE_* variables).
        RCLONE_RETRIES: '1',
        RCLONE_LOW_LEVEL_RETRIES: '1',
      });
      const run = await stack.run('backup.sh', [], env);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stderr, /offsite: copying \d{8}T\d{6}Z to s3 bucket gitmesh-backups\/site-a\/nightly/);
      const [id] = sets(dir);
      assert.ok(id);
      const local = (rel: string): string[] =>
        readdirSync(join(dir, id, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? local(join(rel, e.name)) : [join(rel, e.name)]));
      const files = local('.').map((f) => f.replace(/^\.\//, '')).sort();
      assert.ok(files.includes('manifest.json') && files.includes('postgres/toc.dat') && files.includes('redis.rdb.zst'), files.join(','));
      assert.deepEqual([...objects.keys()].sort(), files.map((f) => `/gitmesh-backups/site-a/nightly/${id}/${f}`).sort());
      for (const f of files) assert.ok(objects.get(`/gitmesh-backups/site-a/nightly/${id}/${f}`)!.equals(readFileSync(join(dir, id, f))), `${f} copied byte for byte`);
      assert.ok(requests.length > 0 && requests.every((r) => r.auth.startsWith('AWS4-HMAC-SHA256 Credential=AKIDGITMESHTEST/')), 'every call signed with the key id from its secret file');
      assert.ok(requests.every((r) => !r.auth.includes('offsite-secret-key')));

      // Immutable and idempotent: copying the same set again uploads nothing.
      const before = requests.length;
      const again = await execa('rclone', ['copy', '--immutable', '--checksum', '--no-traverse', join(dir, id), `offsite:gitmesh-backups/site-a/nightly/${id}`], {
        env: { PATH: env.PATH ?? '', HOME: stack.root, RCLONE_CONFIG_OFFSITE_TYPE: 's3', RCLONE_CONFIG_OFFSITE_PROVIDER: 'Other', RCLONE_CONFIG_OFFSITE_ENDPOINT: env.BACKUP_OFFSITE_ENDPOINT ?? '', RCLONE_CONFIG_OFFSITE_ACCESS_KEY_ID: 'AKIDGITMESHTEST', RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY: 'offsite-secret-key' },
        extendEnv: false,
      });
      assert.equal(again.exitCode, 0);
      assert.deepEqual(requests.slice(before).filter((r) => r.method === 'PUT'), []);

      // The store fails: the run fails (alert, metrics), but the complete local set stays.
      failPuts = true;
      const metricsFile = join(env.BACKUP_METRICS_DIR ?? '', 'gitmesh_backup.prom');
      const failed = await stack.run('backup.sh', [], { ...env, BACKUP_COMPONENTS: 'redis', BACKUP_NOW: String(T0 + DAY) });
      assert.notEqual(failed.exitCode, 0);
      assert.match(failed.stderr, /backup FAILED .* during 'offsite copy'/);
      assert.equal(sets(dir).length, 2, 'the new set is complete locally');
      assert.equal(metric(metricsFile, BACKUP_METRICS.lastStatus), 0);
    } finally {
      s3.close();
    }
  });

  describe('OpenSearch snapshot API (simulated: a local HTTP server speaks the snapshot endpoints, OpenSearch is not installable here)', () => {
    let server: Server;
    let url = '';
    const requests: string[] = [];
    let polls = 0;
    let finalState = 'SUCCESS';
    before(async () => {
      server = createServer((req: IncomingMessage, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const path = req.url ?? '';
          requests.push(`${req.method} ${path}${body ? ` ${body}` : ''}`);
          const json = (status: number, value: unknown): void => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(req.method === 'HEAD' ? undefined : JSON.stringify(value));
          };
          const snap = /^\/_snapshot\/([^/]+)\/([^/?]+)/.exec(path);
          if (req.method === 'GET' && path === '/') return json(200, { version: { number: '2.19.0-simulated' } });
          if (req.method === 'PUT' && /^\/_snapshot\/[^/]+$/.test(path)) return json(200, { acknowledged: true });
          if (req.method === 'PUT' && snap) return json(200, { accepted: true });
          if (req.method === 'GET' && snap) {
            polls += 1;
            const state = polls < 3 ? 'IN_PROGRESS' : finalState;
            return json(200, { snapshots: [{ snapshot: snap[2], state, indices: ['members', 'activities'], shards: { total: 2, failed: 0, successful: 2 } }] });
          }
          if (req.method === 'POST' && path.includes('/_restore')) return json(200, { snapshot: { snapshot: snap?.[2], shards: { total: 2, failed: 0, successful: 2 } } });
          if (req.method === 'DELETE' && snap) return json(200, { acknowledged: true });
          if (req.method === 'HEAD' && path === '/members') return json(200, {});
          if (req.method === 'HEAD') return json(404, {});
          if (req.method === 'DELETE') return json(200, { acknowledged: true });
          return json(400, { error: `unexpected ${req.method} ${path}` });
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    after(() => server.close());

    it('backup registers the repository, starts a snapshot, polls until SUCCESS; restore deletes live indices and restores; retention deletes old snapshots', async () => {
      const dir = join(stack.root, 'opensearch');
      const env = stack.env(dir, { BACKUP_COMPONENTS: 'opensearch', OPENSEARCH_URL: url, OPENSEARCH_POLL_SECONDS: '0', BACKUP_KEEP_DAILY: '1', BACKUP_KEEP_WEEKLY: '0' });
      const run = await stack.run('backup.sh', [], { ...env, BACKUP_NOW: String(T0) });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(requests.slice(0, 6), [
        'GET /',
        'PUT /_snapshot/gitmesh-backups {"type":"fs","settings":{"location":"/usr/share/opensearch/snapshots/gitmesh","compress":true}}',
        'PUT /_snapshot/gitmesh-backups/gitmesh-20250101t021500z?wait_for_completion=false {"indices":"*,-.*","include_global_state":false}',
        'GET /_snapshot/gitmesh-backups/gitmesh-20250101t021500z',
        'GET /_snapshot/gitmesh-backups/gitmesh-20250101t021500z',
        'GET /_snapshot/gitmesh-backups/gitmesh-20250101t021500z',
      ]);
      const manifest = JSON.parse(readFileSync(join(dir, '20250101T021500Z', 'manifest.json'), 'utf8'));
      assert.deepEqual(manifest.opensearch, { file: 'opensearch-snapshot.json', server_version: '2.19.0-simulated', repository: 'gitmesh-backups', snapshot: 'gitmesh-20250101t021500z' });

      requests.length = 0;
      const restore = await stack.run('restore.sh', ['--yes', '--only', 'opensearch'], env);
      assert.equal(restore.exitCode, 0, restore.stderr);
      assert.deepEqual(requests, [
        'GET /_snapshot/gitmesh-backups/gitmesh-20250101t021500z',
        'HEAD /members',
        'DELETE /members',
        'HEAD /activities',
        'POST /_snapshot/gitmesh-backups/gitmesh-20250101t021500z/_restore?wait_for_completion=true {"indices":"*,-.*","include_global_state":false}',
      ]);

      requests.length = 0;
      polls = 0;
      assert.equal((await stack.run('backup.sh', [], { ...env, BACKUP_NOW: String(T0 + DAY) })).exitCode, 0);
      assert.ok(requests.includes('DELETE /_snapshot/gitmesh-backups/gitmesh-20250101t021500z'), requests.join('\n'));
      assert.deepEqual(sets(dir), ['20250102T021500Z']);
    });

    it('a snapshot that ends FAILED fails the backup and leaves no set', async () => {
      const dir = join(stack.root, 'opensearch-failed');
      finalState = 'FAILED';
      polls = 0;
      const run = await stack.run('backup.sh', [], stack.env(dir, { BACKUP_COMPONENTS: 'opensearch', OPENSEARCH_URL: url, OPENSEARCH_POLL_SECONDS: '0', BACKUP_NOW: String(T0) }));
      finalState = 'SUCCESS';
      assert.notEqual(run.exitCode, 0);
      assert.match(run.stderr, /ended FAILED/);
      assert.deepEqual(sets(dir), []);
      assert.deepEqual(partials(dir), []);
    });
  });
});
