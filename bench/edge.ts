/**
 * Edge proxy throughput (issues 3 and 22): what the generated nginx edge's features cost against the
 * floor (a bare nginx proxy) and against the proxy a team might pick instead (Caddy 2), all in one
 * run. wrk (2 threads, 64 keepalive connections, HTTP/1.1 over TLS 1.3, the Accept-Encoding a browser
 * sends) runs inside a private network namespace (test/support/edge-lab.ts) against every setup in
 * turn, interleaved: each round measures every setup once per upstream behaviour, starting one setup
 * later than the round before, so drift in the machine's load hits all setups alike.
 *
 * One upstream for all: the API stand-in (test/support/edge-upstream.ts, single-threaded Node) on
 * api:8080, answering /bench with 3 bytes at once (the proxy's CPU cost dominates: the worst case),
 * /bench-io after 5 ms of simulated I/O (an API call waiting on its database), and /big with 18 KB
 * of JSON (what compression costs; measured for a subset of setups only). The proxies serve them under
 * /api/ (the generated config's API route: rate limit, security headers, request ID, JSON log, gzip)
 * and strip /api. Setups (bench/edge-setups.ts):
 *   - direct: wrk to the stand-in's own HTTPS listener (same certificate, the edge's TLS profile);
 *   - the generated nginx config, and one variant per feature switched off (derived from the rendered
 *     files, never hand-copied);
 *   - bare nginx (TLS + upstream keepalive) and Caddy 2, with the same certificate.
 * All setups run at once on their own ports; an idle server costs nothing, and nothing restarts
 * between rounds.
 *
 * Per run: requests/s, p50/p99 latency, CPU microseconds per request of the proxy (nginx workers,
 * or the caddy process), of the upstream and of wrk (from /proc/<pid>/stat), the CPUs other
 * processes on the machine used meanwhile (from /proc/stat, minus the three), new TCP connections
 * (wrk's, and the proxy's to the upstream) and the access log's bytes per request.
 *
 * Knobs: EDGE_BENCH_SECONDS (6), EDGE_BENCH_WARMUP (1), EDGE_BENCH_ROUNDS (3), EDGE_BENCH_SETUPS
 * (comma-separated setup keys, for quick tuning runs; the printed ratios need their setups).
 */
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { EDGE_PORTS, RATE_LIMITS, edgeView, nginxRate } from '../generators/lib/prepare/edge/index.js';
import { generate } from '../test/support/generate.js';
import { edgeTree, openLab, startUpstream, upstreamHosts, waitUntil, type Lab } from '../test/support/edge-lab.js';
import { requireTool } from '../test/support/validators.js';
import { API_UPSTREAM, BENCH_ANSWERS, BENCH_API_RATE, CADDY_DIFFERENCES, VARIANTS, bareNginxConfig, caddyConfig, onPorts } from './edge-setups.js';
import { ACCEPT_ENCODING, CONNECTIONS, THREADS, measure, type Run } from './edge-wrk.js';
import { median, render } from './harness.js';

const SECONDS = Number(process.env.EDGE_BENCH_SECONDS ?? 6);
const WARMUP = Number(process.env.EDGE_BENCH_WARMUP ?? 1);
const ROUNDS = Number(process.env.EDGE_BENCH_ROUNDS ?? 3);
const ONLY = process.env.EDGE_BENCH_SETUPS?.split(',').filter(Boolean);
/** The stand-in's HTTPS port (on [::1], next to its plain port 8080). */
const DIRECT_HTTPS_PORT = 9443;
const BARE_PORT = 9444;
const CADDY_PORT = 9445;
/** Variant i listens on 10000 + 10 i (http), + 1 (https), + 2 (status). */
const variantPorts = (i: number) => ({ http: 10000 + 10 * i, https: 10001 + 10 * i, status: 10002 + 10 * i });

/** A query parameter no access log may contain. */
const LOG_SECRET = 'bench-secret-token';

interface BenchPath {
  readonly key: string;
  /** The stand-in's path (the proxies serve it under /api). */
  readonly path: string;
  readonly label: string;
  readonly title: string;
  /** Setups measured on this path (all when absent). */
  readonly setups?: readonly string[];
}

