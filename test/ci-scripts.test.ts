// The generated deploy/rollback scripts: shellcheck, and their behaviour in the release layout
// (releases/<id>/, images.lock, MANIFEST, `current`) against fake `docker`, `make`, `curl` and `cosign`
// executables on PATH that record every call (the real engine runs in test/deploy-releases.test.ts). The exact call sequence and the
// recorded tags are asserted for a first deploy, a successful deploy, a failed smoke test (which
// must roll back), a failed roll-out, failed migrations, and manual rollbacks. remote.sh is run
// against a fake `ssh` with a real ssh-agent.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { RawAnswers } from '../generators/lib/answers.js';
import { ciFiles } from '../generators/lib/files/ci.js';
import type { CiView } from '../generators/lib/prepare/ci.js';
import { render } from '../generators/lib/render.js';
import { modelFrom } from './support/generate.js';
import { requireTool, shellcheckErrors } from './support/validators.js';

let root: string;
let counter = 0;

/** Renders the CI files for `raw` into a fresh dir (the deployment dir on a host). */
async function renderInto(raw: RawAnswers): Promise<{ dir: string; view: CiView }> {
  const model = modelFrom(raw);
  const dir = path.join(root, `repo-${counter++}`);
  for (const spec of ciFiles(model)) {
    const file = path.join(dir, spec.path);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, render(spec.template, model, spec.locals));
    if (spec.executable) await chmod(file, 0o755);
  }
  return { dir, view: model.views.ci };
}

const SCRIPTS = ['lib.sh', 'deploy.sh', 'rollback.sh', 'smoke-test.sh', 'status.sh', 'remote.sh', 'release-notes.sh'];
const scriptsOf = (dir: string): string[] => SCRIPTS.map((s) => path.join(dir, 'scripts/deploy', s));

// ------------------------------------------------------------------------------------------ fakes

// docker: records its argv, the tag compose interpolates (GITMESH_IMAGE_TAG from the environment) and the
// release it runs in (the working directory). A successful `up` makes that release the running one (for curl).
// FAKE_DOCKER_FAIL="<args substring>@<tag>" makes matching calls fail.
const FAKE_DOCKER = `#!/usr/bin/env bash
tag=\${GITMESH_IMAGE_TAG:-}
printf 'docker %s [%s]\\n' "$*" "$tag" >>"$FAKE_LOG"
if [[ -n \${FAKE_DOCKER_FAIL:-} && "$* @$tag" == *"\${FAKE_DOCKER_FAIL%@*}"*"@\${FAKE_DOCKER_FAIL##*@}" ]]; then exit 1; fi
if [[ "$*" == *" up --detach "* ]]; then printf '%s\\n' "$tag" >"$FAKE_RUNNING"; fi
exit 0
`;
const FAKE_MAKE = `#!/usr/bin/env bash
printf 'make %s [%s]\\n' "$*" "\${GITMESH_IMAGE_TAG:-}" >>"$FAKE_LOG"
[[ \${FAKE_MAKE_FAIL:-0} == 1 ]] && exit 2
[[ -n \${FAKE_MAKE_SLEEP:-} ]] && sleep "\${FAKE_MAKE_SLEEP}"
exit 0
`;
// curl: records the URL and the tag running (the last successful up); the tag in FAKE_CURL_FAIL_TAG answers 503.
const FAKE_CURL = `#!/usr/bin/env bash
url=\${!#}
tag=$(cat "$FAKE_RUNNING" 2>/dev/null)
printf 'curl %s [%s]\\n' "$url" "$tag" >>"$FAKE_LOG"
if [[ $tag == "\${FAKE_CURL_FAIL_TAG:-}" ]]; then printf '503'; exit 22; fi
printf '200'
`;
// cosign: records the reference it verifies; FAKE_COSIGN_FAIL=1 makes the verification fail.
const FAKE_COSIGN = `#!/usr/bin/env bash
printf 'cosign %s\\n' "\${!#}" >>"$FAKE_LOG"
[[ \${FAKE_COSIGN_FAIL:-0} == 1 ]] && exit 1
exit 0
`;
// ssh: records argv and how many bytes arrived on stdin (the tar stream of a deploy).
const FAKE_SSH = `#!/usr/bin/env bash
bytes=$(wc -c | tr -d ' ')
printf 'ssh %s <%s bytes>\\n' "$*" "$bytes" >>"$FAKE_LOG"
exit \${FAKE_SSH_EXIT:-0}
`;

