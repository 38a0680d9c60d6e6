// The generated deploy/rollback scripts: shellcheck, and their behaviour against fake `docker`,
// `make` and `curl` executables on PATH that record every call. The exact call sequence and the
// recorded tags are asserted for a first deploy, a successful deploy, a failed smoke test (which
// must roll back), a failed roll-out, failed migrations, and manual rollbacks. remote.sh is run
// against a fake `ssh` with a real ssh-agent.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

// docker: records its argv and the tag compose would use (the environment wins over .env, as in compose).
// FAKE_DOCKER_FAIL="<args substring>@<tag>" makes matching calls fail.
const FAKE_DOCKER = `#!/usr/bin/env bash
tag=\${GITMESH_IMAGE_TAG:-$(sed -n 's/^GITMESH_IMAGE_TAG=//p' .env | tail -n 1)}
printf 'docker %s [%s]\\n' "$*" "$tag" >>"$FAKE_LOG"
if [[ -n \${FAKE_DOCKER_FAIL:-} && "$* @$tag" == *"\${FAKE_DOCKER_FAIL%@*}"*"@\${FAKE_DOCKER_FAIL##*@}" ]]; then exit 1; fi
exit 0
`;
const FAKE_MAKE = `#!/usr/bin/env bash
printf 'make %s\\n' "$*" >>"$FAKE_LOG"
[[ \${FAKE_MAKE_FAIL:-0} == 1 ]] && exit 2
exit 0
`;
// curl: records the URL and the tag running (from .env); the tag in FAKE_CURL_FAIL_TAG answers 503.
const FAKE_CURL = `#!/usr/bin/env bash
url=\${!#}
tag=$(sed -n 's/^GITMESH_IMAGE_TAG=//p' "$FAKE_ENV_FILE" | tail -n 1)
printf 'curl %s [%s]\\n' "$url" "$tag" >>"$FAKE_LOG"
if [[ $tag == "\${FAKE_CURL_FAIL_TAG:-}" ]]; then printf '503'; exit 22; fi
printf '200'
`;
// ssh: records argv and how many bytes arrived on stdin (the tar stream of a deploy).
const FAKE_SSH = `#!/usr/bin/env bash
bytes=$(wc -c | tr -d ' ')
printf 'ssh %s <%s bytes>\\n' "$*" "$bytes" >>"$FAKE_LOG"
`;

interface Host {
  readonly dir: string;
  readonly view: CiView;
  readonly log: string;
  readonly env: Record<string, string>;
}

async function host(raw: RawAnswers, state: { current?: string; previous?: string; envTag?: string } = {}): Promise<Host> {
  const { dir, view } = await renderInto(raw);
  const bin = path.join(dir, '.fake-bin');
  await mkdir(bin, { recursive: true });
  for (const [name, body] of Object.entries({ docker: FAKE_DOCKER, make: FAKE_MAKE, curl: FAKE_CURL, ssh: FAKE_SSH })) {
    await writeFile(path.join(bin, name), body);
    await chmod(path.join(bin, name), 0o755);
  }
  await writeFile(path.join(dir, '.env'), `COMPOSE_PROJECT_NAME=gitmesh\nGITMESH_IMAGE_TAG=${state.envTag ?? state.current ?? 'main'}\nGITMESH_PUBLIC_HOST=staging.example.com\n`);
  await mkdir(path.join(dir, '.deploy'), { recursive: true });
  if (state.current) await writeFile(path.join(dir, '.deploy/current-tag'), `${state.current}\n`);
  if (state.previous) await writeFile(path.join(dir, '.deploy/previous-tag'), `${state.previous}\n`);
  const log = path.join(dir, 'calls.log');
  await writeFile(log, '');
  const env = { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: dir, LANG: 'C.UTF-8', FAKE_LOG: log, FAKE_ENV_FILE: path.join(dir, '.env') };
  return { dir, view, log, env };
}

async function runScript(h: Host, script: string, args: string[], env: Record<string, string> = {}) {
  const r = await execa(path.join(h.dir, 'scripts/deploy', script), args, { cwd: '/', env: { ...h.env, ...env }, extendEnv: false, reject: false });
  const calls = (await readFile(h.log, 'utf8')).split('\n').filter(Boolean);
  const state = async (name: string) => (await readFile(path.join(h.dir, '.deploy', name), 'utf8').catch(() => '')).trim();
  const envTag = /^GITMESH_IMAGE_TAG=(.*)$/m.exec(await readFile(path.join(h.dir, '.env'), 'utf8'))?.[1];
  return { code: r.exitCode, out: `${String(r.stdout)}\n${String(r.stderr)}`, calls, current: await state('current-tag'), previous: await state('previous-tag'), history: await state('history'), envTag };
}

// ------------------------------------------------------------------------------- expected sequences

