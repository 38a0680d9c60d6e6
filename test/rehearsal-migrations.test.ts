/**
 * Rehearsal against the pinned GitMesh CE tree: the migrate image's SQL (upstream's migrations with
 * our same-named replacements copied over them, exactly as the generated Dockerfile stages them)
 * applied with psql to a throwaway PostgreSQL server of the major the stack pins, in Flyway's order:
 * versioned migrations by version number, then repeatable ones by description. Flyway itself is not
 * installable here: the generated CI's e2e job runs the real migrate image against the real server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POSTGRES_MAJOR } from '../generators/lib/versions.js';
import { dockerignore, parseDockerfile } from './support/rehearsal/dockerfile.js';
import { allServicesRepo, buildContext } from './support/rehearsal/fixture.js';
import { startPostgres, type ThrowawayPostgres } from './support/rehearsal/postgres.js';
import { stageCopy } from './support/rehearsal/replay.js';
import { upstream } from './support/upstream.js';

interface Migration {
  readonly file: string;
  readonly kind: 'versioned' | 'repeatable';
  readonly version: readonly bigint[];
  readonly description: string;
}

/** Flyway's default naming: V<version>__<description>.sql and R__<description>.sql; `_` in a version is `.`. */
export function flywayOrder(files: readonly string[]): { applied: Migration[]; ignored: string[] } {
  const applied: Migration[] = [];
  const ignored: string[] = [];
  for (const file of files) {
    const versioned = /^V([0-9._]+)__(.+)\.sql$/.exec(file);
    const repeatable = /^R__(.+)\.sql$/.exec(file);
    if (versioned) applied.push({ file, kind: 'versioned', version: versioned[1].split(/[._]/).map((part) => BigInt(part)), description: versioned[2].replace(/_/g, ' ') });
    else if (repeatable) applied.push({ file, kind: 'repeatable', version: [], description: repeatable[1].replace(/_/g, ' ') });
    // U (undo) migrations are a Flyway Teams feature; files without a prefix are not migrations.
    else ignored.push(file);
  }
  const compareVersions = (a: readonly bigint[], b: readonly bigint[]): number => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i] ?? 0n;
      const y = b[i] ?? 0n;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  applied.sort((a, b) => (a.kind !== b.kind ? (a.kind === 'versioned' ? -1 : 1) : a.kind === 'versioned' ? compareVersions(a.version, b.version) : a.description < b.description ? -1 : a.description > b.description ? 1 : 0));
  return { applied, ignored };
}

