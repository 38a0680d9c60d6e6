/**
 * The host lab: real booted Debian machines for tests that provision, deploy to or rebuild a host.
 *
 * Each lab host is a copy of a cached debootstrap tree (host-lab-rootfs.ts) booted with
 * systemd-nspawn: systemd as PID 1, sshd, cloud-init when seeded, and a Docker engine that can run
 * containers. Hosts sit on a private LAN that exists only inside network namespaces the lab creates:
 *
 *   LAN namespace (bridge lab0, 10.231.0.1/24: the operator's side, and the site's apt proxy)
 *     ├── veth ── host 1 namespace (eth0 10.231.0.11/24, default route via .1) ── nspawn container
 *     └── veth ── host 2 namespace (eth0 10.231.0.12/24, ...)
 *
 * Nothing is routed out of the LAN. Commands "from outside" (ssh, Ansible, curl) run with
 * `onLan`: the host's binaries inside the LAN namespace. The one way out is the apt proxy: a socat in
 * the LAN namespace listening on 10.231.0.1:3142 forwards each connection over a Unix socket (paths are
 * not namespaced) to a relay in this process, which opens TCP to deb.debian.org:80 and nothing else.
 * Hosts get `Acquire::http::Proxy` pointing there, as at a site with an egress proxy, so a playbook's
 * `apt update` and installs run for real, with the archive's current packages, at boot (cloud-init)
 * and later (Ansible). We chose this over pre-seeding packages into the rootfs: pre-seeding would need
 * the lab to know every package the playbook installs, would fail on any `apt update`, and would leave
 * the install path (new sources, pinning, index refresh) unproven.
 *
 * Booting: `--network-namespace-path` puts the container into the namespace the lab prepared (the
 * LAN is up before cloud-init runs). Two environment switches make Docker work inside:
 *   SYSTEMD_NSPAWN_API_VFS_WRITABLE=network  /proc/sys/net writable (dockerd sets ip_forward), while
 *                                            kernel-wide sysctls (vm.*, kernel.*) stay read-only: the
 *                                            kernel is shared with everything else on this machine.
 *   SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1       a private cgroup v2 tree, so runc can create cgroups (the
 *                                            v1 controllers nspawn passes in are read-only). It has no
 *                                            controllers: containers run, but CPU limits (`--cpus`) are
 *                                            refused and memory/pids limits are not enforced.
 *
 * CAP_SYS_MODULE and CAP_SYS_TIME are dropped: a lab host must never load modules into the shared
 * kernel or set the machine's clock (a time daemon inside would). Without CAP_SYS_MODULE systemd also
 * skips systemd-modules-load, which fails in a container on trixie.
 *
 * Every process the lab starts is tracked by PID and stopped by `stop()` (and killed on process exit
 * as a last resort): containers by SIGTERM to nspawn (a clean poweroff), then SIGKILL to the
 * container's init if it lingers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { labRootfs, MIRROR_HOST, type Release } from './host-lab-rootfs.js';
import { requireTool } from './validators.js';

export { type Release, labRootfs } from './host-lab-rootfs.js';

export const LAN = { prefix: '10.231.0', gateway: '10.231.0.1', bits: 24, proxyPort: 3142 } as const;
/** A seeded host looks like a cloud image: cloud-init, and iproute2 (cloud-init reports a recoverable error without `ip`). */
const CLOUD_IMAGE_PACKAGES = ['cloud-init', 'iproute2'];
const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface HostSpec {
  /** Host name, also the machine name suffix: lowercase letters, digits and dashes. */
  readonly name: string;
  readonly release: Release;
  /** Packages debootstrap adds to the base set (each set is its own cached rootfs). */
  readonly packages?: readonly string[];
  /** NoCloud seed: cloud-init runs it at first boot, and boot() fails unless it completes cleanly. */
  readonly cloudInit?: { readonly userData: string };
  /** Authorise the lab key for root (default true): tests can reach a bare host before it is provisioned. */
  readonly rootKey?: boolean;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string;
  readonly timeout?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export interface LabHost {
  readonly name: string;
  readonly release: Release;
  /** The host's LAN address (reachable with onLan). */
  readonly address: string;
  /** `<address> ssh-ed25519 ...`: a known_hosts line for its SSH host key. */
  readonly knownHost: string;
  /** PID of the container's init (systemd), for nsenter. */
  readonly leader: number;
  /** Runs argv on the host as root (or `user`), in all its namespaces. Never rejects. */
  readonly exec: (argv: readonly string[], opts?: RunOptions & { readonly user?: string }) => Promise<RunResult>;
  /** `exec(['sh', '-c', script])`. */
  readonly sh: (script: string, opts?: RunOptions & { readonly user?: string }) => Promise<RunResult>;
  /** Writes a file on the host (parents created). */
  readonly writeFile: (path: string, content: string | Buffer, mode?: number) => Promise<void>;
  /** Copies a file or directory of this machine into `destDir` on the host (tar, so modes are kept). */
  readonly copyIn: (src: string, destDir: string) => Promise<void>;
}

export interface HostLab {
  /** Private key authorised for root on hosts booted with rootKey (and free for tests to install elsewhere). */
  readonly key: string;
  readonly publicKey: string;
  /** Work dir: host trees, logs, sockets. */
  readonly dir: string;
  /** Boots the hosts in parallel; resolves when each is up (and its cloud-init done). */
  readonly boot: (specs: readonly HostSpec[]) => Promise<LabHost[]>;
  /** Runs argv on this machine inside the LAN namespace: "from outside the hosts". Never rejects. */
  readonly onLan: (argv: readonly string[], opts?: RunOptions) => Promise<RunResult>;
  /** Bytes the apt relay carried from the mirror (what the hosts downloaded). */
  readonly relayBytes: () => number;
  readonly stop: () => Promise<void>;
}

/**
 * PIDs to SIGKILL if the process exits or is interrupted with a lab still up. Containers' init
 * processes go first: killing nspawn alone would leave its container running.
 */
const lastResort = new Map<number, 'leader' | 'process'>();
let exitHookInstalled = false;
function killAllNow(): void {
  const pids = [...lastResort.entries()].sort((a, b) => (a[1] === b[1] ? 0 : a[1] === 'leader' ? -1 : 1)).map(([pid]) => pid);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  lastResort.clear();
}
function track(pid: number | undefined, kind: 'leader' | 'process' = 'process'): void {
  if (pid === undefined) return;
  lastResort.set(pid, kind);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllNow);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        killAllNow();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    }
  }
}

