/**
 * Healthcheck commands that exist in the image they run in. Node images probe with `node -e`,
 * the Python image with `python -c`, static nginx with busybox `wget`. No curl is assumed.
 */
import type { Health } from '../catalog.js';
import type { Healthcheck } from '../model.js';

type Runtime = 'node' | 'python' | 'busybox' | 'unknown';

const timing = { interval: '30s', timeout: '5s', retries: 3 } as const;

/** A process whose command line contains `match` is alive and not a zombie (workers expose no port). */
const nodeProcessProbe = (match: string): string =>
  "const fs=require('fs');const alive=fs.readdirSync('/proc').filter((p)=>/^[0-9]+$/.test(p)&&Number(p)!==process.pid).some((p)=>{try{" +
  "return !/\\) [ZX] /.test(fs.readFileSync('/proc/'+p+'/stat','utf8'))&&fs.readFileSync('/proc/'+p+'/cmdline','utf8').includes(" +
  JSON.stringify(match).replace(/"/g, "'") +
  ')}catch{return false}});process.exit(alive?0:1)';

const pythonProcessProbe = (match: string): string =>
  'import os,sys\n' +
  'def alive(p):\n' +
  '    try:\n' +
  "        return p != str(os.getpid()) and ') Z ' not in open('/proc/'+p+'/stat').read() and " +
  JSON.stringify(match).replace(/"/g, "'") +
  " in open('/proc/'+p+'/cmdline').read()\n" +
  '    except OSError:\n' +
  '        return False\n' +
  "sys.exit(0 if any(alive(p) for p in os.listdir('/proc') if p.isdigit()) else 1)";

/**
 * What a worker's liveness check cannot prove, and what does: the queue alerts of the monitoring stack
 * (prepare/monitoring-alerts-workloads.ts) for SQS consumers; nothing for the others, said plainly.
 */
export const workerProgressNote = (needs: readonly string[]): string =>
  needs.includes('sqs')
    ? 'workers expose no port, so this check cannot see whether work drains: the QueueMessagesStuck (oldest-message age) and QueueNotConsumed alerts watch the SQS queues when the monitoring stack runs'
    : 'workers expose no port, so this check cannot see whether the worker makes progress, and nothing upstream reports it';

export function healthcheckFor(health: Health, runtime: Runtime, port: number | undefined, startPeriod: string, needs: readonly string[] = []): Healthcheck {
  if (health.kind === 'http' && port !== undefined) {
    const url = `http://127.0.0.1:${port}${health.path}`;
    const proves = `GET ${health.path} on port ${port} answers 2xx`;
    if (runtime === 'node') {
      return { ...timing, startPeriod, proves, test: ['CMD', 'node', '-e', `fetch('${url}').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))`] };
    }
    if (runtime === 'busybox') return { ...timing, startPeriod, proves, test: ['CMD', 'wget', '-q', '--spider', url] };
    return { ...timing, startPeriod, proves, test: ['CMD-SHELL', `wget -q --spider ${url} || curl -fsS -o /dev/null ${url} || exit 1`] };
  }
  if ((health.kind === 'tcp' || health.kind === 'http') && port !== undefined) {
    const proves = `port ${port} accepts TCP connections (no health route upstream)`;
    if (runtime === 'node') {
      return { ...timing, startPeriod, proves, test: ['CMD', 'node', '-e', `require('net').connect(${port},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))`] };
    }
    return { ...timing, startPeriod, proves, test: ['CMD-SHELL', `nc -z 127.0.0.1 ${port} || exit 1`] };
  }
  const match = health.kind === 'process' ? health.match : '';
  const proves = `the worker process (${match || 'PID 1'}) is alive and not a zombie; ${workerProgressNote(needs)}`;
  if (runtime === 'node') return { ...timing, startPeriod, proves, test: ['CMD', 'node', '-e', nodeProcessProbe(match)] };
  if (runtime === 'python') return { ...timing, startPeriod, proves, test: ['CMD', 'python', '-c', pythonProcessProbe(match)] };
  return { ...timing, startPeriod, proves: 'PID 1 is alive', test: ['CMD-SHELL', 'kill -0 1'] };
}

/** Infrastructure checks use the client the official image ships. */
export const infraCheck = (test: readonly string[], proves: string, startPeriod = '30s'): Healthcheck => ({ ...timing, startPeriod, proves, test });
