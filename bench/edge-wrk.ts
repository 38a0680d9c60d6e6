/**
 * One bench/edge.ts measurement: wrk against one URL inside the lab, with the CPU time of the proxy,
 * the upstream, wrk itself and everything else on the machine, and the TCP connections opened.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Lab } from '../test/support/edge-lab.js';
import { processCpu } from './harness.js';

export const CONNECTIONS = 64;
export const THREADS = 2;
/** What a browser sends; every proxy decides on compression (the 3-byte replies stay below every threshold). */
export const ACCEPT_ENCODING = 'gzip, deflate, br';
/** wrk.resolve (wrk's built-in Lua) connects once to probe the address before the run starts. */
const WRK_PROBE_CONNECTS = 1;
const CLK_TCK = 100; // USER_HZ, the unit of /proc/stat

export interface Target {
  readonly url: string;
  /** Processes whose CPU time is the proxy's (nginx workers, caddy); none for direct. */
  readonly proxyPids: () => Promise<number[]>;
  readonly upstreamPid: number;
  /** The proxy's access log file, to report bytes logged per request. */
  readonly accessLog?: string;
}

export interface Run {
  readonly rps: number;
  /** Latency percentiles, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** CPU microseconds per request. */
  readonly proxyUs?: number;
  readonly upstreamUs: number;
  readonly wrkUs: number;
  /** CPUs busy with other processes (the machine's other users), on average over the run. */
  readonly otherCpus: number;
  /** TCP connections wrk opened (its address probe excluded): 64 = every connection kept for the whole run. */
  readonly clientConnects: number;
  /** TCP connections the proxy opened to the upstream during the run. */
  readonly upstreamConnects: number;
  /** Share of the proxy's CPU time its busiest process used (nginx workers; none for a single process). */
  readonly busiestShare?: number;
  readonly logBytesPerRequest?: number;
  readonly errors: string;
}

const cpuSeconds = async (pid: number): Promise<number> => (await processCpu(pid).catch(() => ({ own: 0 }))).own;

/** Busy CPU seconds of the whole machine (all but idle and iowait), from /proc/stat. */
async function machineBusy(): Promise<number> {
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

async function activeOpens(lab: Lab): Promise<number> {
  const snmp = (await lab.run('cat', ['/proc/net/snmp'])).stdout.split('\n').filter((line) => line.startsWith('Tcp:'));
  const names = snmp[0]?.split(/\s+/) ?? [];
  return Number(snmp[1]?.split(/\s+/)[names.indexOf('ActiveOpens')] ?? NaN);
}

/** Connections the upstream stand-in's plain listener has accepted, this query's own included. */
async function upstreamAccepts(lab: Lab, statsUrl: string): Promise<number> {
  const r = await lab.run('curl', ['-sf', statsUrl]);
  if (r.exitCode !== 0) throw new Error(`no connection counts at ${statsUrl}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { plain: number }).plain;
}

const fileSize = async (path: string | undefined): Promise<number> => (path ? (await stat(path).catch(() => ({ size: 0 }))).size : 0);

/** wrk's latency units -> ms. */
function ms(value: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value ?? '');
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

function wrkArgs(url: string, seconds: number): string[] {
  return ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--latency', '-H', `Accept-Encoding: ${ACCEPT_ENCODING}`, url];
}

/** Runs wrk for `seconds` after a `warmup`-second run (TLS handshakes, the upstream pool). */
export async function measure(lab: Lab, target: Target, statsUrl: string, seconds: number, warmup: number): Promise<Run> {
  if (warmup > 0) await lab.run('wrk', wrkArgs(target.url, warmup), { timeout: (warmup + 30) * 1000 });
  const pids = [...(await target.proxyPids()), target.upstreamPid];
  const sample = async () => Promise.all(pids.map(cpuSeconds));
  // The connection-count query is a TCP connection itself: ActiveOpens is read after the first and
  // before the second, and the second one's own accept is subtracted.
  const acceptsBefore = await upstreamAccepts(lab, statsUrl);
  const [opensBefore, logBefore] = [await activeOpens(lab), await fileSize(target.accessLog)];
  const [cpuBefore, busyBefore, t0] = [await sample(), await machineBusy(), process.hrtime.bigint()];
  const r = await lab.run('/usr/bin/time', ['-f', 'wrk-cpu %U %S', 'wrk', ...wrkArgs(target.url, seconds)], { timeout: (seconds + 30) * 1000 });
  const [cpuAfter, busyAfter, t1] = [await sample(), await machineBusy(), process.hrtime.bigint()];
  const [opensAfter, logAfter] = [await activeOpens(lab), await fileSize(target.accessLog)];
  const acceptsAfter = await upstreamAccepts(lab, statsUrl);
  if (r.exitCode !== 0) throw new Error(`wrk ${target.url} failed: ${r.stderr}`);
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? NaN);
  const perRequest = (cpu: number): number => (cpu * 1e6) / requests;
  const used = cpuAfter.map((t, i) => t - cpuBefore[i]!);
  const proxy = used.slice(0, -1).reduce((a, b) => a + b, 0);
  const busiest = Math.max(0, ...used.slice(0, -1));
  const upstream = used.at(-1)!;
  const wrkCpu = /wrk-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  const wrkSeconds = wrkCpu ? Number(wrkCpu[1]) + Number(wrkCpu[2]) : NaN;
  const wall = Number(t1 - t0) / 1e9;
  const upstreamConnects = acceptsAfter - acceptsBefore - 1;
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1];
  const socket = /Socket errors:([^\n]+)/.exec(r.stdout)?.[1]?.trim();
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN),
    p50: ms(/^\s+50%\s+(\S+)/m.exec(r.stdout)?.[1]),
    p99: ms(/^\s+99%\s+(\S+)/m.exec(r.stdout)?.[1]),
    requests,
    ...(pids.length > 1 ? { proxyUs: perRequest(proxy) } : {}),
    ...(pids.length > 2 ? { busiestShare: proxy > 0 ? busiest / proxy : NaN } : {}),
    upstreamUs: perRequest(upstream),
    wrkUs: perRequest(wrkSeconds),
    otherCpus: Math.max(0, busyAfter - busyBefore - proxy - upstream - wrkSeconds) / wall,
    clientConnects: opensAfter - opensBefore - upstreamConnects - WRK_PROBE_CONNECTS,
    upstreamConnects,
    ...(target.accessLog ? { logBytesPerRequest: (logAfter - logBefore) / requests } : {}),
    errors: [non2xx ? `${non2xx} non-2xx` : '', socket ? `socket errors: ${socket}` : ''].filter(Boolean).join('; '),
  };
}
