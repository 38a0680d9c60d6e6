/**
 * Issue 23: `make secrets` must not lock the operator out. Run through sudo (root with SUDO_UID set,
 * as sudo leaves it) the files stay owned by the operator with the containers' group; on a developer
 * machine, `make dev-secrets` works without root and the development override gives every container
 * that reads a secret the operator's group. Real `make`, real users, Debian's docker-compose.
 */
import assert from 'node:assert/strict';
import { chmod, chown, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { generate } from './support/generate.js';
import { unprivilegedUser, type User } from './support/unprivileged.js';

const asUser = (user: User, cmd: string[], cwd: string) => {
  const wrapped = user.wrap(cmd);
  return execa(wrapped[0]!, wrapped.slice(1), { cwd, reject: false });
};

/** A generated repo the unprivileged user owns (as if they had generated it themselves). */
async function repoOf(user: User): Promise<string> {
  const { dir } = await generate({});
  await execa('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
  await chmod(dir, 0o755);
  return dir;
}

describe('make secrets ownership (issue 23)', function () {
  this.timeout(120_000);
  let user: User;
  before(async function () {
    user = await unprivilegedUser();
    assert.equal(process.getuid?.(), 0, 'these tests play root (sudo) and an operator: run the suite as root, as .ci/run does');
  });

  it('sudo make secrets: the operator owns the files, group 10001 reads them, and the operator can replace a value', async () => {
    const dir = await repoOf(user);
    // What sudo does: root runs make, with SUDO_UID naming the operator.
    const made = await execa('make', ['secrets'], { cwd: dir, env: { SUDO_UID: String(user.uid), SUDO_GID: String(user.gid) }, reject: false });
    assert.equal(made.exitCode, 0, made.stdout + made.stderr);
    const files = (await readdir(join(dir, 'secrets'))).filter((name) => !name.startsWith('.'));
    assert.ok(files.length > 3, files.join(', '));
    for (const name of files) {
      const info = await stat(join(dir, 'secrets', name));
      assert.deepEqual([info.uid, info.gid, info.mode & 0o777], [user.uid, 10001, 0o640], `secrets/${name}`);
    }
    assert.equal((await stat(join(dir, 'secrets'))).uid, user.uid);
    // The operator writes the value make secrets asked for (it was "Permission denied"), and reads every file.
    const write = await asUser(user, ['sh', '-c', 'printf %s https://hooks.slack.com/services/T0/B0/real > secrets/alertmanager_slack_webhook_url'], dir);
    assert.equal(write.exitCode, 0, write.stderr);
    const read = await asUser(user, ['sh', '-c', 'cat secrets/* >/dev/null'], dir);
    assert.equal(read.exitCode, 0, read.stderr);
  });

  it('make dev-secrets without root: files owned by the operator and their group; the dev override adds that group', async () => {
    const dir = await repoOf(user);
    const plain = await asUser(user, ['make', 'secrets'], dir);
    assert.notEqual(plain.exitCode, 0);
    assert.match(plain.stderr, /make dev-secrets/, 'the refusal names the rootless path');
    const made = await asUser(user, ['make', 'dev-secrets'], dir);
    assert.equal(made.exitCode, 0, made.stdout + made.stderr);
    const files = (await readdir(join(dir, 'secrets'))).filter((name) => !name.startsWith('.'));
    for (const name of files) {
      const info = await stat(join(dir, 'secrets', name));
      assert.deepEqual([info.uid, info.gid, info.mode & 0o777], [user.uid, user.gid, 0o640], `secrets/${name}`);
    }
    // `make dev`'s compose files, resolved by docker-compose with the group make dev passes.
    await writeFile(join(dir, '.env'), (await execa('cat', [join(dir, '.env.example')])).stdout.replace(/^([A-Z_]+)=$/gm, '$1=placeholder.internal'));
    await execa('mkdir', ['-p', join(dir, 'gitmesh/backend/src/database')]);
    await chown(join(dir, '.env'), user.uid, user.gid);
    // (Debian's docker-compose 1.29 replaces group_add lists where Compose v2 appends: only the added group is checked.)
    const config = await execa('docker-compose', ['-f', 'compose.yaml', '-f', 'compose.override.yaml', 'config'], { cwd: dir, env: { GITMESH_DEV_GID: String(user.gid) } });
    const services = (YAML.parse(config.stdout) as { services: Record<string, { secrets?: unknown[]; group_add?: unknown[] }> }).services;
    const readers = Object.entries(services).filter(([, svc]) => svc.secrets?.length);
    assert.ok(readers.length > 5, 'services that read secrets');
    for (const [name, svc] of readers) {
      const groups = (svc.group_add ?? []).map(String);
      assert.ok(groups.includes(String(user.gid)), `${name} cannot read the operator's secrets: group_add ${groups.join(',')}`);
    }
    // Unset (plain `docker compose up`), the added group is nogroup: no duplicate of 10001, no privilege.
    const unset = await execa('docker-compose', ['-f', 'compose.yaml', '-f', 'compose.override.yaml', 'config'], { cwd: dir });
    const plainServices = (YAML.parse(unset.stdout) as { services: Record<string, { secrets?: unknown[]; group_add?: unknown[] }> }).services;
    for (const [name, svc] of Object.entries(plainServices)) if (svc.secrets?.length) assert.deepEqual((svc.group_add ?? []).map(String), ['65534'], name);
    const makefile = (await execa('make', ['-n', 'dev'], { cwd: dir, reject: false })).stdout;
    assert.match(makefile, /GITMESH_DEV_GID=/, 'make dev passes the group to compose');
  });
});
