/**
 * Backup benchmark (on demand: `npm run bench -- --only backup`; never part of the tests).
 * A pgbench database of scale 70 (about 1 GB) on a throwaway PostgreSQL on loopback, backed up and
 * restored with the generated scripts and with the naive `pg_dump | gzip` / `gunzip | psql`, in one run.
 * Targets: backup at least 2x faster, archive at most 1.1x the naive size, restore faster.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { backupFiles } from '../generators/lib/files/backup.js';
import { TEMPORAL_DATABASES } from '../generators/lib/prepare/backup.js';
import { prepare } from '../generators/lib/prepare/index.js';
import { resolveAnswers } from '../generators/lib/answers.js';
import { render } from '../generators/lib/render.js';
import { POSTGRES_MAJOR } from '../generators/lib/versions.js';
import { processCpu } from './harness.js';

const PG_BIN = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
const SCALE = Number(process.env.BENCH_PGBENCH_SCALE ?? 70);
const PASSWORD = 'bench';
const PORT = 55_000 + Math.floor(Math.random() * 5000);

const seconds = async (fn: () => Promise<unknown>): Promise<number> => {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
};
const du = (path: string): number => {
  const st = statSync(path);
  return st.isDirectory() ? readdirSync(path).reduce((sum, name) => sum + du(join(path, name)), 0) : st.size;
};
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** CPU seconds of the waited-for children of `pid`: for this process, every client program a step
 * ran; for the postmaster, every backend (and parallel worker) that has exited. */
const childCpu = async (pid: number | 'self'): Promise<number> => (await processCpu(pid)).children;
interface Step {
  readonly seconds: number;
  /** CPU seconds: client programs, server backends. */
  readonly client: number;
  readonly server: number;
}

