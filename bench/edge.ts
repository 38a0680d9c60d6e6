/**
 * Edge proxy throughput (issue 3): wrk on loopback, 64 keepalive connections, against
 *   1. the upstream directly (plain HTTP, a Node stand-in for the frontend),
 *   2. the generated nginx config over HTTPS (upstream keepalive on),
 *   3. a naive HTTPS proxy config (no upstream keepalive: one upstream connection per request),
 * all in one run, inside a private network namespace (see test/support/edge-lab.ts).
 * Target: the generated config reaches at least 0.8x the direct throughput.
 *
 * Each run also reports CPU time per request of the nginx workers and of the upstream (from
 * /proc/<pid>/stat) and the TCP connections opened in the namespace during the run (client and
 * upstream, from /proc/net/snmp): on shared cores the ratio measures core sharing as much as the
 * config, while nginx's CPU per request and its connection churn are the config's own cost.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { generate } from '../test/support/generate.js';
import { edgeTree, openLab, startEdge, stop, upstreamHosts, waitUntil, type Lab } from '../test/support/edge-lab.js';
import { requireTool } from '../test/support/validators.js';

const CONNECTIONS = 64;
const THREADS = 2;
const SECONDS = Number(process.env.EDGE_BENCH_SECONDS ?? 8);

interface Measurement {
  readonly rps: number;
  readonly latency: string;
  readonly errors: string;
  /** CPU microseconds per request: nginx workers, upstream process. */
  readonly nginxUs?: number;
  readonly upstreamUs: number;
  /** TCP connections opened in the lab during the measured run (wrk's and nginx's). */
  readonly connects: number;
}

/** Processes whose CPU time a run reports. */
interface Watched {
  readonly nginxMaster?: number;
  readonly upstream: number;
}

const CLK_TCK = 100; // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after "(comm)": state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / CLK_TCK;
}

async function workers(master: number): Promise<number[]> {
  const children = await readFile(`/proc/${master}/task/${master}/children`, 'utf8');
  return children.trim().split(/\s+/).filter(Boolean).map(Number);
}

async function activeOpens(lab: Lab): Promise<number> {
  const snmp = (await lab.run('cat', ['/proc/net/snmp'])).stdout.split('\n').filter((line) => line.startsWith('Tcp:'));
  const names = snmp[0]?.split(/\s+/) ?? [];
  return Number(snmp[1]?.split(/\s+/)[names.indexOf('ActiveOpens')] ?? NaN);
}

