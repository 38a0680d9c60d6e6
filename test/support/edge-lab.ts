/**
 * A lab for running the generated edge proxy with the real Debian nginx, shared by
 * test/edge*.test.ts and bench/edge.ts.
 *
 * - `edgeTree` mirrors the nginx container's mounts under a temp dir, from the generated files as
 *   they are: /etc/nginx/edge (a copy of config/nginx), /etc/nginx/mime.types (the distro's, as the
 *   image's), /etc/nginx/tls (the certificates of the TLS mode: `make certs`, provided files, or
 *   certbot.sh's first-start bootstrap) and /tmp (the nginx prefix).
 * - `openLab` creates a private network + mount namespace (loopback only) whose /etc/hosts maps the
 *   routed service names to ::1. nginx listens on 0.0.0.0:8080/8443/8082 as in its container; the
 *   stand-in services listen on [::1] with their real ports, so nothing collides and nothing on the
 *   host is touched. Every process of the lab runs through `nsenter`.
 * - `withServiceHosts` runs a callback with `nginx` on PATH wrapped in such a mount namespace, so
 *   the validator's `nginx -t` can resolve the upstream names.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { DeploymentModel } from '../../generators/lib/model.js';
import type { Generated } from './generate.js';
import { requireTool } from './validators.js';

const SUPPORT_DIR = dirname(fileURLToPath(import.meta.url));
export const UPSTREAM_SCRIPT = join(SUPPORT_DIR, 'edge-upstream.js');
export const WS_CLIENT_SCRIPT = join(SUPPORT_DIR, 'edge-ws-client.js');

export interface EdgeTree {
  readonly root: string;
  /** nginx -p (the container's /tmp/). */
  readonly prefix: string;
  /** nginx -c (the container's /etc/nginx/edge/nginx.conf). */
  readonly conf: string;
}

async function sh(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<void> {
  requireTool(cmd);
  const r = await execa(cmd, args, { reject: false, stdin: 'ignore', ...opts });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
}

/** A self-signed pair standing in for the operator's files (tls-mode provided). */
async function providedPair(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem')]);
}

/** Mirrors the nginx container's mounts for `gen` under a new temp dir. */
export async function edgeTree(gen: Generated): Promise<EdgeTree> {
  const root = await mkdtemp(join(tmpdir(), 'gitmesh-edge-'));
  // nginx workers run as nobody when the master is root: they must traverse the tree.
  await chmod(root, 0o755);
  const etc = join(root, 'etc/nginx');
  await mkdir(etc, { recursive: true });
  await mkdir(join(root, 'tmp'));
  await cp(join(gen.dir, 'config/nginx'), join(etc, 'edge'), { recursive: true });
  await copyFile('/etc/nginx/mime.types', join(etc, 'mime.types'));
  const tls = join(etc, 'tls');
  switch (gen.answers.tlsMode) {
    case 'self-signed':
      // `make certs`, as the operator runs it; ./certs/edge is the mount source.
      await sh('bash', [join(gen.dir, 'scripts/make-certs.sh')], { cwd: gen.dir });
      await symlink(join(gen.dir, 'certs/edge'), tls);
      break;
    case 'provided':
      await providedPair(join(root, 'provided'));
      await mkdir(tls);
      await symlink(join(root, 'provided/fullchain.pem'), join(tls, 'fullchain.pem'));
      await symlink(join(root, 'provided/privkey.pem'), join(tls, 'privkey.pem'));
      break;
    case 'letsencrypt':
      // certbot's first start: no certificate yet, so it creates the bootstrap one in its volume.
      await mkdir(join(root, 'letsencrypt'));
      await sh('sh', [join(gen.dir, 'config/nginx/certbot.sh'), 'bootstrap'], { env: { LE_DIR: join(root, 'letsencrypt') } });
      await symlink(join(root, 'letsencrypt'), tls);
      break;
  }
  return { root, prefix: join(root, 'tmp'), conf: join(etc, 'edge/nginx.conf') };
}

/** Routed service names (the upstream hosts nginx resolves). */
export function upstreamHosts(model: DeploymentModel): string[] {
  return [...new Set(model.routes.map((route) => route.service))];
}

async function hostsFile(dir: string, names: readonly string[]): Promise<string> {
  const file = join(dir, 'hosts');
  await writeFile(file, `127.0.0.1 localhost\n::1 ip6-localhost ${names.join(' ')}\n`);
  await chmod(file, 0o644);
  return file;
}

/** Runs `fn` with `nginx` on PATH resolving `names` to ::1 (a private mount namespace per call). */
export async function withServiceHosts<T>(names: readonly string[], fn: () => Promise<T>): Promise<T> {
  requireTool('unshare');
  requireTool('nginx');
  const dir = await mkdtemp(join(tmpdir(), 'gitmesh-nginx-wrap-'));
  await chmod(dir, 0o755);
  const hosts = await hostsFile(dir, names);
  const real = (await execa('sh', ['-c', 'command -v nginx'])).stdout.trim();
  await writeFile(
    join(dir, 'nginx'),
    // nginx opens /dev/stdout (the access log), which fails with ENXIO on the socketpair Node gives a
    // child as stdout: hand nginx a regular file instead, then replay it.
    [
      '#!/bin/sh',
      `out=$(mktemp '${dir}/out.XXXXXX')`,
      `unshare --mount --propagation private -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' '${hosts}' '${real}' "$@" >"$out"`,
      'rc=$?',
      'cat "$out"',
      'rm -f "$out"',
      'exit $rc',
      '',
    ].join('\n'),
  );
  await chmod(join(dir, 'nginx'), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved ?? ''}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Lab {
  /** Runs a command inside the lab's namespaces; never rejects. */
  readonly run: (cmd: string, args: string[], opts?: { input?: string; timeout?: number }) => Promise<{ exitCode: number; stdout: string; stderr: string; ms: number }>;
  /** Starts a long-running process inside the lab. */
  readonly start: (cmd: string, args: string[], stdout?: number) => ChildProcess;
  readonly close: () => Promise<void>;
}

/** A private network + mount namespace with loopback up and `names` → ::1 in /etc/hosts. */
export async function openLab(names: readonly string[]): Promise<Lab> {
  for (const tool of ['unshare', 'nsenter', 'ip', 'mount']) requireTool(tool);
  const dir = await mkdtemp(join(tmpdir(), 'gitmesh-lab-'));
  await chmod(dir, 0o755);
  const hosts = await hostsFile(dir, names);
  const holder = spawn(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', '--', 'sh', '-c', 'ip link set lo up && mount --bind "$0" /etc/hosts && echo ready && exec sleep 100000', hosts],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  holder.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`lab namespace failed (${code}): ${stderr}`)));
  });
  const pid = String(holder.pid);
  const children: ChildProcess[] = [];
  const enter = (cmd: string, args: string[]): [string, string[]] => ['nsenter', ['-t', pid, '-n', '-m', '--', cmd, ...args]];
  return {
    run: async (cmd, args, opts = {}) => {
      if (!cmd.startsWith('/')) requireTool(cmd);
      const [c, a] = enter(cmd, args);
      const t0 = Date.now();
      const r = await execa(c, a, { reject: false, ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }), timeout: opts.timeout ?? 60000 });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), ms: Date.now() - t0 };
    },
    start: (cmd, args, stdout) => {
      if (!cmd.startsWith('/')) requireTool(cmd);
      const [c, a] = enter(cmd, args);
      const child = spawn(c, a, { stdio: ['ignore', stdout ?? 'pipe', 'pipe'] });
      children.push(child);
      return child;
    },
    close: async () => {
      for (const child of children.reverse()) await stop(child);
      await stop(holder);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the process is gone. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}