const PATHS: readonly BenchPath[] = [
  { key: 'instant', path: '/bench', label: 'instant', title: 'upstream replies at once with 3 bytes (the proxy\'s CPU cost dominates: worst case)' },
  { key: 'io', path: '/bench-io', label: '5 ms I/O', title: 'upstream replies with 3 bytes after 5 ms of simulated I/O (API-like)' },
  {
    key: 'json',
    path: '/big',
    label: '18 KB JSON',
    title: 'upstream replies at once with 18 KB of JSON, sent without a length (what compression costs: the generated nginx and Caddy gzip it at level 5, direct, bare nginx and "generated - gzip" send it as is)',
    setups: ['direct', 'generated', 'no-gzip', 'bare', 'caddy'],
  },
];
const runsOn = (path: BenchPath, setup: { readonly key: string }): boolean => !path.setups || path.setups.includes(setup.key);

interface Setup {
  readonly key: string;
  readonly label: string;
  readonly legend: string;
  readonly url: (path: string) => string;
  readonly proxyPids: () => Promise<number[]>;
  readonly accessLog?: string;
  readonly expectSecurityHeaders: boolean;
  /** Sends the request ID, X-Real-IP and X-Forwarded-* upstream (checked by the probe). */
  readonly forwards: boolean;
  /** Server for the TLS line (host:port). */
  readonly tlsAt: string;
}