export async function run(): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'gitmesh-bench-backup-'));
  chmodSync(root, 0o755);
  const data = join(root, 'pgdata');
  mkdirSync(data, { mode: 0o700 });
  const pwfile = join(root, 'pw');
  writeFileSync(pwfile, PASSWORD);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await execa('id', ['-u', 'postgres'])).stdout);
    const gid = Number((await execa('id', ['-g', 'postgres'])).stdout);
    chownSync(data, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const asPg = (cmd: string, args: string[]) => (asRoot ? execa('runuser', ['-u', 'postgres', '--', cmd, ...args]) : execa(cmd, args));
  const env = { ...process.env, PGPASSWORD: PASSWORD, PGHOST: '127.0.0.1', PGPORT: String(PORT), PGUSER: 'gitmesh' } as Record<string, string>;
  const lines: string[] = [`backup: pgbench scale ${SCALE} on PostgreSQL ${POSTGRES_MAJOR}, ${cpus().length} CPUs`];
  try {
    await asPg(`${PG_BIN}/initdb`, ['-D', data, '-U', 'gitmesh', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync']);
    await asPg(`${PG_BIN}/pg_ctl`, ['-D', data, '-w', '-l', join(data, 'log'), '-o', `-p ${PORT} -k ${data} -c listen_addresses=127.0.0.1 -c max_wal_size=4GB -c shared_buffers=512MB`, 'start']);
    await execa('createdb', ['gitmesh-web'], { env });
    // The default deployment runs Temporal, whose auto-setup creates these on the same server: the
    // generated scripts back them up and restore them with the GitMesh database (empty here).
    for (const name of TEMPORAL_DATABASES) await execa('createdb', [name], { env });
    const init = await seconds(() => execa('pgbench', ['-i', '-q', '-s', String(SCALE), 'gitmesh-web'], { env }));
    const dbSize = Number((await execa('psql', ['-Atc', "SELECT pg_database_size('gitmesh-web')", 'gitmesh-web'], { env })).stdout);
    lines.push(`database: ${mb(dbSize)} (pgbench -i in ${init.toFixed(0)} s)`);

    // The generated scripts, as a default deployment renders them.
    const resolution = resolveAnswers({}, { useDefaults: true });
    if (!resolution.answers) throw new Error(resolution.problems.join('; '));
    const model = prepare(resolution.answers);
    const repo = join(root, 'repo');
    for (const spec of backupFiles(model)) {
      const path = join(repo, spec.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, render(spec.template, model, spec.locals), { mode: spec.executable ? 0o755 : 0o644 });
    }
    const scriptEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: root,
      BACKUP_DIR: join(root, 'sets'),
      BACKUP_METRICS_DIR: join(root, 'metrics'),
      BACKUP_ENVIRONMENT: 'bench',
      BACKUP_COMPONENTS: 'postgres',
      PG_HOST: '127.0.0.1',
      PG_PORT: String(PORT),
      PG_PASSWORD_FILE: pwfile,
      PG_JOBS: String(Math.max(2, cpus().length)),
    };
    const naiveFile = join(root, 'naive.sql.gz');

    // Every timed step starts from the same state: no dirty buffers or page cache left by the one before.
    const settle = async () => {
      await execa('psql', ['-Xqc', 'CHECKPOINT', 'postgres'], { env });
      await execa('sync');
    };
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // Wall time and the CPU the step cost on both sides (the server's backends exit with their sessions).
    const step = async (fn: () => Promise<unknown>): Promise<Step> => {
      const [client, server] = [await childCpu('self'), await childCpu(postmaster)];
      const wall = await seconds(fn);
      // Backends end just after their clients disconnect: let the postmaster reap them before reading.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return { seconds: wall, client: (await childCpu('self')) - client, server: (await childCpu(postmaster)) - server };
    };
    await settle();
    const genBackup = await step(() => execa('bash', [join(repo, 'scripts/backup.sh')], { env: scriptEnv, extendEnv: false }));
    await settle();
    const naiveBack = await step(() => execa('bash', ['-o', 'pipefail', '-c', `pg_dump gitmesh-web | gzip > ${naiveFile}`], { env }));
    const [generatedBackup, naiveBackup] = [genBackup.seconds, naiveBack.seconds];
    const [set] = readdirSync(scriptEnv.BACKUP_DIR).filter((name) => /^\d{8}T\d{6}Z$/.test(name));
    const generatedSize = du(join(scriptEnv.BACKUP_DIR, set ?? ''));
    const manifest = JSON.parse(readFileSync(join(scriptEnv.BACKUP_DIR, set ?? '', 'manifest.json'), 'utf8')) as {
      postgres: { databases: { database: string; split?: { relation: string; chunks: unknown[] }[] }[] };
    };
    const split = manifest.postgres.databases.flatMap((db) => (db.split ?? []).map((t) => `${db.database}/${t.relation} in ${t.chunks.length} ranges`));
    const naiveSize = statSync(naiveFile).size;

    await settle();
    const genRestore = await step(() => execa('bash', [join(repo, 'scripts/restore.sh'), '--yes'], { env: scriptEnv, extendEnv: false }));
    await settle();
    const naiveRest = await step(async () => {
      await execa('createdb', ['naive-restore'], { env });
      await execa('bash', ['-o', 'pipefail', '-c', `gunzip -c ${naiveFile} | psql -q -X -v ON_ERROR_STOP=1 -d naive-restore >/dev/null`], { env });
    });
    const [generatedRestore, naiveRestore] = [genRestore.seconds, naiveRest.seconds];
    const cpuLine = (name: string, gen: Step, naive: Step): string => {
      const [g, n] = [gen.client + gen.server, naive.client + naive.server];
      return `${name} CPU: generated ${g.toFixed(1)} s (client ${gen.client.toFixed(1)} + server ${gen.server.toFixed(1)})  naive ${n.toFixed(1)} s (client ${naive.client.toFixed(1)} + server ${naive.server.toFixed(1)})  ` +
        `CPU ratio ${(n / g).toFixed(2)}x; with ${cpus().length} CPUs the generated step cannot finish in less than ${(g / cpus().length).toFixed(1)} s`;
    };
    // restore.sh keeps the replaced databases by default (PG_KEEP_OLD=1), as the naive restore leaves the original.
    const dropOld = await seconds(async () => {
      for (const name of ['gitmesh-web', ...TEMPORAL_DATABASES]) await execa('psql', ['-Xq', '-c', `DROP DATABASE "${name}__pre_restore_${set ?? ''}"`, 'postgres'], { env });
    });

    lines.push(
      `generated set: gitmesh-web plus the (empty) Temporal databases ${TEMPORAL_DATABASES.join(', ')}, as a default deployment has them; naive: gitmesh-web only`,
      `generated split tables (PG_SPLIT_MIN_MB default): ${split.join(', ') || 'none'}`,
      `backup:  generated ${generatedBackup.toFixed(1)} s (${mb(generatedSize)})  naive pg_dump | gzip ${naiveBackup.toFixed(1)} s (${mb(naiveSize)})`,
      `restore: generated ${generatedRestore.toFixed(1)} s (checksums, pg_restore -j ${scriptEnv.PG_JOBS} with the split ranges loaded in parallel, row counts checked, swap; dropping the replaced databases afterwards ${dropOld.toFixed(1)} s)  naive gunzip | psql ${naiveRestore.toFixed(1)} s`,
      cpuLine('backup ', genBackup, naiveBack),
      cpuLine('restore', genRestore, naiveRest),
      `backup speed-up ${(naiveBackup / generatedBackup).toFixed(2)}x (target >= 2x)`,
      `size ratio ${(generatedSize / naiveSize).toFixed(2)}x (target <= 1.1x)`,
      `restore speed-up ${(naiveRestore / generatedRestore).toFixed(2)}x (target > 1x)`,
    );
  } finally {
    await asPg(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
  return lines;
}
