/**
 * Issue 15: immutable releases on a real Docker host of the host lab, driven from the controller over SSH with
 * the generated scripts/deploy/*.sh as they are (remote.sh → releases/<id>/scripts/deploy/deploy.sh, rollback.sh,
 * status.sh).
 *
 * What is a stand-in, and why (said in every test name too):
 * - The images are tiny busybox-static stand-ins built in the lab host (`docker import`), never the real
 *   GitMesh images (this machine builds none). v1 and v2 answer their health check; "broken" fails it.
 * - They are pushed to Debian's docker-registry running inside the lab host (loopback of its network
 *   namespace), so tags and digests are real and each release pulls by digest.
 * - compose.yaml is a stand-in stack with the generated stack's built-image services (api, frontend, migrate,
 *   backup); the generated Makefile's `make backup` runs the stand-in backup. The real compose.yaml, nginx
 *   edge and data services are not booted here (the CI e2e job boots the real stack).
 * - Signature verification is switched off in the lab's .env (DEPLOY_VERIFY_SIGNATURES=off): cosign is not
 *   packaged by Debian and keyless verification needs Sigstore online. The fail-closed default is proven in
 *   test/provisioning.test.ts (a host without cosign refuses the deploy).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile, mkdir, cp, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { generate, type Generated } from './support/generate.js';
import { openHostLab, type HostLab, type LabHost, type RunResult } from './support/host-lab.js';

const REGISTRY = 'localhost:5000';
const ANSWERS = { services: 'api,frontend', postgres: false, redis: false, opensearch: 'none', temporal: false, monitoring: false, tlsMode: 'self-signed', environments: 'production', registry: REGISTRY } as const;
const PACKAGES = ['busybox-static', 'curl', 'docker-cli', 'docker-compose', 'docker-registry', 'docker.io', 'make'];
const ROOT = '/srv/gitmesh';
const REGISTRY_CONFIG = `version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
http:
  addr: 127.0.0.1:5000
`;

/** The stand-in stack: the generated stack's built images, each a busybox httpd (or a one-shot job). */
function standInCompose(repo: (name: string) => string): string {
  const health = `    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]
      interval: 1s
      timeout: 2s
      retries: 3
`;
  return `# Stand-in stack for the deploy lab (test/deploy-releases.test.ts): not the generated compose.yaml.
services:
  # Stand-in edge: deploy.sh reloads it after \`up\` (its nginx is a script that records the reload).
  # Its mounts are the generated ones: the deploy points them at store/<sha256>/ (config/nginx) and at the
  # operator's certs/ outside every release.
  nginx:
    image: ${repo('api')}:sha-v1
    command: ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
    volumes: ["./config/nginx:/etc/nginx/edge:ro", "./certs/edge:/etc/nginx/tls:ro"]
${health}  # A third-party service stand-in (fixed tag): recreated only when the config it mounts changes.
  elasticmq:
    image: ${repo('api')}:sha-v1
    command: ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
    volumes: ["./config/elasticmq/elasticmq.conf:/opt/elasticmq.conf:ro"]
${health}  api:
    image: ${repo('api')}:\${GITMESH_IMAGE_TAG:?}
    command: ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
    ports: ["127.0.0.1:18080:8080"]
    volumes: ["./config/app.conf:/www/app.conf:ro"]
${health}  frontend:
    image: ${repo('frontend')}:\${GITMESH_IMAGE_TAG:?}
    command: ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
${health}  migrate:
    image: ${repo('migrate')}:\${GITMESH_IMAGE_TAG:?}
    profiles: [tools]
    command: ["/bin/sh", "-c", "cat /www/VERSION >> /state/migrations"]
    volumes: ["state:/state"]
  backup:
    image: ${repo('backup')}:\${GITMESH_IMAGE_TAG:?}
    profiles: [tools]
    environment:
      BACKUP_BLOCKED: \${BACKUP_BLOCKED:-}
    volumes: ["state:/state"]
volumes:
  state:
`;
}

/** Stand-in of scripts/backup.sh (mounted into the backup service): fails like a backup that cannot take its lock. */
const STANDIN_BACKUP = `#!/bin/sh
# Stand-in of the backup script (test/deploy-releases.test.ts): fails like a backup that cannot take its lock.
if [ -n "$BACKUP_BLOCKED" ]; then echo "backup: the lock is held by another backup (stand-in)" >&2; exit 1; fi
cat /www/VERSION >> /state/backups
`;

