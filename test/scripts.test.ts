/**
 * The foundation's shell scripts: shellcheck-clean, and they behave: secrets are random, complete,
 * group-readable only, never overwritten; the entrypoint wrapper turns VAR_FILE into VAR.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { generate } from './support/generate.js';
import { unprivilegedUser } from './support/unprivileged.js';
import { shellcheckErrors } from './support/validators.js';

describe('foundation scripts', () => {
  it('are shellcheck-clean for every data-tier mix', async () => {
    for (const raw of [{}, { postgresReplica: true }, { postgres: false, redis: false }]) {
      const { dir } = await generate(raw);
      const scripts = ['scripts/generate-secrets.sh', 'config/env-from-files.sh'];
      if (raw.postgresReplica) scripts.push('config/postgres/initdb/10-replication.sh', 'config/postgres/replica-entrypoint.sh');
      // Issue 18: the role setup script of a stack-managed PostgreSQL.
      if (raw.postgres !== false) scripts.push('config/postgres/roles.sh');
      assert.deepEqual(await shellcheckErrors(scripts.map((s) => join(dir, s))), []);
      for (const s of scripts) assert.ok(((await stat(join(dir, s))).mode & 0o111) !== 0, `${s} is not executable`);
    }
  });

  it('make secrets creates every declared secret once, random, 0640 group 10001, and never overwrites', async () => {
    const { dir, model } = await generate({ postgresReplica: true });
    const first = await execa('bash', [join(dir, 'scripts/generate-secrets.sh')], { reject: false });
    assert.equal(first.exitCode, 0, first.stderr);
    const values = new Map<string, string>();
    for (const secret of model.secrets) {
      const file = join(dir, 'secrets', secret.name);
      const info = await stat(file);
      assert.equal(info.mode & 0o777, process.getuid?.() === 0 ? 0o640 : info.mode & 0o777, `${secret.name} mode`);
      if (process.getuid?.() === 0) assert.equal(info.gid, 10001);
      const value = await readFile(file, 'utf8');
      if (secret.source.kind === 'random') assert.match(value, new RegExp(`^[0-9a-f]{${secret.source.bytes * 2}}$`), secret.name);
      values.set(secret.name, value);
    }
    // The ACL file holds SHA-256 hashes of the users' passwords (issue 18); the default user is off.
    const acl = values.get('redis_users_acl')!.trim().split('\n');
    assert.match(acl[0]!, /^user default off /);
    const users = model.secrets.find((s) => s.name === "redis_users_acl")!.source as unknown as { users: { name: string; secret: string }[] };
    for (const user of users.users) {
      const hash = createHash('sha256').update(values.get(user.secret)!).digest('hex');
      assert.ok(acl.some((line) => line.startsWith(`user ${user.name} on #${hash} `)), `${user.name}: ${acl.join(' | ')}`);
    }
    assert.ok(!values.get('redis_users_acl')!.includes(values.get('redis_password')!), 'no plaintext password in the ACL file');
    assert.equal(((await stat(join(dir, 'secrets'))).mode & 0o777), 0o750);
    // A second run keeps every value, including one the operator replaced.
    await writeFile(join(dir, 'secrets/api_jwt_secret'), 'operator-chosen');
    const second = await execa('bash', [join(dir, 'scripts/generate-secrets.sh')]);
    assert.doesNotMatch(second.stdout, /created/);
    assert.equal(await readFile(join(dir, 'secrets/api_jwt_secret'), 'utf8'), 'operator-chosen');
    for (const [name, value] of values) if (name !== 'api_jwt_secret') assert.equal(await readFile(join(dir, 'secrets', name), 'utf8'), value);
    // A rotated Redis password reaches the derived ACL file on the next run.
    await writeFile(join(dir, 'secrets/redis_password'), 'rotated');
    const third = await execa('bash', [join(dir, 'scripts/generate-secrets.sh')]);
    assert.match(third.stdout, /wrote secrets\/redis_users_acl/);
    assert.match(await readFile(join(dir, 'secrets/redis_users_acl'), 'utf8'), new RegExp(`user gitmesh_app on #${createHash('sha256').update('rotated').digest('hex')} `));
    // Two repos never share a value.
    const other = await generate({ postgresReplica: true });
    await execa('bash', [join(other.dir, 'scripts/generate-secrets.sh')]);
    assert.notEqual(await readFile(join(other.dir, 'secrets/postgres_password'), 'utf8'), values.get('postgres_password'));
  });

  it('make secrets writes placeholders it warns about, and refuses when group 10001 cannot own the files', async () => {
    const { dir } = await generate({});
    const result = await execa('bash', [join(dir, 'scripts/generate-secrets.sh')], { reject: false });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /placeholder[\s\S]*alertmanager_slack_webhook_url/);
    if (process.getuid?.() !== 0) return;
    // As an ordinary user (not in group 10001) the script must stop, not leave unreadable secrets behind.
    const user = await unprivilegedUser();
    const other = await generate({});
    await execa('chown', ['-R', String(user.uid), other.dir]);
    const cmd = user.wrap(['bash', join(other.dir, 'scripts/generate-secrets.sh')]);
    const refused = await execa(cmd[0]!, cmd.slice(1), { reject: false });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /sudo make secrets/);
    assert.deepEqual((await readdir(join(other.dir, 'secrets'))).filter((f) => !f.startsWith('.')), []);
  });

  it('make secrets lists operator-supplied secrets it cannot create and exits non-zero', async () => {
    const { dir } = await generate({ postgres: false });
    const result = await execa('bash', [join(dir, 'scripts/generate-secrets.sh')], { reject: false });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /postgres_password: Password of the external PostgreSQL role/);
  });

  it('env-from-files exports VAR from VAR_FILE, drops the pointer, and fails on an unreadable file', async () => {
    const { dir } = await generate();
    const secret = join(dir, 'secret.txt');
    await writeFile(secret, 's3cr3t value');
    const wrapper = join(dir, 'config/env-from-files.sh');
    const ok = await execa('sh', [wrapper, 'sh', '-c', 'printf "%s|%s" "$DB_PASSWORD" "${DB_PASSWORD_FILE-unset}"'], { env: { PATH: process.env.PATH!, DB_PASSWORD_FILE: secret }, extendEnv: false });
    assert.equal(ok.stdout, 's3cr3t value|unset');
    const bad = await execa('sh', [wrapper, 'true'], { env: { PATH: process.env.PATH!, DB_PASSWORD_FILE: join(dir, 'missing') }, extendEnv: false, reject: false });
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /DB_PASSWORD_FILE=.*missing is not readable/);
  });
});
