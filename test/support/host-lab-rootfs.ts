/**
 * Debian root filesystems for the host lab, built with debootstrap once and cached by content.
 *
 * The key is a hash of everything that decides the tree (format version, release, mirror, variant,
 * package list). A local rerun finds the tree under the cache dir and starts at once; a fresh CI
 * machine builds each release once per run (~50 s each, both releases in parallel). Trees older than
 * MAX_AGE are rebuilt so a long-lived dev machine does not test against a months-old base.
 *
 * Builds go to a private temp dir and are renamed into place when complete, so a reader never sees
 * a half-built tree, and two processes building the same key (engineers share this machine) both end
 * with the same finished tree.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { requireTool } from './validators.js';

export type Release = 'bookworm' | 'trixie';
export const RELEASES: Readonly<Record<Release, { readonly version: string }>> = { bookworm: { version: '12' }, trixie: { version: '13' } };

/** What every lab host has: an init, sshd, sudo and Python for Ansible (the brief's measured set). */
export const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'python3', 'openssh-server', 'sudo'] as const;

/** The only mirror the lab reaches (through its relay); security updates come from the same host. */
export const MIRROR_HOST = 'deb.debian.org';
const MIRROR = `http://${MIRROR_HOST}/debian`;

/** Bump when the build steps below change: the key changes and old trees are left for cleanup. */
const FORMAT = 4;
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const COMPLETE = '.host-lab-complete';

export const cacheRoot = (): string => process.env.GITMESH_HOST_LAB_CACHE ?? join(tmpdir(), 'gitmesh-host-lab-cache');

/** Builds in flight in this process, by key: parallel callers share one debootstrap. */
const inFlight = new Map<string, Promise<string>>();

/** The path of a finished rootfs for `release` with BASE_PACKAGES plus `extra` (built when missing or stale). */
export function labRootfs(release: Release, extra: readonly string[] = []): Promise<string> {
  const packages = [...new Set([...BASE_PACKAGES, ...extra])].sort();
  const key = createHash('sha256').update(JSON.stringify({ FORMAT, release, MIRROR, variant: 'minbase', packages })).digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), `rootfs-${release}-${key}`);
  let build = inFlight.get(dir);
  if (!build) {
    build = ensure(dir, release, packages).finally(() => inFlight.delete(dir));
    inFlight.set(dir, build);
  }
  return build;
}

async function ensure(dir: string, release: Release, packages: readonly string[]): Promise<string> {
  const builtAt = await readFile(join(dir, COMPLETE), 'utf8').then(Number, () => 0);
  if (builtAt && Date.now() - builtAt < MAX_AGE_MS) return dir;
  for (const tool of ['debootstrap', 'chroot']) requireTool(tool);
  await mkdir(cacheRoot(), { recursive: true });
  await sweepAbandoned();
  const tmp = `${dir}.build-${process.pid}-${Date.now()}`;
  try {
    // debootstrap resolves --include only loosely (trixie + cloud-init fails to configure), so it lays
    // the base set and apt installs the rest with real dependency ordering.
    await step(`debootstrap ${release}`, 'debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, release, tmp, MIRROR]);
    const extra = packages.filter((p) => !(BASE_PACKAGES as readonly string[]).includes(p));
    if (extra.length) await aptInstall(tmp, extra);
    await finish(tmp, release);
    await writeFile(join(tmp, COMPLETE), String(Date.now()));
    if (builtAt) await rm(dir, { recursive: true, force: true });
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another process finished the same key first: theirs is as good as ours.
      if (!(await stat(join(dir, COMPLETE)).catch(() => undefined))) throw err;
    }
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function step(what: string, cmd: string, args: readonly string[]): Promise<void> {
  const r = await execa(cmd, [...args], { reject: false, stdin: 'ignore', all: true, env: { DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}):\n${String(r.all ?? '').split('\n').slice(-30).join('\n')}`);
}

/** apt-get install in the chroot, with /proc mounted for the maintainer scripts that need it. */
async function aptInstall(root: string, packages: readonly string[]): Promise<void> {
  await step('mount /proc in the rootfs', 'mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
  try {
    await step(`apt-get install ${packages.join(' ')}`, 'chroot', [root, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages]);
  } finally {
    await execa('umount', ['-l', join(root, 'proc')], { reject: false });
  }
}

/** Removes build dirs left by processes that died mid-build (their pid is in the name). */
async function sweepAbandoned(): Promise<void> {
  for (const name of await readdir(cacheRoot()).catch(() => [] as string[])) {
    const pid = Number(/\.build-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      await rm(join(cacheRoot(), name), { recursive: true, force: true });
    }
  }
}

/**
 * Makes the tree look like a fresh cloud image of that release: the archive's updates and security
 * suites configured (unattended-upgrades needs the security origin), no downloaded packages kept, no
 * machine identity (each copy gets its own machine-id at boot and its own SSH host keys from the lab).
 */
async function finish(root: string, release: Release): Promise<void> {
  await writeFile(
    join(root, 'etc/apt/sources.list'),
    [`deb ${MIRROR} ${release} main`, `deb ${MIRROR} ${release}-updates main`, `deb http://${MIRROR_HOST}/debian-security ${release}-security main`, ''].join('\n'),
  );
  await execa('chroot', [root, 'apt-get', 'clean'], { stdin: 'ignore' });
  await rm(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
  await mkdir(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  await writeFile(join(root, 'etc/machine-id'), '');
  await rm(join(root, 'var/lib/dbus/machine-id'), { force: true });
  await execa('sh', ['-c', 'rm -f "$0"/etc/ssh/ssh_host_*', root]);
}