interface Host {
  /** The deployment directory (DEPLOY_ROOT). */
  readonly dir: string;
  /** The rendered repository the releases are made from. */
  readonly repo: string;
  readonly view: CiView;
  readonly log: string;
  readonly env: Record<string, string>;
  readonly images: readonly string[];
  /** Unpacks a release of `tag` the way remote.sh does (files, images.lock, MANIFEST); returns its id. */
  readonly release: (tag: string, when?: string) => Promise<string>;
}

/** A made-up digest per image and tag. */
const digestOf = (name: string, tag: string): string => `sha256:${createHash('sha256').update(`${name}@${tag}`).digest('hex')}`;
const idOf = (tag: string, when = '20260101T000000Z'): string => `${when}-${tag}`;

async function host(raw: RawAnswers, state: { current?: string; previous?: string } = {}): Promise<Host> {
  const { dir: repo, view } = await renderInto(raw);
  const dir = path.join(root, `host-${counter++}`);
  const bin = path.join(dir, '.fake-bin');
  await mkdir(bin, { recursive: true });
  for (const [name, body] of Object.entries({ docker: FAKE_DOCKER, make: FAKE_MAKE, curl: FAKE_CURL, ssh: FAKE_SSH, cosign: FAKE_COSIGN })) {
    await writeFile(path.join(bin, name), body);
    await chmod(path.join(bin, name), 0o755);
  }
  await writeFile(path.join(dir, '.env'), 'COMPOSE_PROJECT_NAME=gitmesh\nGITMESH_IMAGE_TAG=local\nGITMESH_PUBLIC_HOST=staging.example.com\nGITMESH_SIGNER_REPOSITORY=acme/gitmesh-deploy\n');
  await mkdir(path.join(dir, 'secrets'));
  const images = view.release.images.map((img) => img.name);
  const release = async (tag: string, when?: string): Promise<string> => {
    const id = idOf(tag, when);
    const target = path.join(dir, 'releases', id);
    await mkdir(path.dirname(target), { recursive: true });
    await cp(repo, target, { recursive: true });
    const lock = ['# images.lock', `# tag: ${tag}`, ...view.release.images.map((img) => `${img.name} ${img.repository}@${digestOf(img.name, tag)}`), ''].join('\n');
    await writeFile(path.join(target, 'images.lock'), lock);
    const manifest = (await execa('sh', ['-c', 'find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum'], { cwd: target })).stdout;
    await writeFile(path.join(target, 'MANIFEST'), `${manifest}\n`);
    return id;
  };
  if (state.previous) {
    const id = await release(state.previous, '20250101T000000Z');
    await mkdir(path.join(dir, '.deploy'), { recursive: true });
    await writeFile(path.join(dir, '.deploy/previous'), `${id}\n`);
  }
  const running = path.join(dir, 'running');
  if (state.current) {
    const id = await release(state.current, '20250601T000000Z');
    await symlink(`releases/${id}`, path.join(dir, 'current'));
    await writeFile(running, `${state.current}\n`);
  }
  const log = path.join(dir, 'calls.log');
  await writeFile(log, '');
  const env = { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: dir, LANG: 'C.UTF-8', FAKE_LOG: log, FAKE_RUNNING: running };
  return { dir, repo, view, log, env, images, release };
}

