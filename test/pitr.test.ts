/**
 * Issue 16: point-in-time recovery with Barman, proven with the real tool (Debian's Barman 3.4) against a real
 * PostgreSQL 15 that this file starts on loopback (free port, throwaway data directories, stopped by PID).
 * The generated barman.conf, pitr.env and scripts run as they are; only the host, port and paths that differ
 * outside the container are rewritten. Barman and PostgreSQL run as Debian's unprivileged postgres user, as in
 * the barman service (uid 70, the postgres image's user).
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { resolveAnswers } from '../generators/lib/answers.js';
import { backupFiles } from '../generators/lib/files/backup.js';
import { PITR_METRICS } from '../generators/lib/prepare/backup/barman.js';
import { render } from '../generators/lib/render.js';
import { POSTGRES_MAJOR } from '../generators/lib/versions.js';
import { modelFrom } from './support/generate.js';
import { requireTool, shellcheckErrors } from './support/validators.js';
import { freePort } from './support/free-port.js';

const PG_BIN = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
const ADMIN_PASSWORD = 'admin:secret\\x';
const BACKUP_PASSWORD = 'backup:pass\\word';


interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Lab {
  readonly root = mkdtempSync(join(tmpdir(), 'gitmesh-pitr-'));
  readonly gen = join(this.root, 'gen');
  readonly pgData = join(this.root, 'pgdata');
  readonly home = join(this.root, 'barman');
  readonly userHome = join(this.root, 'home');
  readonly metrics = join(this.root, 'metrics');
  readonly restoreParent = join(this.root, 'restore');
  readonly conf = join(this.root, 'barman.conf');
  port = 0;
  uid = 0;
  gid = 0;
  readonly restored: string[] = [];

  async start(): Promise<void> {
    for (const tool of ['barman', 'barman-cloud-wal-archive', 'psql', 'jq', 'runuser', 'promtool', 'shellcheck']) requireTool(tool);
    if (!existsSync(`${PG_BIN}/postgres`)) throw new Error(`PostgreSQL ${POSTGRES_MAJOR} is not installed; run: bash .ci/install-deps.sh`);
    this.uid = Number((await execa('id', ['-u', 'postgres'])).stdout);
    this.gid = Number((await execa('id', ['-g', 'postgres'])).stdout);
    chmodSync(this.root, 0o755);
    // The generated files, for the default answers (production, offsite on).
    const model = modelFrom({});
    for (const spec of backupFiles(model)) {
      const path = join(this.gen, spec.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, render(spec.template, model, spec.locals));
      if (spec.executable) chmodSync(path, 0o755);
    }
    for (const dir of [this.pgData, this.home, this.userHome, this.metrics, this.restoreParent]) {
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, this.uid, this.gid);
    }
    this.port = await freePort();
    const secret = (name: string, value: string): string => {
      const path = join(this.root, name);
      writeFileSync(path, `${value}\n`, { mode: 0o600 });
      chownSync(path, this.uid, this.gid);
      return path;
    };
    secret('admin_password', ADMIN_PASSWORD);
    secret('backup_password', BACKUP_PASSWORD);
    secret('initdb_pw', ADMIN_PASSWORD);
    // As the postgres image initialises: trust on the local socket, SCRAM over TCP, checksums.
    await this.asPg(`${PG_BIN}/initdb`, ['-D', this.pgData, '-U', 'gitmesh', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${join(this.root, 'initdb_pw')}`, '--data-checksums', '--no-sync']);
    // The generated pg_hba rule for the backup role (samenet there, loopback here).
    const hba = readFileSync(join(this.pgData, 'pg_hba.conf'), 'utf8');
    writeFileSync(join(this.pgData, 'pg_hba.conf'), `${hba}\nhost replication gitmesh_backup 127.0.0.1/32 scram-sha-256\n`);
    await this.asPg(`${PG_BIN}/pg_ctl`, ['-D', this.pgData, '-w', '-l', join(this.pgData, 'server.log'), '-o', `-p ${this.port} -k ${this.pgData} -c listen_addresses=127.0.0.1 -c max_slot_wal_keep_size=4GB -c fsync=off`, 'start']);
    await this.sql(this.port, 'postgres', 'CREATE DATABASE "gitmesh-web"');
    // The generated Barman configuration; only host, port and container paths change.
    const conf = readFileSync(join(this.gen, 'config/backup/barman.conf'), 'utf8')
      .replaceAll('host=postgres port=5432', `host=127.0.0.1 port=${this.port}`)
      .replaceAll('passfile=/tmp/barman.pgpass', `passfile=${join(this.userHome, 'pgpass')}`)
      .replaceAll('/var/lib/barman', this.home)
      .replaceAll('/opt/gitmesh-backup/pitr', join(this.gen, 'scripts/pitr'))
      .replace('path_prefix = /usr/local/bin', `path_prefix = ${PG_BIN}`);
    writeFileSync(this.conf, conf);
    // `barman get-wal`, run by the recovering server's restore_command, finds its config at ~/.barman.conf.
    writeFileSync(join(this.userHome, '.barman.conf'), conf);
    chownSync(join(this.userHome, '.barman.conf'), this.uid, this.gid);
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.userHome,
      TMPDIR: this.userHome,
      PITR_ENV_FILE: join(this.gen, 'config/backup/pitr.env'),
      BARMAN_CONFIG: this.conf,
      BARMAN_HOME: this.home,
      PG_HOST: '127.0.0.1',
      PG_PORT: String(this.port),
      PITR_PGPASS: join(this.userHome, 'pgpass'),
      PITR_PASSWORD_FILE: join(this.root, 'backup_password'),
      PG_ADMIN_PASSWORD_FILE: join(this.root, 'admin_password'),
      PG_BINDIR: PG_BIN,
      BACKUP_METRICS_DIR: this.metrics,
      BACKUP_ENVIRONMENT: 'staging',
      ...extra,
    };
  }

  /** A generated PITR script, run as the postgres user with the lab's environment. */
  async script(name: string, args: string[] = [], extra: Record<string, string> = {}): Promise<Run> {
    const env = Object.entries(this.env(extra)).map(([k, v]) => `${k}=${v}`);
    const result = await execa('runuser', ['-u', 'postgres', '--', 'env', '-i', ...env, 'bash', join(this.gen, 'scripts/pitr', name), ...args], { reject: false, cwd: this.root });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  async barman(...args: string[]): Promise<Run> {
    const env = Object.entries(this.env()).map(([k, v]) => `${k}=${v}`);
    const result = await execa('runuser', ['-u', 'postgres', '--', 'env', '-i', ...env, 'barman', '-c', this.conf, ...args], { reject: false });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  asPg(cmd: string, args: string[]): Promise<unknown> {
    return execa('runuser', ['-u', 'postgres', '--', cmd, ...args]);
  }

  async sql(port: number, db: string, sql: string): Promise<string> {
    const { stdout } = await execa('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'gitmesh', '-d', db, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: { PGPASSWORD: ADMIN_PASSWORD } });
    return stdout;
  }

  /** Starts a restored data directory on a free port, returns its rows of table t, and stops it. */
  async rowsOf(dir: string): Promise<number[]> {
    const port = await freePort();
    await this.asPg(`${PG_BIN}/pg_ctl`, ['-D', dir, '-w', '-t', '120', '-l', join(dir, 'check.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c archive_mode=off`, 'start']);
    try {
      assert.equal(await this.sql(port, 'postgres', 'SELECT pg_is_in_recovery()'), 'f', 'the restored cluster is promoted');
      return (await this.sql(port, 'gitmesh-web', 'SELECT id FROM t ORDER BY id')).split('\n').filter(Boolean).map(Number);
    } finally {
      await this.asPg(`${PG_BIN}/pg_ctl`, ['-D', dir, '-m', 'fast', '-w', 'stop']);
    }
  }

  async stop(): Promise<void> {
    // pg_receivewal was started by `barman cron` in these tests: stop it through Barman, then the server by its pid file.
    await this.barman('receive-wal', '--stop', 'postgres').catch(() => undefined);
    await this.asPg(`${PG_BIN}/pg_ctl`, ['-D', this.pgData, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true });
  }
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is in the metrics file`);
  return Number(line.split(' ')[1]);
}

describe('offsite by default for production (issue 16)', () => {
  it('production without an offsite repository is refused with the clear message; --accept-single-host-backups records the choice; production defaults to offsite on', () => {
    const refused = resolveAnswers({ environments: ['staging', 'production'], backupOffsite: false }, { useDefaults: true });
    assert.equal(refused.answers, undefined);
    assert.ok(refused.problems.some((p) => /production backups must leave the host: add --backup-offsite .* --accept-single-host-backups/.test(p)), refused.problems.join('\n'));
    const accepted = resolveAnswers({ environments: ['staging', 'production'], backupOffsite: false, acceptSingleHostBackups: true }, { useDefaults: true });
    assert.deepEqual(accepted.problems, []);
    assert.equal(modelFrom({ environments: ['staging', 'production'], backupOffsite: false, acceptSingleHostBackups: true }).settings.backup.singleHostAccepted, true);
    assert.equal(modelFrom({}).settings.backup.offsite, true, 'production is a default environment, so offsite is on by default');
    assert.equal(modelFrom({ environments: ['staging'] }).settings.backup.offsite, false, 'staging alone keeps the old default');
  });
});

describe('PITR with Barman 3.4 (real) against PostgreSQL 15 (real): the generated barman.conf, pitr.env and scripts', function () {
  this.timeout(600_000);
  const lab = new Lab();
  before(async () => lab.start());
  after(async () => lab.stop());

  it('the generated PITR scripts are shellcheck-clean', async () => {
    const dir = join(lab.gen, 'scripts/pitr');
    const scripts = ['pitr-lib.sh', 'barman-entrypoint.sh', 'pitr-backup.sh', 'pitr-metrics.sh', 'switch-wal.sh', 'restore-pitr.sh', 'offsite-lib.sh', 'offsite-wal.sh', 'offsite-backup.sh'].map((name) => join(dir, name));
    assert.deepEqual(await shellcheckErrors([...scripts, join(lab.gen, 'scripts/restore-pitr-stack.sh')]), []);
  });

  it('setup: the entrypoint creates the backup role (not superuser) from the secret, Barman creates the slot and streams; barman check passes every item but the missing backup', async () => {
    const setup = await lab.script('barman-entrypoint.sh', ['--setup-only']);
    assert.equal(setup.exitCode, 0, setup.stderr);
    assert.equal(await lab.sql(lab.port, 'postgres', "SELECT rolsuper::int::text || rolreplication::int::text FROM pg_roles WHERE rolname = 'gitmesh_backup'"), '01');
    // Idempotent: a restart of the service changes nothing and keeps working.
    assert.equal((await lab.script('barman-entrypoint.sh', ['--setup-only'])).exitCode, 0);
    await lab.sql(lab.port, 'gitmesh-web', 'CREATE TABLE t (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp()); INSERT INTO t (id) SELECT generate_series(1, 100)');
    const check = JSON.parse((await lab.barman('-f', 'json', 'check', 'postgres')).stdout) as Record<string, Record<string, { status: string }>>;
    const failed = Object.entries(check.postgres ?? {}).filter(([, v]) => v.status !== 'OK').map(([k]) => k);
    assert.deepEqual(failed.filter((k) => !['backup_maximum_age', 'minimum_redundancy_requirements', 'wal_archive'].includes(k)), [], JSON.stringify(check));
    assert.equal(await lab.sql(lab.port, 'postgres', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'barman'"), '1');
  });

  let target = '';
  it('PITR round trip: base backup, more commits, restore-pitr.sh to a time between two commits: exactly the rows committed before it exist; the old directory is kept on --swap', async () => {
    const backup = await lab.script('pitr-backup.sh', ['--immediate']);
    assert.equal(backup.exitCode, 0, backup.stderr);
    await lab.sql(lab.port, 'gitmesh-web', 'INSERT INTO t (id) VALUES (101)');
    await new Promise((r) => setTimeout(r, 300));
    target = await lab.sql(lab.port, 'postgres', 'SELECT clock_timestamp()');
    await new Promise((r) => setTimeout(r, 300));
    await lab.sql(lab.port, 'gitmesh-web', 'INSERT INTO t (id) VALUES (102)');
    const commits = (await lab.sql(lab.port, 'gitmesh-web', 'SELECT id || \' \' || at FROM t WHERE id > 100 ORDER BY id')).split('\n');
    assert.equal(commits.length, 2);
    const switched = await lab.script('switch-wal.sh');
    assert.equal(switched.exitCode, 0, switched.stderr);

    // A live-looking directory to swap against.
    const into = join(lab.restoreParent, 'round-trip');
    mkdirSync(join(into, 'pgdata'), { recursive: true });
    writeFileSync(join(into, 'pgdata', 'PG_VERSION'), '15\n');
    await execa('chown', ['-R', `${lab.uid}:${lab.gid}`, into]);
    const restore = await lab.script('restore-pitr.sh', ['--target-time', target, '--into', into, '--swap']);
    assert.equal(restore.exitCode, 0, restore.stderr);
    assert.match(restore.stderr, /verified: promoted, databases: gitmesh-web postgres; recovery stopping before commit/);
    assert.deepEqual(await lab.rowsOf(join(into, 'pgdata')), Array.from({ length: 101 }, (_, i) => i + 1));
    const kept = (await execa('ls', [into])).stdout.split('\n').filter((n) => n.startsWith('pgdata.before-pitr-'));
    assert.equal(kept.length, 1, 'the previous data directory is kept');
    assert.doesNotMatch(readFileSync(join(into, 'pgdata', 'postgresql.auto.conf'), 'utf8'), /restore_command|recovery_target/, 'the recovery settings are removed after the verified run');
  });

  it('--latest replays the streamed .partial segment: a commit that was never in a completed segment is restored (RPO of seconds with asynchronous streaming)', async () => {
    await lab.sql(lab.port, 'gitmesh-web', 'INSERT INTO t (id) VALUES (103)');
    // pg_receivewal flushes on each write; give it a moment (no switch: segment 103 lives only in the .partial).
    await new Promise((r) => setTimeout(r, 2000));
    const into = join(lab.restoreParent, 'latest');
    mkdirSync(into);
    chownSync(into, lab.uid, lab.gid);
    const restore = await lab.script('restore-pitr.sh', ['--latest', '--into', into]);
    assert.equal(restore.exitCode, 0, restore.stderr);
    const dir = restore.stdout.trim();
    assert.ok(existsSync(join(dir, 'PG_VERSION')), dir);
    assert.deepEqual((await lab.rowsOf(dir)).slice(-3), [101, 102, 103]);
  });

  it('restore-pitr.sh refuses production without --confirm-production, and a target before the only backup fails clearly', async () => {
    const refused = await lab.script('restore-pitr.sh', ['--latest', '--into', lab.restoreParent], { BACKUP_ENVIRONMENT: 'production' });
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /--confirm-production/);
    const early = await lab.script('restore-pitr.sh', ['--target-time', '2000-01-01 00:00:00+00', '--into', lab.restoreParent]);
    assert.notEqual(early.exitCode, 0);
  });

  it(`metrics: pitr-metrics.sh writes valid exposition (promtool check metrics) with one backup, receiver up, slot kept, no failed attempt`, async () => {
    const run = await lab.script('pitr-metrics.sh');
    assert.equal(run.exitCode, 0, run.stderr);
    const text = readFileSync(join(lab.metrics, 'gitmesh_pitr.prom'), 'utf8');
    const lint = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
    assert.equal(lint.exitCode, 0, lint.stdout + lint.stderr);
    assert.equal(metricValue(text, PITR_METRICS.backups), 1);
    assert.equal(metricValue(text, PITR_METRICS.lastBackupFailed), 0);
    assert.equal(metricValue(text, PITR_METRICS.receiverUp), 1);
    assert.equal(metricValue(text, PITR_METRICS.slotLost), 0);
    assert.ok(metricValue(text, PITR_METRICS.lastBackup) > Date.now() / 1000 - 3600);
    assert.ok(metricValue(text, PITR_METRICS.lastWalArchived) > 0);
    assert.match(text, /gitmesh_pitr_check_ok\{check="replication_slot"\} 1/);
  });

  it('fault: the WAL receiver is down (archive unreachable): PostgreSQL keeps accepting writes, the slot holds the WAL (lag and receiver_up show it), and archiving catches up once Barman runs again', async () => {
    assert.equal((await lab.barman('receive-wal', '--stop', 'postgres')).exitCode, 0);
    await new Promise((r) => setTimeout(r, 1000));
    await lab.sql(lab.port, 'gitmesh-web', 'CREATE TABLE filler AS SELECT g, repeat(md5(g::text), 20) AS pad FROM generate_series(1, 40000) g');
    await lab.sql(lab.port, 'gitmesh-web', 'INSERT INTO t (id) VALUES (104)');
    const down = await lab.script('pitr-metrics.sh');
    assert.equal(down.exitCode, 0, down.stderr);
    const during = readFileSync(join(lab.metrics, 'gitmesh_pitr.prom'), 'utf8');
    assert.equal(metricValue(during, PITR_METRICS.receiverUp), 0);
    assert.ok(metricValue(during, PITR_METRICS.walLag) > 16 * 1024 * 1024, `lag ${metricValue(during, PITR_METRICS.walLag)}`);
    assert.equal(metricValue(during, PITR_METRICS.slotLost), 0);
    // `barman cron` (every minute in the service) restarts the receiver; the switch waits until it is archived.
    assert.equal((await lab.barman('cron')).exitCode, 0);
    await new Promise((r) => setTimeout(r, 2000));
    const caught = await lab.script('switch-wal.sh');
    assert.equal(caught.exitCode, 0, caught.stderr);
    await lab.script('pitr-metrics.sh');
    const after = readFileSync(join(lab.metrics, 'gitmesh_pitr.prom'), 'utf8');
    assert.equal(metricValue(after, PITR_METRICS.receiverUp), 1);
    assert.ok(metricValue(after, PITR_METRICS.walLag) < 16 * 1024 * 1024, `lag after catching up ${metricValue(after, PITR_METRICS.walLag)}`);
  });
});