/** Polls `probe` until it returns true (every 50 ms, up to `ms`). */
export async function waitUntil(what: string, probe: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface RunningEdge {
  readonly nginx: ChildProcess;
  /** Everything nginx wrote to stdout (the JSON access log) so far. */
  readonly accessLog: () => string;
  readonly errorLog: () => string;
  readonly upstreams: Map<string, ChildProcess>;
}

/**
 * Starts the stand-in services and nginx (the generated config, as is) inside `lab`.
 * `httpsPorts` (bench/edge.ts): services whose stand-in also serves HTTPS on the given port, with the
 * edge's certificate and key (tree's etc/nginx/tls), for a direct-HTTPS baseline.
 */
export async function startEdge(
  lab: Lab,
  tree: EdgeTree,
  model: DeploymentModel,
  roles: Readonly<Record<string, string>> = {},
  httpsPorts: Readonly<Record<string, number>> = {},
): Promise<RunningEdge> {
  const upstreams = new Map<string, ChildProcess>();
  const tls = join(tree.root, 'etc/nginx/tls');
  for (const route of model.routes) {
    if (upstreams.has(route.service)) continue;
    const role = roles[route.service] ?? (route.service === 'frontend' ? 'frontend' : route.service === 'api' ? 'api' : 'webhook');
    const httpsPort = httpsPorts[route.service];
    const https = httpsPort === undefined ? undefined : { port: httpsPort, cert: join(tls, 'fullchain.pem'), key: join(tls, 'privkey.pem') };
    upstreams.set(route.service, await startUpstream(lab, role, route.port, https));
  }
  // stdout is a regular file: nginx opens /dev/stdout for the access log, which a socketpair refuses.
  const logFile = join(tree.root, 'access.log');
  const fd = openSync(logFile, 'a');
  const nginx = lab.start('nginx', ['-p', `${tree.prefix}/`, '-c', tree.conf, '-e', 'stderr'], fd);
  closeSync(fd);
  let err = '';
  nginx.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitUntil(`nginx to serve its health endpoint (stderr: ${err})`, async () => {
    if (nginx.exitCode !== null) throw new Error(`nginx exited ${nginx.exitCode}: ${err}`);
    return (await lab.run('curl', ['-sf', '-o', '/dev/null', 'http://127.0.0.1:8082/healthz'])).exitCode === 0;
  });
  return { nginx, accessLog: () => readFileSync(logFile, 'utf8'), errorLog: () => err, upstreams };
}

/** Starts a stand-in on [::1]:`port`; with `https`, it also serves HTTPS on [::1]:`https.port`. */
export async function startUpstream(lab: Lab, role: string, port: number, https?: { port: number; cert: string; key: string }): Promise<ChildProcess> {
  const tlsArgs = https ? ['::1', String(https.port), https.cert, https.key] : [];
  const child = lab.start(process.execPath, [UPSTREAM_SCRIPT, role, String(port), ...tlsArgs]);
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`upstream ${role} exited ${code}: ${err}`)));
  });
  return child;
}