/** Runs a script of a release (`current` for rollback/status, the new release for deploy). */
async function runScript(h: Host, where: string, script: string, args: string[], env: Record<string, string> = {}) {
  const r = await execa(path.join(h.dir, where, 'scripts/deploy', script), args, { cwd: '/', env: { DEPLOY_VERIFY_SIGNATURES: 'on', ...h.env, ...env }, extendEnv: false, reject: false });
  const calls = (await readFile(h.log, 'utf8')).split('\n').filter(Boolean);
  const state = async (name: string) => (await readFile(path.join(h.dir, '.deploy', name), 'utf8').catch(() => '')).trim();
  const current = await readlink(path.join(h.dir, 'current')).catch(() => '');
  const envTag = /^GITMESH_IMAGE_TAG=(.*)$/m.exec(await readFile(path.join(h.dir, '.env'), 'utf8'))?.[1];
  return { code: r.exitCode, out: `${String(r.stdout)}\n${String(r.stderr)}`, calls, current: current.replace(/^releases\//, ''), previous: await state('previous'), history: await state('history'), envTag };
}

const deploy = async (h: Host, tag: string, env: Record<string, string> = {}) => {
  const id = await h.release(tag);
  return { id, ...(await runScript(h, `releases/${id}`, 'deploy.sh', [id], env)) };
};

// ------------------------------------------------------------------------------- expected sequences

const dc = (h: Host, args: string, tag: string) => `docker compose ${h.view.hostComposeFiles.map((f) => `-f ${f}`).join(' ')} -f compose.release.yaml ${args} [${tag}]`;
const verify = (h: Host, tag: string) => [...h.images].sort().map((name) => `cosign ${h.view.release.images.find((i) => i.name === name)!.repository}@${digestOf(name, tag)}`);
const pull = (h: Host, tag: string) => dc(h, 'pull --quiet', tag);
const backup = (h: Host, tag: string) => `make backup COMPOSE_FILES=${h.view.hostComposeFiles.map((f) => `-f ${f}`).join(' ')} -f compose.release.yaml [${tag}]`;
const migrate = (h: Host, tag: string) => (h.view.migrate ? [dc(h, 'run --rm migrate', tag)] : []);
const up = (h: Host, tag: string) => [
  dc(h, `up --detach --wait --wait-timeout ${h.view.waitTimeoutSeconds} --remove-orphans`, tag),
  ...(h.view.edgeReload ? [dc(h, `exec -T nginx nginx -s reload ${h.view.edgeReload}`, tag)] : []),
];
const smoke = (h: Host, tag: string) => (h.view.smoke.length ? h.view.smoke.map((c) => c.path) : ['/']).map((p) => `curl https://staging.example.com${p} [${tag}]`);

describe('ci: deploy and rollback scripts (releases/<id>/, images lock, atomic current; fake docker, make, curl, cosign)', function () {
  before(async function () {
    for (const tool of ['shellcheck', 'flock', 'git', 'ssh-agent', 'ssh-add', 'ssh-keygen', 'sha256sum']) requireTool(tool);
    root = await mkdtemp(path.join(tmpdir(), 'gitmesh-ci-'));
  });
  after(async function () {
    await rm(root, { recursive: true, force: true });
  });

  for (const [label, raw] of [
    ['defaults', {}],
    ['tls self-signed, monitoring off', { tlsMode: 'self-signed', monitoring: false }],
    ['external postgres, api+frontend', { postgres: false, services: 'api,frontend' }],
    ['webhook-api only (no health route)', { services: 'webhook-api' }],
  ] as [string, RawAnswers][]) {
    it(`pass shellcheck (${label})`, async function () {
      const { dir } = await renderInto(raw);
      assert.deepEqual(await shellcheckErrors(scriptsOf(dir)), []);
    });
  }

  it('first deploy: verify every digest, pull, no backup, migrate, up --wait, smoke test, then current → the release', async function () {
    const h = await host({});
    const r = await deploy(h, '1.0.0');
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls, [...verify(h, '1.0.0'), pull(h, '1.0.0'), ...migrate(h, '1.0.0'), ...up(h, '1.0.0'), ...smoke(h, '1.0.0')]);
    assert.equal(r.current, r.id);
    assert.equal(r.previous, '');
    assert.equal(r.envTag, '1.0.0');
    // Every service of a built image runs the locked digest.
    const pinned = await readFile(path.join(h.dir, 'current/compose.release.yaml'), 'utf8');
    for (const img of h.view.release.images) for (const svc of img.services) assert.ok(pinned.includes(`  ${svc}:\n    image: ${img.repository}@${digestOf(img.name, '1.0.0')}\n`), svc);
    assert.equal(await readlink(path.join(h.dir, 'current/.env')), '../../.env');
    assert.equal(await readlink(path.join(h.dir, 'current/secrets')), '../../secrets');
  });

  it('mounts come from store/<sha256>/: the same content gives the same host path in every release, a change gives a new one; certs/ stays the operator\'s', async function () {
    const h = await host({ tlsMode: 'self-signed' });
    // Stand-ins of the files the other concerns generate (this test renders only the CI concern's files).
    for (const m of h.view.release.mounts.filter((x) => !x.source.startsWith('./certs/'))) {
      await mkdir(path.dirname(path.join(h.repo, m.source)), { recursive: true });
      await writeFile(path.join(h.repo, m.source), `${m.source}\n`);
    }
    const first = await deploy(h, '1.0.0');
    assert.equal(first.code, 0, first.out);
    const mounts = (text: string) => [...text.matchAll(/source: "([^"]+)"\n\s+target: "([^"]+)"/g)].map((m) => `${m[2]} <- ${m[1]}`);
    const a = mounts(await readFile(path.join(h.dir, 'releases', first.id, 'compose.release.yaml'), 'utf8'));
    assert.equal(a.length, h.view.release.mounts.length, a.join('\n'));
    for (const m of a) assert.match(m, new RegExp(`<- ${h.dir}/(store/[0-9a-f]{64}/[^/]+|certs/.+)$`), m);
    assert.ok(a.some((m) => m.includes(`<- ${h.dir}/certs/`)), 'the edge certificate is mounted from the deployment directory');
    const second = await deploy(h, '1.1.0', {});
    assert.equal(second.code, 0, second.out);
    assert.deepEqual(mounts(await readFile(path.join(h.dir, 'releases', second.id, 'compose.release.yaml'), 'utf8')), a, 'same content, same paths: compose recreates nothing for them');
    const changed = h.view.release.mounts.find((m) => m.source.startsWith('./config/') && !m.source.endsWith('/'))!;
    await writeFile(path.join(h.repo, changed.source), '# changed\n', { flag: 'a' });
    const third = await deploy(h, '1.2.0', {});
    assert.equal(third.code, 0, third.out);
    const c = mounts(await readFile(path.join(h.dir, 'releases', third.id, 'compose.release.yaml'), 'utf8'));
    assert.deepEqual(c.filter((m, i) => m !== a[i]).map((m) => m.split(' <- ')[0]), h.view.release.mounts.filter((m) => m.source === changed.source).map((m) => m.target));
  });

  it('successful deploy: backs up with the running release first, then migrates; the old release becomes previous', async function () {
    const h = await host({}, { current: '1.0.0', previous: '0.9.0' });
    const r = await deploy(h, '1.1.0');
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls, [...verify(h, '1.1.0'), pull(h, '1.1.0'), backup(h, '1.0.0'), ...migrate(h, '1.1.0'), ...up(h, '1.1.0'), ...smoke(h, '1.1.0')]);
    assert.equal(r.current, r.id);
    assert.equal(r.previous, idOf('1.0.0', '20250601T000000Z'));
    assert.equal(r.envTag, '1.1.0');
    assert.match(r.history, new RegExp(`deploy ${r.id} \\(tag 1\\.1\\.0\\)$`));
  });

  it('failed smoke test: starts the current release again from its own files and digests; current never moves', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const before = await readlink(path.join(h.dir, 'current'));
    const r = await deploy(h, '1.2.0', { FAKE_CURL_FAIL_TAG: '1.2.0' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [...verify(h, '1.2.0'), pull(h, '1.2.0'), backup(h, '1.1.0'), ...migrate(h, '1.2.0'), ...up(h, '1.2.0'), ...smoke(h, '1.2.0'), ...up(h, '1.1.0'), ...smoke(h, '1.1.0')]);
    assert.equal(`releases/${r.current}`, before);
    assert.equal(r.previous, idOf('1.0.0', '20250101T000000Z'));
    assert.equal(r.envTag, 'local', '.env is only touched by a switch');
    assert.match(r.history, /failed .*-1\.2\.0; rolled back to .*-1\.1\.0 \(automatic\)$/);
  });

  it('failed roll-out (up --wait fails): the same', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const r = await deploy(h, '1.2.0', { FAKE_DOCKER_FAIL: 'up --detach@1.2.0' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [...verify(h, '1.2.0'), pull(h, '1.2.0'), backup(h, '1.1.0'), ...migrate(h, '1.2.0'), up(h, '1.2.0')[0]!, ...up(h, '1.1.0'), ...smoke(h, '1.1.0')]);
    assert.equal(r.current, idOf('1.1.0', '20250601T000000Z'));
  });

  it('failed migrations: stops before touching the running stack', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const r = await deploy(h, '1.2.0', { FAKE_DOCKER_FAIL: 'run --rm migrate@1.2.0' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [...verify(h, '1.2.0'), pull(h, '1.2.0'), backup(h, '1.1.0'), ...migrate(h, '1.2.0')]);
    assert.equal(r.current, idOf('1.1.0', '20250601T000000Z'));
  });

  it('failed backup (make backup fails, e.g. its lock is held): stops before migrating, nothing changed', async function () {
    const h = await host({}, { current: '1.1.0' });
    const r = await deploy(h, '1.2.0', { FAKE_MAKE_FAIL: '1' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [...verify(h, '1.2.0'), pull(h, '1.2.0'), backup(h, '1.1.0')]);
    assert.match(r.out, /the backup before the migrations did not run .*: nothing was changed/);
    assert.equal(r.current, idOf('1.1.0', '20250601T000000Z'));
  });

  it('a backup that runs over DEPLOY_BACKUP_TIMEOUT (waiting for another backup\'s lock) fails the deploy before migrating', async function () {
    const h = await host({}, { current: '1.1.0' });
    const r = await deploy(h, '1.2.0', { FAKE_MAKE_SLEEP: '30', DEPLOY_BACKUP_TIMEOUT: '1' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [...verify(h, '1.2.0'), pull(h, '1.2.0'), backup(h, '1.1.0')]);
    assert.match(r.out, /the backup before the migrations did not run \(or took over 1s\): nothing was changed/);
    assert.equal(r.current, idOf('1.1.0', '20250601T000000Z'));
  });

  it('signatures fail closed: a digest that does not verify, no cosign on the host, or no signer repository in .env', async function () {
    const h = await host({}, { current: '1.1.0' });
    const bad = await deploy(h, '1.2.0', { FAKE_COSIGN_FAIL: '1' });
    assert.equal(bad.code, 1, bad.out);
    assert.deepEqual(bad.calls, [verify(h, '1.2.0')[0]!], 'nothing is pulled');
    assert.match(bad.out, /signature verification failed: nothing was changed/);
    await rm(path.join(h.dir, '.fake-bin/cosign'));
    await writeFile(h.log, '');
    const none = await runScript(h, `releases/${bad.id}`, 'deploy.sh', [bad.id], { PATH: `${path.join(h.dir, '.fake-bin')}:/usr/bin:/bin` });
    assert.match(none.out, /cosign is not installed on this host/);
    assert.deepEqual(none.calls, []);
    assert.equal(none.current, idOf('1.1.0', '20250601T000000Z'));
  });

  it('refuses a release that is incomplete or tampered with, or whose lock misses an image, without calling docker', async function () {
    const h = await host({}, { current: '1.1.0' });
    const id = await h.release('1.2.0');
    await writeFile(path.join(h.dir, 'releases', id, 'scripts/deploy/status.sh'), '#!/bin/sh\necho changed\n');
    const tampered = await runScript(h, `releases/${id}`, 'deploy.sh', [id]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.out, /files do not match MANIFEST/);
    const id2 = await h.release('1.3.0');
    const lockFile = path.join(h.dir, 'releases', id2, 'images.lock');
    const lock = (await readFile(lockFile, 'utf8')).split('\n').filter((l) => !l.startsWith(`${h.images[0]} `)).join('\n');
    await writeFile(lockFile, lock);
    const manifest = (await execa('sh', ['-c', 'find . -type f ! -name MANIFEST -print0 | LC_ALL=C sort -z | xargs -0 sha256sum'], { cwd: path.join(h.dir, 'releases', id2) })).stdout;
    await writeFile(path.join(h.dir, 'releases', id2, 'MANIFEST'), `${manifest}\n`);
    const missing = await runScript(h, `releases/${id2}`, 'deploy.sh', [id2]);
    assert.equal(missing.code, 1);
    assert.match(missing.out, new RegExp(`images\\.lock has no digest for the image ${h.images[0]}`));
    assert.deepEqual([...tampered.calls, ...missing.calls], []);
    assert.equal(missing.current, idOf('1.1.0', '20250601T000000Z'));
  });

  it('failed first deploy: nothing to roll back to, exit 2, no current', async function () {
    const h = await host({});
    const r = await deploy(h, '1.0.0', { FAKE_CURL_FAIL_TAG: '1.0.0' });
    assert.equal(r.code, 2, r.out);
    assert.equal(r.current, '');
  });

  it('manual rollback: goes to the previous release (its own files and digests) and swaps current and previous', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const r = await runScript(h, 'current', 'rollback.sh', []);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls, [...verify(h, '1.0.0'), pull(h, '1.0.0'), ...up(h, '1.0.0'), ...smoke(h, '1.0.0')]);
    assert.equal(r.current, idOf('1.0.0', '20250101T000000Z'));
    assert.equal(r.previous, idOf('1.1.0', '20250601T000000Z'));
    assert.equal(r.envTag, '1.0.0');
  });

  it('manual rollback by tag or release id; a missing image or a failed roll-out changes nothing', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const byTag = await runScript(h, 'current', 'rollback.sh', ['1.0.0']);
    assert.equal(byTag.code, 0, byTag.out);
    assert.equal(byTag.current, idOf('1.0.0', '20250101T000000Z'));
    const byId = await runScript(h, 'current', 'rollback.sh', [idOf('1.1.0', '20250601T000000Z')]);
    assert.equal(byId.code, 0, byId.out);
    assert.equal(byId.current, idOf('1.1.0', '20250601T000000Z'));

    const h2 = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const missing = await runScript(h2, 'current', 'rollback.sh', [], { FAKE_DOCKER_FAIL: 'pull@1.0.0' });
    assert.equal(missing.code, 1, missing.out);
    assert.deepEqual(missing.calls, [...verify(h2, '1.0.0'), pull(h2, '1.0.0')]);
    assert.equal(missing.current, idOf('1.1.0', '20250601T000000Z'));
    await writeFile(h2.log, '');
    const failed = await runScript(h2, 'current', 'rollback.sh', [], { FAKE_CURL_FAIL_TAG: '1.0.0' });
    assert.equal(failed.code, 1, failed.out);
    assert.deepEqual(failed.calls.slice(-smoke(h2, '1.1.0').length - up(h2, '1.1.0').length), [...up(h2, '1.1.0'), ...smoke(h2, '1.1.0')], 'the current release runs again');
    assert.equal(failed.current, idOf('1.1.0', '20250601T000000Z'));
  });

  it('bad input gets a clear error and calls no docker: bad ids, unknown targets, no current release', async function () {
    const h = await host({}, { current: '1.1.0' });
    for (const bad of ['1.0;rm -rf /', '$(id)', '-x', 'a'.repeat(129)]) {
      const r = await runScript(h, 'current', 'rollback.sh', [bad]);
      assert.equal(r.code, 1, bad);
      assert.match(r.out, /not a valid release id or tag/);
      assert.deepEqual(r.calls, []);
    }
    const unknown = await runScript(h, 'current', 'rollback.sh', ['9.9.9']);
    assert.match(unknown.out, /no release 9\.9\.9 on this host/);
    const noPrevious = await runScript(h, 'current', 'rollback.sh', []);
    assert.match(noPrevious.out, /no previous release recorded/);
    const id = await h.release('1.2.0');
    const wrongId = await runScript(h, `releases/${id}`, 'deploy.sh', ['1.2.0']);
    assert.match(wrongId.out, /run the deploy\.sh of the release itself/);
    assert.deepEqual(wrongId.calls, []);
    // A script run outside a release directory refuses (the old layout).
    const outside = await execa(path.join(h.repo, 'scripts/deploy/status.sh'), [], { env: h.env, extendEnv: false, reject: false });
    assert.equal(outside.exitCode, 1);
    assert.match(String(outside.stderr), /is not a release directory/);
    const fresh = await host({});
    const id2 = await fresh.release('1.0.0');
    const status = await runScript(fresh, `releases/${id2}`, 'rollback.sh', []);
    assert.match(status.out, /no current release on this host/);
  });

  it('keeps the newest releases, never the current or previous one', async function () {
    const h = await host({}, { current: '1.0.0', previous: '0.9.0' });
    // Newer than the current release: after the switch, the previous release is outside the newest ones.
    for (let i = 1; i <= h.view.release.keep + 1; i++) await h.release(`0.0.${i}`, `2025070${i}T000000Z`);
    const r = await deploy(h, '2.0.0');
    assert.equal(r.code, 0, r.out);
    const left = (await readdir(path.join(h.dir, 'releases'))).sort();
    const newest = [r.id, ...[6, 5, 4, 3].slice(0, h.view.release.keep - 1).map((i) => idOf(`0.0.${i}`, `2025070${i}T000000Z`))];
    assert.deepEqual(left, [idOf('1.0.0', '20250601T000000Z'), ...newest].sort(), 'the newest ones and the previous release');
  });

  it('status.sh prints the current and previous releases and the locked digests', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const r = await runScript(h, 'current', 'status.sh', []);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\| current \| `20250601T000000Z-1\.1\.0` \| `1\.1\.0` \|/);
    assert.match(r.out, /\| previous \(rollback target\) \| `20250101T000000Z-1\.0\.0` \| `1\.0\.0` \|/);
    assert.ok(r.out.includes(digestOf(h.images[0]!, '1.1.0')));
  });

  it('smoke test without health routes only checks that the edge answers', async function () {
    const h = await host({ services: 'webhook-api' }, { current: '1.0.0' });
    assert.deepEqual(h.view.smoke, []);
    const r = await runScript(h, 'current', 'smoke-test.sh', []);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls, smoke(h, '1.0.0'));
  });

  it('remote.sh: verifies the host key, keeps the key in an agent, uploads a new release with the lock and runs its deploy.sh', async function () {
    const h = await host({});
    const repo = h.repo;
    await execa('git', ['init', '-q', repo]);
    // Stand-ins for what the other concerns generate, so git archive has every synced path.
    for (const p of h.view.syncPaths.filter((p) => !p.startsWith('scripts'))) {
      const file = p === 'config' ? path.join(repo, 'config/placeholder') : path.join(repo, p);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, 'x\n');
    }
    await execa('git', ['-C', repo, 'add', '-A']);
    await execa('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'x']);
    const key = path.join(root, `key-${counter++}`);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const env = { DEPLOY_HOST: 'deploy.example.com', DEPLOY_USER: 'deploy', DEPLOY_SSH_KEY: await readFile(key, 'utf8'), DEPLOY_KNOWN_HOSTS: 'deploy.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB' };
    const remote = (args: string[], extra: Record<string, string> = {}) =>
      execa(path.join(repo, 'scripts/deploy/remote.sh'), args, { cwd: repo, env: { ...h.env, ...env, ...extra }, extendEnv: false, reject: false, stdin: 'ignore' });
    const noLock = await remote(['deploy', '1.2.0']);
    assert.equal(noLock.exitCode, 1);
    assert.match(String(noLock.stderr), /images\.lock is missing/);
    await writeFile(path.join(repo, 'images.lock'), '# tag: 1.1.0\n');
    const otherTag = await remote(['deploy', '1.2.0']);
    assert.match(String(otherTag.stderr), /images\.lock is not the lock of 1\.2\.0/);
    assert.equal((await readFile(h.log, 'utf8')).trim(), '', 'nothing reached the host');
    await writeFile(path.join(repo, 'images.lock'), '# tag: 1.2.0\n');
    const r = await remote(['deploy', '1.2.0']);
    assert.equal(r.exitCode, 0, `${String(r.stdout)}\n${String(r.stderr)}`);
    const calls = (await readFile(h.log, 'utf8')).split('\n').filter(Boolean);
    assert.equal(calls.length, 2, calls.join('\n'));
    for (const call of calls) {
      assert.match(call, /-o StrictHostKeyChecking=yes -o UserKnownHostsFile=\S+\/known_hosts/);
      assert.match(call, /-o BatchMode=yes/);
      assert.match(call, /deploy@deploy\.example\.com/);
    }
    const id = /releases\/(\d{8}T\d{6}Z-1\.2\.0) /.exec(calls[0]!)?.[1];
    assert.ok(id, calls[0]);
    assert.ok(calls[0]!.endsWith(`mkdir -p /srv/gitmesh/releases && mkdir /srv/gitmesh/releases/${id} && tar -x -C /srv/gitmesh/releases/${id} <${/<(\d+) bytes>$/.exec(calls[0]!)![1]} bytes>`), calls[0]);
    assert.match(calls[0]!, /<[1-9]\d* bytes>$/);
    assert.ok(calls[1]!.endsWith(`cd /srv/gitmesh && ./releases/${id}/scripts/deploy/deploy.sh ${id} <0 bytes>`), calls[1]);
    assert.ok(!String(r.stdout).includes('PRIVATE KEY') && !String(r.stderr).includes('PRIVATE KEY'), 'the key is never printed');

    await writeFile(h.log, '');
    const rb = await remote(['rollback']);
    assert.equal(rb.exitCode, 0, String(rb.stderr));
    assert.match((await readFile(h.log, 'utf8')).trim(), /cd \/srv\/gitmesh && \.\/current\/scripts\/deploy\/rollback\.sh <0 bytes>$/);
    const none = await remote(['status'], { FAKE_SSH_EXIT: '127' });
    assert.equal(none.exitCode, 1);
    assert.match(String(none.stderr), /no current release on deploy\.example\.com:\/srv\/gitmesh/);

    const bad = await remote(['deploy', '1.2.0'], { DEPLOY_KNOWN_HOSTS: '' });
    assert.equal(bad.exitCode, 1);
    assert.match(String(bad.stderr), /DEPLOY_KNOWN_HOSTS is not set/);
  });

  it('release-notes.sh lists the commits since the previous release tag', async function () {
    const { dir } = await renderInto({});
    const git = (...args: string[]) => execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    await execa('git', ['init', '-q', dir]);
    await git('commit', '-q', '--allow-empty', '-m', 'first');
    await git('tag', 'v1.0.0');
    await git('commit', '-q', '--allow-empty', '-m', 'feat: second');
    await git('tag', 'v1.1.0');
    const r = await execa(path.join(dir, 'scripts/deploy/release-notes.sh'), ['v1.1.0'], { cwd: dir });
    assert.match(r.stdout, /^## Changes since v1\.0\.0\n\n- feat: second \([0-9a-f]+\)\n/);
    assert.doesNotMatch(r.stdout, /- first/);
    assert.match(r.stdout, /tag `1\.1\.0`/);
  });
});