const dc = (h: Host, args: string, tag: string) => `docker compose ${h.view.hostComposeFiles.map((f) => `-f ${f}`).join(' ')} ${args} [${tag}]`;
const pull = (h: Host, tag: string) => dc(h, 'pull --quiet', tag);
const migrate = (h: Host, tag: string) => (h.view.migrate ? [dc(h, 'run --rm migrate', tag)] : []);
const up = (h: Host, tag: string) => [
  dc(h, `up --detach --wait --wait-timeout ${h.view.waitTimeoutSeconds} --remove-orphans`, tag),
  ...(h.view.edgeReload ? [dc(h, `exec -T nginx nginx -s reload ${h.view.edgeReload}`, tag)] : []),
];
const smoke = (h: Host, tag: string) => (h.view.smoke.length ? h.view.smoke.map((c) => c.path) : ['/']).map((p) => `curl https://staging.example.com${p} [${tag}]`);

describe('ci: deploy and rollback scripts', function () {
  before(async function () {
    for (const tool of ['shellcheck', 'flock', 'git', 'ssh-agent', 'ssh-add', 'ssh-keygen']) requireTool(tool);
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

  it('first deploy: pull, no backup, migrate, up --wait, smoke test; records the tag', async function () {
    const h = await host({});
    const r = await runScript(h, 'deploy.sh', ['1.0.0']);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls, [pull(h, '1.0.0'), ...migrate(h, '1.0.0'), ...up(h, '1.0.0'), ...smoke(h, '1.0.0')]);
    assert.equal(r.current, '1.0.0');
    assert.equal(r.previous, '');
    assert.equal(r.envTag, '1.0.0');
  });

  it('successful deploy: backs up first, then migrates; previous-tag becomes the old tag', async function () {
    const h = await host({}, { current: '1.0.0', previous: '0.9.0' });
    const r = await runScript(h, 'deploy.sh', ['1.1.0']);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls, [pull(h, '1.1.0'), 'make backup', ...migrate(h, '1.1.0'), ...up(h, '1.1.0'), ...smoke(h, '1.1.0')]);
    assert.equal(r.current, '1.1.0');
    assert.equal(r.previous, '1.0.0');
    assert.equal(r.envTag, '1.1.0');
    assert.match(r.history, /deploy 1\.1\.0$/);
  });

  it('failed smoke test: rolls back to the running tag, proves it, and keeps the recorded tags', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const r = await runScript(h, 'deploy.sh', ['1.2.0'], { FAKE_CURL_FAIL_TAG: '1.2.0' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [pull(h, '1.2.0'), 'make backup', ...migrate(h, '1.2.0'), ...up(h, '1.2.0'), ...smoke(h, '1.2.0'), ...up(h, '1.1.0'), ...smoke(h, '1.1.0')]);
    assert.equal(r.current, '1.1.0');
    assert.equal(r.previous, '1.0.0');
    assert.equal(r.envTag, '1.1.0');
    assert.match(r.history, /rollback 1\.1\.0 \(automatic: 1\.2\.0 failed\)$/);
  });

  it('failed roll-out (up --wait fails): rolls back the same way', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const r = await runScript(h, 'deploy.sh', ['1.2.0'], { FAKE_DOCKER_FAIL: 'up --detach@1.2.0' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [pull(h, '1.2.0'), 'make backup', ...migrate(h, '1.2.0'), up(h, '1.2.0')[0]!, ...up(h, '1.1.0'), ...smoke(h, '1.1.0')]);
    assert.equal(r.current, '1.1.0');
    assert.equal(r.envTag, '1.1.0');
  });

  it('failed migrations: stops before touching the running stack', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const r = await runScript(h, 'deploy.sh', ['1.2.0'], { FAKE_DOCKER_FAIL: 'run --rm migrate@1.2.0' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [pull(h, '1.2.0'), 'make backup', ...migrate(h, '1.2.0')]);
    assert.equal(r.current, '1.1.0');
    assert.equal(r.envTag, '1.1.0');
  });

  it('failed backup: stops before migrating', async function () {
    const h = await host({}, { current: '1.1.0' });
    const r = await runScript(h, 'deploy.sh', ['1.2.0'], { FAKE_MAKE_FAIL: '1' });
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(r.calls, [pull(h, '1.2.0'), 'make backup']);
    assert.equal(r.envTag, '1.1.0');
  });

  it('failed first deploy: nothing to roll back to, exit 2', async function () {
    const h = await host({});
    const r = await runScript(h, 'deploy.sh', ['1.0.0'], { FAKE_CURL_FAIL_TAG: '1.0.0' });
    assert.equal(r.code, 2, r.out);
    assert.equal(r.current, '');
  });

  it('manual rollback: goes to previous-tag and swaps the recorded tags', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const r = await runScript(h, 'rollback.sh', []);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls, [pull(h, '1.0.0'), ...up(h, '1.0.0'), ...smoke(h, '1.0.0')]);
    assert.equal(r.current, '1.0.0');
    assert.equal(r.previous, '1.1.0');
    assert.equal(r.envTag, '1.0.0');
  });

  it('manual rollback to a given tag; a missing image changes nothing', async function () {
    const h = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const ok = await runScript(h, 'rollback.sh', ['sha-0123456789abcdef0123456789abcdef01234567']);
    assert.equal(ok.code, 0, ok.out);
    assert.equal(ok.current, 'sha-0123456789abcdef0123456789abcdef01234567');
    assert.equal(ok.previous, '1.1.0');

    const h2 = await host({}, { current: '1.1.0', previous: '1.0.0' });
    const missing = await runScript(h2, 'rollback.sh', ['0.1.0'], { FAKE_DOCKER_FAIL: 'pull@0.1.0' });
    assert.equal(missing.code, 1, missing.out);
    assert.deepEqual(missing.calls, [pull(h2, '0.1.0')]);
    assert.equal(missing.current, '1.1.0');
    assert.equal(missing.envTag, '1.1.0');
  });

  it('rejects tags that are not image tags, without calling docker', async function () {
    const h = await host({}, { current: '1.1.0' });
    for (const bad of ['', '1.0;rm -rf /', '$(id)', '-x', 'a'.repeat(129)]) {
      const r = await runScript(h, 'deploy.sh', [bad]);
      assert.equal(r.code, 1, bad);
      assert.deepEqual(r.calls, []);
    }
    const none = await host({});
    const r = await runScript(none, 'rollback.sh', []);
    assert.equal(r.code, 1);
    assert.match(r.out, /no previous deployment recorded/);
  });

  it('smoke test without health routes only checks that the edge answers', async function () {
    const h = await host({ services: 'webhook-api' }, { current: '1.0.0' });
    assert.deepEqual(h.view.smoke, []);
    const r = await runScript(h, 'smoke-test.sh', []);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls, smoke(h, '1.0.0'));
  });

  it('remote.sh: verifies the host key, keeps the key in an agent, ships the files and runs deploy.sh', async function () {
    const h = await host({});
    await execa('git', ['init', '-q', h.dir]);
    // Stand-ins for what the other concerns generate, so git archive has every synced path.
    for (const p of h.view.syncPaths.filter((p) => !p.startsWith('scripts'))) {
      const file = p === 'config' ? path.join(h.dir, 'config/placeholder') : path.join(h.dir, p);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, 'x\n');
    }
    await execa('git', ['-C', h.dir, 'add', '-A']);
    await execa('git', ['-C', h.dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'x']);
    const key = path.join(root, `key-${counter++}`);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const env = { DEPLOY_HOST: 'deploy.example.com', DEPLOY_USER: 'deploy', DEPLOY_SSH_KEY: await readFile(key, 'utf8'), DEPLOY_KNOWN_HOSTS: 'deploy.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB' };
    const r = await execa(path.join(h.dir, 'scripts/deploy/remote.sh'), ['deploy', '1.2.0'], { cwd: h.dir, env: { ...h.env, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
    assert.equal(r.exitCode, 0, `${String(r.stdout)}\n${String(r.stderr)}`);
    const calls = (await readFile(h.log, 'utf8')).split('\n').filter(Boolean);
    assert.equal(calls.length, 2, calls.join('\n'));
    for (const call of calls) {
      assert.match(call, /-o StrictHostKeyChecking=yes -o UserKnownHostsFile=\S+\/known_hosts/);
      assert.match(call, /-o BatchMode=yes/);
      assert.match(call, /deploy@deploy\.example\.com/);
    }
    assert.match(calls[0], /mkdir -p \/srv\/gitmesh && tar -x -C \/srv\/gitmesh <[1-9]\d* bytes>$/);
    assert.match(calls[1], /cd \/srv\/gitmesh && \.\/scripts\/deploy\/deploy\.sh 1\.2\.0 <0 bytes>$/);
    assert.ok(!String(r.stdout).includes('PRIVATE KEY') && !String(r.stderr).includes('PRIVATE KEY'), 'the key is never printed');

    await writeFile(h.log, '');
    const rb = await execa(path.join(h.dir, 'scripts/deploy/remote.sh'), ['rollback'], { cwd: h.dir, env: { ...h.env, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
    assert.equal(rb.exitCode, 0, String(rb.stderr));
    assert.match((await readFile(h.log, 'utf8')).trim(), /cd \/srv\/gitmesh && \.\/scripts\/deploy\/rollback\.sh <0 bytes>$/);

    const bad = await execa(path.join(h.dir, 'scripts/deploy/remote.sh'), ['deploy', '1.2.0'], { cwd: h.dir, env: { ...h.env, ...env, DEPLOY_KNOWN_HOSTS: '' }, extendEnv: false, reject: false, stdin: 'ignore' });
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