async function workers(master: number): Promise<number[]> {
  const children = await readFile(`/proc/${master}/task/${master}/children`, 'utf8');
  return children.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Protocol, cipher, key exchange group and signature a server negotiates with OpenSSL's defaults (as wrk). */
async function negotiated(lab: Lab, hostPort: string): Promise<string> {
  const r = await lab.run('openssl', ['s_client', '-connect', hostPort, '-servername', 'localhost', '-brief'], { input: '' });
  const out = `${r.stdout}\n${r.stderr}`;
  const field = (name: string): string => new RegExp(`${name}:\\s*([^\\n]+)`, 'i').exec(out)?.[1]?.trim() ?? '?';
  return `${field('Protocol version')} ${field('Ciphersuite')} ${field('Server Temp Key')} ${field('Signature type')}`;
}

/** Starts a server in the lab with stdout to `logFile`, and waits until it proxies `probeUrl`. */
async function startServer(lab: Lab, name: string, cmd: string, args: string[], logFile: string, probeUrl: string): Promise<ChildProcess> {
  const fd = openSync(logFile, 'a');
  const child = lab.start(cmd, args, fd);
  closeSync(fd);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  await waitUntil(`${name} to proxy ${probeUrl}`, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${err}`);
    return (await lab.run('curl', ['-skf', '-o', '/dev/null', probeUrl])).exitCode === 0;
  });
  return child;
}

/**
 * Checks what a setup does, so that a transform that broke or a Caddy config that drifted from the
 * generated one fails the bench instead of skewing it: the reply, the security headers (once, the
 * edge's, not the upstream's), and what the upstream receives (request ID, X-Real-IP, X-Forwarded-*).
 */
async function probe(lab: Lab, setup: Setup): Promise<void> {
  const get = (path: string, headers: string[]) => lab.run('curl', ['-sk', '--http1.1', '-D', '-', ...headers.flatMap((h) => ['-H', h]), setup.url(path)]);
  const r = await get('/bench', [`Accept-Encoding: ${ACCEPT_ENCODING}`]);
  const problems: string[] = [];
  if (!/^HTTP\/1\.1 200/.test(r.stdout)) problems.push(`status line ${r.stdout.split('\r\n')[0]}`);
  if (!/\r\n\r\nok\n?$/.test(r.stdout)) problems.push('not the stand-in\'s reply');
  const has = (name: string): boolean => new RegExp(`^${name}:`, 'im').test(r.stdout);
  for (const name of ['Content-Security-Policy', 'Strict-Transport-Security', 'X-Request-ID']) {
    if (has(name) !== setup.expectSecurityHeaders) problems.push(`${name} ${setup.expectSecurityHeaders ? 'missing' : 'present'}`);
  }
  if (setup.forwards) {
    // The API stand-in echoes the request's headers and sends helmet-like headers of its own.
    const echo = await get(`/echo?token=${LOG_SECRET}`, []); // uncompressed: the body is parsed
    const [head = '', body = '{}'] = echo.stdout.split('\r\n\r\n');
    const seen = (JSON.parse(body) as { headers?: Record<string, string> }).headers ?? {};
    for (const name of ['x-request-id', 'x-real-ip', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']) if (!seen[name]) problems.push(`the upstream got no ${name}`);
    if (/^X-Powered-By:/im.test(head)) problems.push("the upstream's X-Powered-By is passed on");
    if (setup.expectSecurityHeaders && (head.match(/^Content-Security-Policy: default-src 'self'/gim)?.length !== 1 || head.match(/^Content-Security-Policy:/gim)?.length !== 1)) {
      problems.push("Content-Security-Policy is not the edge's, once");
    }
  }
  if (problems.length) throw new Error(`${setup.label} (${setup.url('/bench')}): ${problems.join('; ')}\n${r.stdout}${r.stderr}`);
}

/** After the probes: every access log has the echo request, without its query string. */
async function checkLogs(setups: readonly Setup[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1500)); // nginx flushes its log buffer every second
  for (const setup of setups) {
    if (!setup.accessLog) continue;
    const log = await readFile(setup.accessLog, 'utf8');
    if (!log.includes('/echo') || log.includes(LOG_SECRET)) throw new Error(`${setup.label}: the access log lacks the probe's request or has its query string:\n${log}`);
    await truncate(setup.accessLog, 0);
  }
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const med = (runs: readonly Run[], pick: (run: Run) => number | undefined): number | undefined => {
  const values = runs.map(pick).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return values.length ? median(values) : undefined;
};

function resultTable(setups: readonly Setup[], results: Map<string, Run[]>, path: BenchPath): string[] {
  const rows = setups.filter((setup) => runsOn(path, setup)).map((setup) => {
    const runs = results.get(`${setup.key}:${path.key}`) ?? [];
    const rps = runs.map((run) => run.rps);
    const errors = [...new Set(runs.map((run) => run.errors).filter(Boolean))].join('; ');
    return [
      setup.label,
      `${fmt(med(runs, (r) => r.rps))} (${fmt(Math.min(...rps))}-${fmt(Math.max(...rps))})`,
      fmt(med(runs, (r) => r.p50), 2),
      fmt(med(runs, (r) => r.p99), 2),
      fmt(med(runs, (r) => r.proxyUs), 1),
      fmt(med(runs, (r) => r.upstreamUs), 1),
      fmt(med(runs, (r) => r.wrkUs), 1),
      fmt(med(runs, (r) => r.otherCpus), 2),
      `${fmt(med(runs, (r) => r.clientConnects))} / ${fmt(med(runs, (r) => r.upstreamConnects))}`,
      runs.some((r) => r.busiestShare !== undefined) ? `${fmt((med(runs, (r) => r.busiestShare) ?? NaN) * 100)}% (${fmt(Math.max(...runs.map((r) => r.busiestShare ?? 0)) * 100)}%)` : '-',
      fmt(med(runs, (r) => r.logBytesPerRequest)),
      errors || 'none',
    ];
  });
  return render(['setup', 'req/s median (min-max)', 'p50 ms', 'p99 ms', 'proxy CPU us/req', 'upstream us/req', 'wrk us/req', 'other CPUs', 'new conns client / upstream', 'busiest worker', 'log B/req', 'errors'], rows);
}

interface Ratio {
  readonly label: string;
  readonly a: string;
  readonly b: string;
  readonly path: string;
  readonly target?: number;
}

/** a / b of the median req/s, and the range of the per-round ratios (rounds are interleaved, so paired). */
function ratioRow(results: Map<string, Run[]>, ratio: Ratio): string[] {
  const a = results.get(`${ratio.a}:${ratio.path}`);
  const b = results.get(`${ratio.b}:${ratio.path}`);
  if (!a?.length || !b?.length) return [ratio.label, 'not measured (EDGE_BENCH_SETUPS)', '', ratio.target === undefined ? '' : `>= ${ratio.target.toFixed(2)}x`, ''];
  const value = median(a.map((r) => r.rps)) / median(b.map((r) => r.rps));
  const perRound = a.map((run, i) => run.rps / (b[i]?.rps ?? NaN)).filter((v) => !Number.isNaN(v));
  const below = ratio.target === undefined ? 0 : perRound.filter((v) => v < ratio.target!).length;
  const verdict =
    ratio.target === undefined ? '' : value < ratio.target ? 'NOT met' : below ? `met by the medians; ${below} of ${perRound.length} rounds below` : 'met in every round';
  return [ratio.label, `${value.toFixed(2)}x`, `${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)}x`, ratio.target === undefined ? '' : `>= ${ratio.target.toFixed(2)}x`, verdict];
}

const loadLine = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

export async function run(): Promise<string[]> {
  for (const tool of ['wrk', 'openssl', 'curl', 'nginx', 'caddy']) requireTool(tool);
  const loadAtStart = loadLine();
  const gen = await generate({ ...BENCH_ANSWERS, services: [...BENCH_ANSWERS.services] });
  const apiRoute = gen.model.routes.find((route) => route.service === 'api' && route.path === '/api/');
  if (`${apiRoute?.service}:${apiRoute?.port}` !== API_UPSTREAM || apiRoute?.path !== '/api/' || !apiRoute.stripPrefix) {
    throw new Error(`the bench expects the API routed at /api/ (prefix stripped) to ${API_UPSTREAM}, the model has ${JSON.stringify(apiRoute)}`);
  }
  const view = edgeView(gen.model);
  const tree = await edgeTree(gen);
  const edgeDir = join(tree.root, 'etc/nginx/edge');
  const tlsDir = join(tree.root, 'etc/nginx/tls');
  const [cert, key] = [join(tlsDir, 'fullchain.pem'), join(tlsDir, 'privkey.pem')];
  const lab = await openLab(upstreamHosts(gen.model));
  try {
    const upstream = await startUpstream(lab, 'api', 8080, { port: DIRECT_HTTPS_PORT, cert, key });
    const statsUrl = 'http://[::1]:8080/bench-connections';
    const setups: Setup[] = [
      {
        key: 'direct',
        label: 'direct to the upstream (HTTPS)',
        legend: 'wrk to the stand-in\'s own HTTPS listener: Node does TLS itself (same certificate, the edge\'s TLS profile)',
        url: (path) => `https://[::1]:${DIRECT_HTTPS_PORT}${path}`,
        proxyPids: async () => [],
        expectSecurityHeaders: false,
        forwards: false,
        tlsAt: `[::1]:${DIRECT_HTTPS_PORT}`,
      },
    ];

    // The generated config and its variants, from the rendered files.
    const rendered = { conf: await readFile(tree.conf, 'utf8'), proxySnippet: await readFile(join(edgeDir, 'snippets/proxy.conf'), 'utf8') };
    for (const [i, variant] of VARIANTS.entries()) {
      const files = variant.derive(rendered);
      const ports = i === 0 ? EDGE_PORTS : variantPorts(i);
      const conf = join(edgeDir, `bench-${variant.key}.conf`);
      await writeFile(conf, i === 0 ? files.conf : onPorts(files.conf, ports));
      for (const [path, text] of Object.entries(files.extra)) await writeFile(join(edgeDir, path), text);
      const prefix = join(tree.root, `prefix-${variant.key}`);
      await mkdir(prefix, { recursive: true });
      const url = (path: string) => `https://127.0.0.1:${ports.https}/api${path}`;
      const accessLog = join(tree.root, `access-${variant.key}.log`);
      const nginx = await startServer(lab, variant.label, 'nginx', ['-p', `${prefix}/`, '-c', conf, '-e', 'stderr'], accessLog, url('/bench'));
      setups.push({
        key: variant.key,
        label: variant.label,
        legend: variant.what,
        url,
        proxyPids: () => workers(nginx.pid!),
        ...(variant.logs ? { accessLog } : {}),
        expectSecurityHeaders: variant.expectSecurityHeaders,
        forwards: true,
        tlsAt: `127.0.0.1:${ports.https}`,
      });
    }

    // Bare nginx: enough idle upstream connections for all of wrk's, so none is ever closed.
    const barePrefix = join(tree.root, 'prefix-bare');
    await mkdir(barePrefix);
    await writeFile(join(barePrefix, 'nginx.conf'), bareNginxConfig({ port: BARE_PORT, cert, key, keepalive: CONNECTIONS }));
    const bareUrl = (path: string) => `https://127.0.0.1:${BARE_PORT}/api${path}`;
    const bare = await startServer(lab, 'bare nginx', 'nginx', ['-p', `${barePrefix}/`, '-c', join(barePrefix, 'nginx.conf'), '-e', 'stderr'], join(tree.root, 'bare.out'), bareUrl('/bench'));
    setups.push({
      key: 'bare',
      label: 'bare nginx proxy',
      legend: `TLS 1.2-1.3 + upstream keepalive (${CONNECTIONS}) only, nginx's defaults for everything else (no log, headers, gzip, limits)`,
      url: bareUrl,
      proxyPids: () => workers(bare.pid!),
      expectSecurityHeaders: false,
      forwards: false,
      tlsAt: `127.0.0.1:${BARE_PORT}`,
    });

    // Caddy 2 with the generated edge's features, from the same view the nginx templates print.
    const caddyDir = join(tree.root, 'caddy');
    await mkdir(caddyDir);
    const caddyLog = join(caddyDir, 'access.log');
    const api = view.upstreams.find((up) => up.service === 'api')!;
    const caddyfile = caddyConfig(
      { headers: view.headers, gzipTypes: view.gzipTypes, tls: view.tls, clientMaxBodySize: view.clientMaxBodySize, apiKeepaliveTimeout: api.keepaliveTimeout, upstreamKeepalive: api.keepalive },
      { port: CADDY_PORT, cert, key, accessLog: caddyLog, storage: join(caddyDir, 'data') },
    );
    await writeFile(join(caddyDir, 'Caddyfile'), caddyfile);
    const caddyUrl = (path: string) => `https://127.0.0.1:${CADDY_PORT}/api${path}`;
    const env = ['HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME'].map((name) => `${name}=${caddyDir}`);
    const caddy = await startServer(lab, 'caddy', 'env', [...env, 'caddy', 'run', '--config', join(caddyDir, 'Caddyfile'), '--adapter', 'caddyfile'], join(caddyDir, 'caddy.out'), caddyUrl('/bench'));
    const caddyVersion = (await lab.run('caddy', ['version'])).stdout.trim().split(' ')[0];
    setups.push({
      key: 'caddy',
      label: `Caddy ${caddyVersion}`,
      legend: 'reverse proxy with the generated edge\'s features where Caddy has them (bench/edge-setups.ts caddyConfig; differences below)',
      url: caddyUrl,
      proxyPids: async () => [caddy.pid!],
      accessLog: caddyLog,
      expectSecurityHeaders: true,
      forwards: true,
      tlsAt: `127.0.0.1:${CADDY_PORT}`,
    });

    const measured = ONLY ? setups.filter((setup) => ONLY.includes(setup.key)) : setups;
    if (!measured.length) throw new Error(`EDGE_BENCH_SETUPS matches none of ${setups.map((s) => s.key).join(', ')}`);
    for (const setup of measured) await probe(lab, setup);
    await checkLogs(measured);
    const tls = [];
    for (const setup of measured.filter((s) => ['direct', 'generated', 'bare', 'caddy'].includes(s.key))) tls.push(`  ${setup.label}: ${await negotiated(lab, setup.tlsAt)}`);

    // Warm every setup once (the stand-in's JIT, the proxies' pools), then the interleaved rounds.
    for (const setup of measured) for (const { path } of PATHS.filter((p) => runsOn(p, setup))) await lab.run('wrk', ['-t', '1', '-c', '8', '-d', '1s', setup.url(path)], { timeout: 30000 });
    const results = new Map<string, Run[]>();
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const benchPath of PATHS) {
        const { key: pathKey, path } = benchPath;
        const here = measured.filter((setup) => runsOn(benchPath, setup));
        for (let j = 0; j < here.length; j += 1) {
          const setup = here[(round + j) % here.length]!;
          const runResult = await measure(lab, { url: setup.url(path), proxyPids: setup.proxyPids, upstreamPid: upstream.pid!, ...(setup.accessLog ? { accessLog: setup.accessLog } : {}) }, statsUrl, SECONDS, WARMUP);
          results.set(`${setup.key}:${pathKey}`, [...(results.get(`${setup.key}:${pathKey}`) ?? []), runResult]);
          if (setup.accessLog) await truncate(setup.accessLog, 0);
        }
      }
    }

    const others = [...results.values()].flat().map((r) => r.otherCpus);
    const lines = [
      `edge proxy: wrk ${THREADS} threads, ${CONNECTIONS} keepalive connections, HTTP/1.1 over TLS, "Accept-Encoding: ${ACCEPT_ENCODING}"; ${SECONDS} s per run after a ${WARMUP} s warm-up; ${ROUNDS} rounds, interleaved (every setup once per round and upstream, each round starting one setup later)`,
      `machine: ${cpus().length} CPUs shared by wrk, the proxy, the upstream stand-in and the machine's other users. Load average (1/5/15 min) at start ${loadAtStart}, at end ${loadLine()}; other processes used ${fmt(median(others), 2)} CPUs during a median run (max ${fmt(Math.max(...others), 2)}): figures are comparable within this run only`,
      `upstream: one single-threaded Node stand-in for every setup (${API_UPSTREAM}); the proxies serve its paths under /api/ and strip /api. The 3-byte replies (text/plain, with a length) are below every proxy's compression threshold: compression is decided, never performed; the 18 KB JSON reply is compressed`,
      'TLS 1.3 as negotiated by OpenSSL with its defaults (as wrk; protocol, cipher, key exchange, signature); every server uses the lab\'s `make certs` certificate:',
      ...tls,
      'setups:',
      ...measured.map((setup) => `  ${setup.label}: ${setup.legend}`),
      `  The generated variants all carry one change: the API zone's rate ${nginxRate(RATE_LIMITS.api)} -> ${BENCH_API_RATE}, because all of wrk's connections share one client address (at ${nginxRate(RATE_LIMITS.api)} nearly every request would be a 429). nginx does the same limit_req work for every request it lets through, whatever the rate.`,
      'Caddy differs from the generated nginx in:',
      ...CADDY_DIFFERENCES.map((d) => `  - ${d}`),
      'columns: CPU us/req = CPU time of the proxy (nginx workers or the caddy process), the upstream and wrk per request; other CPUs = CPUs busy with other processes meanwhile; new conns = TCP connections wrk opened (64 = all kept for the whole run) / the proxy opened to the upstream; busiest worker = the share of nginx\'s CPU its busiest worker used, median (max) over rounds (50% = even with 2 workers; caddy is one process); log B/req = access log bytes per request',
    ];
    for (const path of PATHS) lines.push('', `${path.title}:`, ...resultTable(measured, results, path));
    const spreads = [...results.values()].filter((runs) => runs.length > 1).map((runs) => {
      const rps = runs.map((r) => r.rps);
      return (Math.max(...rps) - Math.min(...rps)) / median(rps);
    });
    if (spreads.length) {
      lines.push(
        '',
        `noise: one setup's req/s varied between rounds by ${fmt(median(spreads) * 100)}% (median over setups; up to ${fmt(Math.max(...spreads) * 100)}%) ` +
          'of its median: a ratio closer to 1.00x than that is within this run\'s noise.',
      );
    }
    const ratios: Ratio[] = [
      { label: 'instant: generated / bare nginx', a: 'generated', b: 'bare', path: 'instant', target: 0.9 },
      { label: 'instant: generated / Caddy', a: 'generated', b: 'caddy', path: 'instant', target: 1.0 },
      { label: 'instant: generated / direct', a: 'generated', b: 'direct', path: 'instant' },
      { label: '5 ms I/O: generated / bare nginx', a: 'generated', b: 'bare', path: 'io' },
      { label: '5 ms I/O: generated / Caddy', a: 'generated', b: 'caddy', path: 'io', target: 1.0 },
      { label: '5 ms I/O: generated / direct', a: 'generated', b: 'direct', path: 'io', target: 0.95 },
      { label: 'instant: generated - limit_req / Caddy (like for like: no rate limit)', a: 'no-limit-req', b: 'caddy', path: 'instant' },
      { label: '18 KB JSON: generated / bare nginx (which does not compress)', a: 'generated', b: 'bare', path: 'json' },
      { label: '18 KB JSON: generated / Caddy (both gzip at level 5)', a: 'generated', b: 'caddy', path: 'json' },
    ];
    lines.push('', 'ratios of median req/s (per-round range: the rounds are interleaved, so each round pairs runs minutes apart at most):', ...render(['ratio', 'medians', 'per round', 'target', 'verdict'], ratios.map((r) => ratioRow(results, r))));
    const features = VARIANTS.slice(1).flatMap((variant) =>
      PATHS.filter((path) => runsOn(path, variant)).map((path) => ratioRow(results, { label: `${path.label}: ${variant.label} / generated`, a: variant.key, b: 'generated', path: path.key })),
    );
    lines.push('', 'what each feature and tuning is worth (variant / generated: above 1.00x the variant is faster, i.e. a feature switched off costs that much, or a tuning the generated config lacks would gain that much):', ...render(['ratio', 'medians', 'per round'], features.map((row) => row.slice(0, 3))));
    return lines;
  } finally {
    await lab.close();
    await rm(tree.root, { recursive: true, force: true });
    await rm(gen.dir, { recursive: true, force: true });
  }
}