async function wrk(lab: Lab, url: string, watched: Watched): Promise<Measurement> {
  // Warm up (TLS sessions, upstream keepalive pool, JIT), then measure.
  await lab.run('wrk', ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', '2s', url], { timeout: 30000 });
  const nginxPids = watched.nginxMaster ? await workers(watched.nginxMaster) : [];
  const sample = async () => Promise.all([...nginxPids, watched.upstream].map(cpuSeconds));
  const [before, opensBefore] = [await sample(), await activeOpens(lab)];
  const r = await lab.run('wrk', ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', `${SECONDS}s`, url], { timeout: (SECONDS + 30) * 1000 });
  const [after, opensAfter] = [await sample(), await activeOpens(lab)];
  if (r.exitCode !== 0) throw new Error(`wrk ${url} failed: ${r.stderr}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const latency = /Latency\s+(\S+)/.exec(r.stdout)?.[1] ?? '?';
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1];
  const socket = /Socket errors:([^\n]+)/.exec(r.stdout)?.[1]?.trim();
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? NaN);
  const used = after.map((t, i) => t - before[i]!);
  const perRequest = (seconds: number): number => (seconds * 1e6) / requests;
  return {
    rps,
    latency,
    errors: [non2xx ? `${non2xx} non-2xx` : '', socket ? `socket errors: ${socket}` : ''].filter(Boolean).join('; ') || 'none',
    ...(nginxPids.length ? { nginxUs: perRequest(used.slice(0, -1).reduce((a, b) => a + b, 0)) } : {}),
    upstreamUs: perRequest(used.at(-1)!),
    connects: opensAfter - opensBefore,
  };
}

/** The baseline: what a minimal hand-written proxy config does (HTTP/1.0 upstream, no keepalive). */
function naiveConfig(tls: string): string {
  return `daemon off;
worker_processes auto;
pid naive.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path client_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    server {
        listen 8443 ssl;
        ssl_certificate ${tls}/fullchain.pem;
        ssl_certificate_key ${tls}/privkey.pem;
        location / {
            proxy_set_header Host $host;
            proxy_pass http://frontend:8081;
        }
    }
}
`;
}

export async function run(): Promise<string[]> {
  requireTool('wrk');
  const gen = await generate({ tlsMode: 'self-signed', monitoring: false, services: ['api', 'frontend'] });
  const tree = await edgeTree(gen);
  const lab = await openLab(upstreamHosts(gen.model));
  try {
    // Two upstream behaviours: a trivial reply (the proxy's CPU cost dominates: worst case) and a
    // reply after 5 ms of simulated I/O (an API call waiting on its database).
    const paths = ['/bench', '/bench-io'] as const;
    const edge = await startEdge(lab, tree, gen.model);
    const direct: Measurement[] = [];
    const generated: Measurement[] = [];
    const naive: Measurement[] = [];
    const upstream = edge.upstreams.get('frontend')!.pid!;
    for (const path of paths) direct.push(await wrk(lab, `http://[::1]:8081${path}`, { upstream }));
    for (const path of paths) generated.push(await wrk(lab, `https://127.0.0.1:8443${path}`, { nginxMaster: edge.nginx.pid!, upstream }));
    await stop(edge.nginx);
    const naiveConf = join(tree.root, 'naive.conf');
    await writeFile(naiveConf, naiveConfig(join(tree.root, 'etc/nginx/tls')));
    const naiveNginx = lab.start('nginx', ['-p', `${tree.prefix}/`, '-c', naiveConf, '-e', 'stderr']);
    await waitUntil('the naive nginx', async () => (await lab.run('curl', ['-skf', '-o', '/dev/null', 'https://127.0.0.1:8443/bench'])).exitCode === 0);
    for (const path of paths) naive.push(await wrk(lab, `https://127.0.0.1:8443${path}`, { nginxMaster: naiveNginx.pid!, upstream }));
    const lines = [`edge proxy: wrk, ${THREADS} threads, ${CONNECTIONS} keepalive connections, ${SECONDS} s each, loopback in a private netns, ${cpus().length} CPUs shared by wrk, nginx and the upstream`];
    paths.forEach((path, i) => {
      const base = direct[i]!;
      const row = (name: string, m: Measurement): string =>
        `  ${name.padEnd(52)} ${m.rps.toFixed(0).padStart(8)} req/s  avg latency ${m.latency.padStart(8)}  ${(m.rps / base.rps).toFixed(2)}x direct  ` +
        `CPU/req: nginx ${m.nginxUs === undefined ? '-' : `${m.nginxUs.toFixed(1)} us`}, upstream ${m.upstreamUs.toFixed(1)} us  ` +
        `new TCP connections ${m.connects}  errors: ${m.errors}`;
      const ratio = generated[i]!.rps / base.rps;
      lines.push(
        path === '/bench' ? ' upstream replies at once (proxy CPU cost dominates):' : ' upstream replies after 5 ms of simulated I/O (API-like):',
        row('direct upstream (HTTP, Node stand-in)', base),
        row('generated nginx config (HTTPS, upstream keepalive)', generated[i]!),
        row('naive nginx config (HTTPS, no upstream keepalive)', naive[i]!),
        `  generated/direct ${ratio.toFixed(2)} (target >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'}); generated/naive ${(generated[i]!.rps / naive[i]!.rps).toFixed(2)}`,
      );
    });
    return lines;
  } finally {
    await lab.close();
  }
}