let labCounter = 0;

async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await execa(cmd, [...args], {
    reject: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    timeout: opts.timeout ?? 120_000,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const exitCode = r.exitCode ?? -1;
  return { exitCode, stdout: String(r.stdout ?? ''), stderr: exitCode === -1 ? `${r.message}\n${String(r.stderr ?? '')}` : String(r.stderr ?? '') };
}

async function must(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** A process holding a new network namespace open (`unshare --net`); resolves once the namespace exists. */
async function netnsHolder(): Promise<ChildProcess> {
  const child = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep infinity'], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`unshare --net failed (${code}): ${err}`)));
  });
  return child;
}

/** Sends `signal`, waits up to `ms` for the exit; true when it exited. */
async function signalAndWait(child: ChildProcess, signal: NodeJS.Signals, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const gone = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  child.kill(signal);
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref());
  return Promise.race([gone, timeout]);
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`host lab: timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Relay from a Unix socket to the mirror's port 80: the lab's only way out, to one host. */
async function startRelay(socketPath: string): Promise<{ server: Server; bytes: () => number }> {
  let bytes = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(80, MIRROR_HOST);
    sockets.add(client).add(upstream);
    upstream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  // Hosts' apt runs as root, but the socat in the LAN namespace connects as root too: owner-only is enough.
  await chmod(socketPath, 0o600);
  return { server, bytes: () => bytes };
}

export async function openHostLab(): Promise<HostLab> {
  for (const tool of ['systemd-nspawn', 'nsenter', 'unshare', 'ip', 'ss', 'socat', 'ssh-keygen', 'tar']) requireTool(tool);
  const id = `${process.pid}-${(labCounter += 1)}`;
  const dir = await mkdtemp(join(tmpdir(), 'gitmesh-host-lab-'));
  const hosts: { child: ChildProcess; leader: number; netns: ChildProcess; root: string; machine: string }[] = [];
  const lan = await netnsHolder();
  const lanNet = `--net=/proc/${lan.pid}/ns/net`;
  let proxy: ChildProcess | undefined;
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  let hostCount = 0;

  const booting = new Set<Promise<unknown>>();
  const stop = async (): Promise<void> => {
    // A boot still copying or starting must finish (or fail) before its tree and processes go.
    await Promise.allSettled([...booting]);
    await Promise.all(
      hosts.map(async (h) => {
        // SIGTERM makes nspawn power the container off cleanly (its console is read so PID 1 never
        // blocks on it); if it lingers, killing the
        // container's init takes its whole PID namespace down.
        if (!(await signalAndWait(h.child, 'SIGTERM', 30_000))) {
          kill(h.leader, 'SIGKILL');
          await signalAndWait(h.child, 'SIGKILL', 10_000);
        }
        await signalAndWait(h.netns, 'SIGKILL', 5_000);
        lastResort.delete(h.child.pid!);
        lastResort.delete(h.leader);
        lastResort.delete(h.netns.pid!);
        await rm(`/run/systemd/nspawn/propagate/${h.machine}`, { recursive: true, force: true });
      }),
    );
    if (proxy?.pid) {
      // socat forks a child per connection: signal the whole process group it leads.
      kill(-proxy.pid, 'SIGTERM');
      await signalAndWait(proxy, 'SIGKILL', 3_000);
      lastResort.delete(proxy.pid);
    }
    if (relay) await new Promise<void>((resolve) => relay!.server.close(() => resolve()));
    await signalAndWait(lan, 'SIGKILL', 5_000);
    lastResort.delete(lan.pid!);
    if (!process.env.GITMESH_HOST_LAB_KEEP) await rm(dir, { recursive: true, force: true });
  };

  try {
    await must('nsenter', [lanNet, 'sh', '-c', `ip link add lab0 type bridge && ip addr add ${LAN.gateway}/${LAN.bits} dev lab0 && ip link set lab0 up`]);
    const socketPath = join(dir, 'apt.sock');
    relay = await startRelay(socketPath);
    // detached: its own process group, so stop() reaches the per-connection children too.
    proxy = spawn('nsenter', [lanNet, 'socat', `TCP-LISTEN:${LAN.proxyPort},bind=${LAN.gateway},fork,reuseaddr`, `UNIX-CONNECT:${socketPath}`], { stdio: 'ignore', detached: true });
    track(proxy.pid);
    await waitFor('the LAN apt proxy', 10_000, async () => ((await run('nsenter', [lanNet, 'ss', '-Hltn', `sport = :${LAN.proxyPort}`])).stdout.trim() ? true : undefined));
    await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'host-lab', '-f', join(dir, 'lab_key')]);
  } catch (err) {
    await stop();
    throw err;
  }
  const publicKey = (await readFile(join(dir, 'lab_key.pub'), 'utf8')).trim();

  const bootOne = async (spec: HostSpec): Promise<LabHost> => {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(spec.name)) throw new Error(`host lab: bad host name ${spec.name}`);
    const index = (hostCount += 1);
    const address = `${LAN.prefix}.${10 + index}`;
    const rootfs = await labRootfs(spec.release, [...(spec.packages ?? []), ...(spec.cloudInit ? CLOUD_IMAGE_PACKAGES : [])]);
    const root = join(dir, spec.name, 'root');
    await mkdir(dirname(root), { recursive: true });
    await must('cp', ['-a', '--reflink=auto', rootfs, root]);
    await prepareTree(root, spec, address, publicKey);

    const netns = await netnsHolder();
    const hostNet = `--net=/proc/${netns.pid}/ns/net`;
    const veth = `h${index}`;
    await must('nsenter', [lanNet, 'ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(netns.pid)]);
    await must('nsenter', [lanNet, 'sh', '-c', `ip link set ${veth} master lab0 && ip link set ${veth} up`]);
    await must('nsenter', [hostNet, 'sh', '-c', `ip addr add ${address}/${LAN.bits} dev eth0 && ip link set eth0 up && ip route add default via ${LAN.gateway}`]);

    const machine = `gml-${id}-${spec.name}`.slice(0, 60);
    const log = openSync(join(dir, spec.name, 'console.log'), 'a');
    const child = spawn(
      'systemd-nspawn',
      ['--quiet', '--register=no', '--keep-unit', '--boot', `--machine=${machine}`, `--directory=${root}`, `--network-namespace-path=/proc/${netns.pid}/ns/net`,
        '--capability=all', '--drop-capability=CAP_SYS_MODULE,CAP_SYS_TIME', '--system-call-filter=@keyring bpf', '--console=read-only', '--resolv-conf=off', '--timezone=off'],
      { stdio: ['ignore', log, log], env: { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network', SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' } },
    );
    closeSync(log);
    track(child.pid);
    const consoleTail = async (): Promise<string> => (await readFile(join(dir, spec.name, 'console.log'), 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
    let exited = false;
    child.once('exit', () => (exited = true));
    const leader = await waitFor(`${spec.name} to start`, 30_000, async () => {
      if (exited) throw new Error(`systemd-nspawn exited:\n${await consoleTail()}`);
      const children = (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
      const pid = Number(children[0]);
      return pid && (await readFile(`/proc/${pid}/comm`, 'utf8')).trim() === 'systemd' ? pid : undefined;
    });
    track(leader, 'leader');
    hosts.push({ child, leader, netns, root, machine });

    const exec: LabHost['exec'] = async (argv, opts = {}) => {
      const env = ['env', '-i', `PATH=${GUEST_PATH}`, 'LANG=C.UTF-8', ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)];
      const as = opts.user ? ['runuser', '-u', opts.user, '--', ...env, `HOME=${await homeOf(opts.user)}`] : [...env, 'HOME=/root'];
      return run('nsenter', ['-t', String(leader), '-a', '--', ...as, ...argv], { ...opts, env: undefined, cwd: undefined });
    };
    const homeOf = async (user: string): Promise<string> => (await exec(['getent', 'passwd', user])).stdout.split(':')[5] ?? '/';
    let knownHost = '';
    const host: LabHost = {
      name: spec.name,
      release: spec.release,
      address,
      get knownHost() {
        return knownHost;
      },
      leader,
      exec,
      sh: (script, opts) => exec(['sh', '-c', script], opts),
      writeFile: async (path, content, mode = 0o644) => {
        const r = await exec(['sh', '-c', 'mkdir -p "$(dirname "$0")" && cat >"$0" && chmod "$1" "$0"', path, mode.toString(8)], { input: content.toString() });
        if (r.exitCode !== 0) throw new Error(`writing ${path} on ${spec.name} failed: ${r.stderr}`);
      },
      copyIn: async (src, destDir) => {
        const tar = await execa('tar', ['-C', dirname(src), '-c', src.split('/').pop()!], { encoding: 'buffer', stdin: 'ignore' });
        const r = await execa('nsenter', ['-t', String(leader), '-a', '--', 'sh', '-c', 'mkdir -p "$0" && tar -x -C "$0"', destDir], { input: tar.stdout, reject: false });
        if (r.exitCode !== 0) throw new Error(`copying ${src} to ${spec.name}:${destDir} failed: ${String(r.stderr)}`);
      },
    };

    // Up means: systemd reached its target (running, or degraded with the failure reported), sshd
    // accepts connections, and a seeded cloud-init finished without an error.
    const state = await waitFor(`${spec.name} to boot`, 180_000, async () => {
      if (exited) throw new Error(`systemd-nspawn exited:\n${await consoleTail()}`);
      const r = await exec(['systemctl', 'is-system-running', '--wait'], { timeout: 170_000 });
      return ['running', 'degraded'].includes(r.stdout.trim()) ? r.stdout.trim() : undefined;
    });
    if (spec.cloudInit) {
      const ci = await exec(['cloud-init', 'status', '--wait', '--long'], { timeout: 180_000 });
      if (ci.exitCode !== 0) throw new Error(`cloud-init on ${spec.name} did not finish cleanly (exit ${ci.exitCode}):\n${ci.stdout}\n${ci.stderr}`);
    }
    if (state === 'degraded') {
      const failed = await exec(['systemctl', '--failed', '--no-legend', '--plain']);
      throw new Error(`${spec.name} booted degraded:\n${failed.stdout}`);
    }
    // Read after boot: cloud-init replaces the host keys of a new instance.
    knownHost = `${address} ${(await readFile(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')}`;
    await waitFor(`sshd on ${spec.name}`, 30_000, async () => ((await exec(['systemctl', 'is-active', 'ssh'])).stdout.trim() === 'active' ? true : undefined));
    return host;
  };

  return {
    key: join(dir, 'lab_key'),
    publicKey,
    dir,
    boot: (specs) => {
      const each = specs.map((spec) => {
        const p = bootOne(spec);
        booting.add(p);
        void p.then(
          () => booting.delete(p),
          () => booting.delete(p),
        );
        return p;
      });
      return Promise.all(each);
    },
    onLan: (argv, opts = {}) => run('nsenter', [lanNet, '--', ...argv], opts),
    relayBytes: () => relay?.bytes() ?? 0,
    stop,
  };
}

/**
 * Per-host changes to the copied tree, before boot: identity (host name, SSH host keys), the lab's
 * "cloud" settings (NoCloud seed, no network management: the lab configured eth0), and the apt proxy.
 */
async function prepareTree(root: string, spec: HostSpec, address: string, publicKey: string): Promise<void> {
  await writeFile(join(root, 'etc/hostname'), `${spec.name}\n`);
  await writeFile(join(root, 'etc/hosts'), `127.0.0.1 localhost\n${address} ${spec.name}\n::1 localhost ip6-localhost ip6-loopback\n`);
  await must('ssh-keygen', ['-A', '-f', root]);
  await writeFile(join(root, 'etc/apt/apt.conf.d/00host-lab-proxy'), `// The host lab's egress: its LAN apt proxy (the only way out).\nAcquire::http::Proxy "http://${LAN.gateway}:${LAN.proxyPort}/";\n`);
  await writeFile(join(root, 'etc/resolv.conf'), '# host lab: no DNS on the LAN (apt goes through the proxy)\n');
  if (spec.rootKey !== false) {
    await mkdir(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
    await writeFile(join(root, 'root/.ssh/authorized_keys'), `${publicKey}\n`, { mode: 0o600 });
  }
  if (spec.cloudInit) {
    const seed = join(root, 'var/lib/cloud/seed/nocloud');
    await mkdir(seed, { recursive: true });
    await writeFile(join(seed, 'user-data'), spec.cloudInit.userData);
    await writeFile(join(seed, 'meta-data'), `instance-id: host-lab-${spec.name}\nlocal-hostname: ${spec.name}\n`);
    await writeFile(join(root, 'etc/cloud/cloud.cfg.d/90-host-lab.cfg'), 'datasource_list: [NoCloud, None]\nnetwork: {config: disabled}\n');
  }
}