describe(`rehearsal (pinned GitMesh CE): migrations on PostgreSQL ${POSTGRES_MAJOR} in Flyway's order`, function () {
  this.timeout(600_000);
  let pg: ThrowawayPostgres | undefined;
  let sqlDir = '';
  let staged = '';
  let order: Migration[] = [];

  before(async () => {
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const image = model.builtImages.find((img) => img.name === 'migrate')!;
    // Stage /flyway/sql as the migrate image's Dockerfile builds it.
    const context = buildContext(dir, up.root, image.context);
    const stage = parseDockerfile(readFileSync(join(dir, image.dockerfile), 'utf8'))[0];
    const excluded = dockerignore(readFileSync(join(dir, `${image.dockerfile}.dockerignore`), 'utf8'));
    staged = mkdtempSync(join(tmpdir(), 'gitmesh-rehearsal-flyway-'));
    let workdir = '/';
    const problems: string[] = [];
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'WORKDIR') workdir = instruction.args;
      if (instruction.keyword === 'COPY') problems.push(...stageCopy(staged, workdir, instruction.args, context, excluded));
    }
    assert.deepEqual(problems, []);
    sqlDir = join(staged, 'flyway', 'sql');
    order = flywayOrder(readdirSync(sqlDir)).applied;
    pg = await startPostgres();
    await pg.psql('postgres', ['-c', 'CREATE DATABASE "gitmesh-web"']);
  });

  after(async () => {
    await pg?.stop();
    if (staged) rmSync(staged, { recursive: true, force: true });
  });

  it('orders versioned migrations by number, then repeatable ones by description', () => {
    const { applied, ignored } = flywayOrder(['V10__b.sql', 'R__zeta.sql', 'V2__a.sql', 'R__alpha_beta.sql', 'V2_1__c.sql', 'U2__a.sql', 'notes.sql']);
    assert.deepEqual(applied.map((m) => m.file), ['V2__a.sql', 'V2_1__c.sql', 'V10__b.sql', 'R__alpha_beta.sql', 'R__zeta.sql']);
    assert.deepEqual(ignored, ['U2__a.sql', 'notes.sql']);
  });

  it("the migrate image's SQL applies completely: every versioned migration, then every repeatable one", async () => {
    assert.ok(order.filter((m) => m.kind === 'versioned').length > 100, `only ${order.length} migrations staged`);
    assert.ok(order.some((m) => m.file === 'R__array_accum.sql'));
    const version = await pg!.psql('gitmesh-web', ['-c', 'SHOW server_version_num']);
    assert.equal(Math.floor(Number(version) / 10000), POSTGRES_MAJOR);
    for (const migration of order) {
      // Each file in its own session, statements autocommitted: the CONCURRENTLY ones must run outside a
      // transaction (Flyway detects them and runs them so), and files with their own BEGIN/COMMIT keep them.
      try {
        await pg!.psql('gitmesh-web', ['-f', join(sqlDir, migration.file)]);
      } catch (error) {
        assert.fail(`${migration.file} failed on PostgreSQL ${POSTGRES_MAJOR}: ${String((error as { stderr?: string }).stderr ?? error)}`);
      }
    }
    // The replacement aggregate behaves as upstream's did on PostgreSQL <= 13.
    assert.equal(await pg!.psql('gitmesh-web', ['-c', "SELECT array_accum(x)::text FROM (VALUES (ARRAY[1,2]), (ARRAY[3])) v(x)"]), '{1,2,3}');
    // A repeatable migration re-runs when its checksum changes: ours must apply twice.
    await pg!.psql('gitmesh-web', ['-f', join(sqlDir, 'R__array_accum.sql')]);
  });

  it("upstream's own R__array_accum.sql is what fails on this major (the reason for the replacement)", async () => {
    const up = await upstream();
    const original = join(up.root, 'backend/src/database/migrations/R__array_accum.sql');
    await assert.rejects(pg!.psql('gitmesh-web', ['-c', 'DROP AGGREGATE IF EXISTS array_accum(anyarray)', '-f', original]), /function array_cat\(anyarray, anyarray\) does not exist/);
  });

  it('the CREATE INDEX CONCURRENTLY migrations cannot run in a transaction, and the migrate job runs Flyway with a session lock', async () => {
    const concurrent = order.filter((m) => m.kind === 'versioned' && /^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY/im.test(readFileSync(join(sqlDir, m.file), 'utf8')));
    assert.ok(concurrent.length >= 3, concurrent.map((m) => m.file).join(', '));
    for (const migration of concurrent) {
      await assert.rejects(pg!.psql('gitmesh-web', ['--single-transaction', '-f', join(sqlDir, migration.file)]), /cannot run inside a transaction block/, migration.file);
    }
    // Flyway therefore runs them outside a transaction, while its default transactional advisory lock keeps
    // a transaction open: the index build waits for it (flyway/flyway#3497, #3682). Only a real Flyway run
    // (the generated CI's e2e job) proves the flag works; here we check the job passes it.
    const { model } = await allServicesRepo();
    const migrate = model.composeServices.find((svc) => svc.name === 'migrate')!;
    assert.ok(migrate.command?.includes('-postgresql.transactional.lock=false'), JSON.stringify(migrate.command));
  });
});