/** Builds the stand-in image `standin:<variant>` in the host and pushes it as <repo>:sha-<variant> for every image. */
const BUILD_STANDIN = `set -eu
variant=$1; shift
root=$(mktemp -d)
mkdir -p "$root/bin" "$root/www/api" "$root/opt/gitmesh-backup" "$root/state" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
printf '#!/bin/sh\n# Stand-in of nginx: records the reload deploy.sh asks for.\necho "nginx $*" >> /tmp/reloads\n' > "$root/bin/nginx"
chmod 755 "$root/bin/nginx"
echo "$variant" > "$root/www/VERSION"
echo "index $variant" > "$root/www/index.html"
echo ok > "$root/www/api/health"
[ "$variant" = broken ] || echo ok > "$root/www/health"
tar -C "$root" -c . | docker import - "standin:$variant" >/dev/null
rm -rf "$root"
for repo in "$@"; do
  docker tag "standin:$variant" "$repo:sha-$variant"
  digest=$(docker push "$repo:sha-$variant" | sed -n 's/.*digest: \\(sha256:[0-9a-f]\\{64\\}\\).*/\\1/p')
  echo "$repo@$digest"
done
`;

describe('deploy releases on a lab host (issue 15; stand-in busybox images from a registry inside the lab, stand-in compose stack)', function () {
  this.timeout(1_800_000);
  let lab: HostLab;
  let host: LabHost;
  let gen: Generated;
  let repo: string;
  const locks: Record<string, string> = {};

  const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
  const commit = async (message: string) => {
    await git('add', '-A');
    await git('commit', '-q', '-m', message);
  };
  const remote = async (args: string[], lock?: string): Promise<RunResult> => {
    if (lock !== undefined) await writeFile(join(repo, 'images.lock'), lock);
    const env = { DEPLOY_HOST: host.address, DEPLOY_USER: 'root', DEPLOY_SSH_KEY: lab.key, DEPLOY_KNOWN_HOSTS: host.knownHost };
    // The key's text, not its path: remote.sh reads it from the environment.
    const key = (await execa('cat', [lab.key])).stdout;
    return lab.onLan(['env', ...Object.entries({ ...env, DEPLOY_SSH_KEY: key }).map(([k, v]) => `${k}=${v}`), join(repo, 'scripts/deploy/remote.sh'), ...args], { cwd: repo, timeout: 600_000 });
  };
  const current = async () => (await host.exec(['readlink', `${ROOT}/current`])).stdout.trim();
  // Outputs come without their final newline (execa strips it).
  const served = async (path: string) => (await host.exec(['curl', '-sS', '--max-time', '5', `http://127.0.0.1:18080${path}`])).stdout;
  const runningDigest = async (service: string) => {
    const id = (await host.sh(`docker ps -q --filter label=com.docker.compose.project=gitmesh --filter label=com.docker.compose.service=${service}`)).stdout.trim();
    return (await host.exec(['docker', 'inspect', '--format', '{{.Config.Image}}', id])).stdout.trim();
  };
  const containerId = async (service: string) => (await host.sh(`docker ps -q --no-trunc --filter label=com.docker.compose.project=gitmesh --filter label=com.docker.compose.service=${service}`)).stdout.trim();
  const volumeFile = async (name: string) => (await host.exec(['cat', `/var/lib/docker/volumes/gitmesh_state/_data/${name}`])).stdout;

  before(async function () {
    gen = await generate(ANSWERS);
    repo = await mkdtemp(join(tmpdir(), 'gitmesh-deploy-repo-'));
    // The deployment repo: the generated scripts, Makefile, tools file and config; the stand-in stack, and a
    // stand-in scripts/backup.sh (the backup service mounts it, as the generated stack does).
    for (const path of ['scripts', 'Makefile', 'compose.tools.yaml', 'config']) await cp(join(gen.dir, path), join(repo, path), { recursive: true });
    await writeFile(join(repo, 'scripts/backup.sh'), STANDIN_BACKUP, { mode: 0o755 });
    const repoOf = (name: string) => gen.model.builtImages.find((img) => img.name === name)!.repository;
    await writeFile(join(repo, 'compose.yaml'), standInCompose(repoOf));
    await writeFile(join(repo, 'config/app.conf'), 'conf v1\n');
    await writeFile(join(repo, 'config/removed.conf'), 'only in v1\n');
    // CI writes the lock next to the checkout; it is never committed.
    await writeFile(join(repo, '.gitignore'), '/images.lock\n');
    await execa('git', ['init', '-q'], { cwd: repo });
    await commit('v1');

    lab = await openHostLab();
    [host] = await lab.boot([{ name: 'deploy1', release: 'trixie', packages: PACKAGES }]);
    // Debian's registry ships with htpasswd auth: the lab's listens on loopback only, without auth.
    await host.writeFile('/etc/docker/registry/config.yml', REGISTRY_CONFIG);
    const restarted = await host.exec(['systemctl', 'restart', 'docker-registry']);
    assert.equal(restarted.exitCode, 0, restarted.stderr);
    const up = await host.sh('for i in $(seq 60); do docker info >/dev/null 2>&1 && curl -fsS http://127.0.0.1:5000/v2/ >/dev/null && exit 0; sleep 1; done; exit 1');
    assert.equal(up.exitCode, 0, `docker and the registry in the lab host: ${up.stderr}`);
    await host.writeFile('/root/build-standin.sh', BUILD_STANDIN, 0o755);
    const names = gen.model.builtImages.map((img) => img.name);
    for (const variant of ['v1', 'v2', 'broken']) {
      const r = await host.exec(['/root/build-standin.sh', variant, ...names.map(repoOf)], { timeout: 300_000 });
      assert.equal(r.exitCode, 0, r.stderr);
      const refs = r.stdout.trim().split('\n');
      assert.equal(refs.length, names.length, r.stdout);
      for (const ref of refs) assert.match(ref, /@sha256:[0-9a-f]{64}$/, `pushed by digest: ${ref}`);
      // What CI's lock job writes: `# tag:` and one `<name> <repository>@sha256:<digest>` per built image.
      locks[variant] = [`# images.lock (stand-in images, built in the lab)`, `# tag: sha-${variant}`, ...names.map((name, i) => `${name} ${refs[i]}`), ''].join('\n');
    }
    // The operator's .env (outside every release): project name, smoke URL of the stand-in, verification off (lab).
    // The operator's edge certificate: outside every release.
    await host.writeFile(`${ROOT}/certs/edge/README`, 'stand-in certificate directory\n');
    await host.writeFile(`${ROOT}/.env`, ['COMPOSE_PROJECT_NAME=gitmesh', 'GITMESH_PUBLIC_HOST=lab.invalid', 'DEPLOY_SMOKE_URL=http://127.0.0.1:18080', 'DEPLOY_VERIFY_SIGNATURES=off', ''].join('\n'), 0o640);
  });

  after(async function () {
    await lab?.stop();
    if (repo) await rm(repo, { recursive: true, force: true });
    if (gen) await rm(gen.dir, { recursive: true, force: true });
  });

  it('bad input changes nothing: no current release yet, a lock for another tag, an unknown rollback target', async function () {
    const status = await remote(['status']);
    assert.equal(status.exitCode, 1, status.stderr);
    assert.match(status.stderr, /no current release on /);
    const wrongLock = await remote(['deploy', 'sha-v2'], locks.v1);
    assert.equal(wrongLock.exitCode, 1);
    assert.match(wrongLock.stderr, /images\.lock is not the lock of sha-v2/);
    const badTag = await remote(['deploy', 'v1;rm -rf /'], locks.v1);
    assert.match(badTag.stderr, /not a valid image tag/);
    assert.equal((await host.exec(['test', '-e', `${ROOT}/releases`])).exitCode, 1, 'nothing reached the host');
  });

  it('scenario 1: first deploy of sha-v1 unpacks releases/<id>/ and points current at it after health and the smoke test (stand-in images by digest)', async function () {
    const r = await remote(['deploy', 'sha-v1'], locks.v1);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(await current(), /^releases\/\d{8}T\d{6}Z-sha-v1$/);
    assert.equal(await served('/VERSION'), 'v1');
    assert.equal(await served('/app.conf'), 'conf v1');
    assert.match(await runningDigest('api'), /@sha256:[0-9a-f]{64}$/, 'the container runs the locked digest, not a tag');
    assert.equal(await runningDigest('api'), locks.v1.split('\n').find((l) => l.startsWith('api '))!.split(' ')[1]);
    const link = await host.exec(['readlink', `${ROOT}/current/.env`]);
    assert.equal(link.stdout.trim(), '../../.env', '.env lives outside the release');
    assert.equal(await volumeFile('migrations'), 'v1', 'migrations ran once');
    const status = await remote(['status']);
    assert.equal(status.exitCode, 0, status.stderr);
    assert.match(status.stdout, /\| current \| `\d{8}T\d{6}Z-sha-v1` \| `sha-v1` \|/);
  });

  it('scenario 2: an upgrade to sha-v2 that changes config and removes a file: backup first, then migrations, then the switch; the removed file is gone from current', async function () {
    await writeFile(join(repo, 'config/app.conf'), 'conf v2\n');
    await writeFile(join(repo, 'config/elasticmq/elasticmq.conf'), '# stand-in: changed in v2\n');
    await unlink(join(repo, 'config/removed.conf'));
    await commit('v2');
    const before = { nginx: await containerId('nginx'), elasticmq: await containerId('elasticmq') };
    assert.ok(before.nginx && before.elasticmq);
    // Release ids carry the time to the second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const r = await remote(['deploy', 'sha-v2'], locks.v2);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(await current(), /-sha-v2$/);
    assert.equal(await served('/VERSION'), 'v2');
    assert.equal(await served('/app.conf'), 'conf v2');
    assert.equal((await host.exec(['test', '-e', `${ROOT}/current/config/removed.conf`])).exitCode, 1, 'a file deleted from the repo is not in the new release');
    assert.equal(await volumeFile('backups'), 'v1', 'the backup ran with the release that was running');
    assert.equal(await volumeFile('migrations'), 'v1\nv2');
    // Mounts come from store/<sha256>/: an unchanged config keeps its container, a changed one recreates it.
    assert.equal(await containerId('nginx'), before.nginx, 'nginx (config/nginx unchanged) was not recreated by the new release directory');
    assert.notEqual(await containerId('elasticmq'), before.elasticmq, 'elasticmq (its config changed) was recreated');
    const mounted = await host.sh(`docker inspect --format '{{range .Mounts}}{{.Source}} {{end}}' ${await containerId('elasticmq')}`);
    assert.match(mounted.stdout, new RegExp(`^${ROOT}/store/[0-9a-f]{64}/elasticmq\\.conf $`), mounted.stdout);
    const certs = await host.sh(`docker inspect --format '{{range .Mounts}}{{.Source}} {{end}}' ${before.nginx}`);
    assert.match(certs.stdout, new RegExp(`${ROOT}/certs/edge `), 'certs/ is the operator\'s, outside every release');
  });

  it('scenario 3: sha-broken fails its health check: the previous release runs again with ITS images and files, byte for byte, and current never moved', async function () {
    const before = await current();
    const manifest = (await host.exec(['cat', `${ROOT}/${before}/MANIFEST`])).stdout;
    await writeFile(join(repo, 'config/app.conf'), 'conf v3\n');
    await commit('v3 with a broken image');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const r = await remote(['deploy', 'sha-broken'], locks.broken);
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /rolled back to .*-sha-v2: current still points at it/);
    assert.equal(await current(), before);
    assert.equal(await served('/VERSION'), 'v2');
    assert.equal(await served('/app.conf'), 'conf v2', 'the config of the running release, not of the failed one');
    assert.equal(await runningDigest('api'), locks.v2.split('\n').find((l) => l.startsWith('api '))!.split(' ')[1]);
    assert.equal(await runningDigest('frontend'), locks.v2.split('\n').find((l) => l.startsWith('frontend '))!.split(' ')[1]);
    const check = await host.sh(`cd ${ROOT}/current && sha256sum --check --quiet --strict MANIFEST`);
    assert.equal(check.exitCode, 0, `the release's files are unchanged: ${check.stdout}${check.stderr}`);
    assert.equal((await host.exec(['cat', `${ROOT}/${before}/MANIFEST`])).stdout, manifest);
    await git('revert', '--no-edit', 'HEAD');
  });

  it('scenario 4: a manual rollback to sha-v1 (by tag) runs that release with its own config and digests, removed file included', async function () {
    const r = await remote(['rollback', 'sha-v1']);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(await current(), /-sha-v1$/);
    assert.equal(await served('/VERSION'), 'v1');
    assert.equal(await served('/app.conf'), 'conf v1');
    assert.equal((await host.exec(['cat', `${ROOT}/current/config/removed.conf`])).stdout, 'only in v1');
    const unknown = await remote(['rollback', 'sha-nope']);
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.stderr, /no release sha-nope on this host/);
    assert.match(await current(), /-sha-v1$/);
    // Back to the previous release by default: sha-v2.
    const back = await remote(['rollback']);
    assert.equal(back.exitCode, 0, back.stderr);
    assert.match(await current(), /-sha-v2$/);
    assert.equal(await served('/app.conf'), 'conf v2');
  });

  it('scenario 5: a deploy whose backup cannot run fails before the migrations and changes nothing (stand-in backup that reports its lock held)', async function () {
    const before = await current();
    const migrations = await volumeFile('migrations');
    await host.sh(`echo BACKUP_BLOCKED=1 >> ${ROOT}/.env`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const r = await remote(['deploy', 'sha-v1'], locks.v1);
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /the backup before the migrations did not run .*: nothing was changed/);
    assert.equal(await current(), before);
    assert.equal(await volumeFile('migrations'), migrations, 'no migration ran unprotected');
    assert.equal(await served('/VERSION'), 'v2');
    await host.sh(`sed -i /^BACKUP_BLOCKED=/d ${ROOT}/.env`);
  });
});
