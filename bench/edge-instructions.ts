/**
 * What each edge feature costs, independent of the machine's load (issue 22): nginx's user-space
 * instructions per request, counted by valgrind's callgrind, for the generated config, each variant of
 * bench/edge-setups.ts and the bare proxy. `npm run bench -- --only edge` measures time on 2 cores
 * shared with other users, where one setup's req/s can swing by a third between rounds; instruction
 * counts hardly move with the load (the last row measures the generated config again: the two
 * agree within about 2%), so they resolve features that cost a few per cent.
 *
 * nginx runs as one process (master_process off, one worker) under callgrind in the bench's lab, in
 * front of the same API stand-in; wrk sends requests over one keepalive connection, one at a time, so
 * every request takes the same path through nginx's event loop. Counters are zeroed after a warm-up
 * and read after the measured run. Not counted: the kernel (TCP, syscalls: about the same for every
 * setup) and time (instructions differ in cost: AES-NI, memory stalls). The request count is whatever
 * callgrind's slowdown allows in the run, a few thousand.
 */
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { generate } from '../test/support/generate.js';
import { edgeTree, openLab, startUpstream, stop, upstreamHosts, waitUntil } from '../test/support/edge-lab.js';
import { requireTool } from '../test/support/validators.js';
import { ACCEPT_ENCODING } from './edge-wrk.js';
import { BENCH_ANSWERS, VARIANTS, bareNginxConfig, edit, onPorts } from './edge-setups.js';
import { render } from './harness.js';

const SECONDS = Number(process.env.EDGE_IR_SECONDS ?? 4);
const PATHS = [
  { key: 'instant', path: '/bench', label: '3-byte reply' },
  { key: 'small', path: '/echo', label: '0.3 KB JSON, no length' },
  { key: 'json', path: '/big', label: '18 KB JSON, no length' },
] as const;

/** Settings the generated config does not use, measured for its tuning notes (nginx.conf, tls.conf). */
const PROBES: readonly { key: string; label: string; derive: (generated: string, tlsSnippet: string) => { conf: string; extra: Record<string, string> } }[] = [
  ...[1, 3, 4].map((level) => ({
    key: `gzip-${level}`,
    label: `generated, gzip_comp_level ${level}`,
    derive: (conf: string) => ({ conf: edit(conf, /^(\s*gzip_comp_level )\d+;/gm, `$1${level};`, `gzip level ${level}`), extra: {} }),
  })),
  {
    key: 'no-gzip-4k-records',
    label: 'generated - gzip, ssl_buffer_size 4k',
    derive: (conf: string, tlsSnippet: string) => ({
      conf: edit(edit(conf, /^(\s*)gzip on;/gm, '$1gzip off;', 'no gzip'), /include snippets\/tls\.conf;/g, 'include snippets/tls.bench-4k.conf;', '4k records'),
      extra: { 'snippets/tls.bench-4k.conf': edit(tlsSnippet, /^ssl_buffer_size 16k;/gm, 'ssl_buffer_size 4k;', '4k records') },
    }),
  },
];

/** One process, one worker: callgrind counts everything nginx does for a request in one place. */
const singleProcess = (conf: string): string => edit(conf, /^worker_processes auto;/gm, 'worker_processes 1;\nmaster_process off;', 'single process');

async function lastDumpTotal(dir: string): Promise<number> {
  const dumps = (await readdir(dir)).filter((f) => /^cg\.out\.\d+$/.test(f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const text = await readFile(join(dir, dumps.at(-1)!), 'utf8');
  const total = /^(?:totals|summary): (\d+)/m.exec(text)?.[1];
  if (total === undefined) throw new Error(`no totals in ${dumps.at(-1)}`);
  return Number(total);
}

export async function run(): Promise<string[]> {
  for (const tool of ['valgrind', 'callgrind_control', 'wrk', 'nginx', 'curl']) requireTool(tool);
  const gen = await generate({ ...BENCH_ANSWERS, services: [...BENCH_ANSWERS.services] });
  const tree = await edgeTree(gen);
  const edgeDir = join(tree.root, 'etc/nginx/edge');
  const tls = join(tree.root, 'etc/nginx/tls');
  const lab = await openLab(upstreamHosts(gen.model));
  try {
    await startUpstream(lab, 'api', 8080);
    // Warm the stand-in's JIT first, so that the first setup meets the same upstream as the last.
    for (const path of PATHS) await lab.run('wrk', ['-t', '1', '-c', '4', '-d', '2s', `http://[::1]:8080${path.path}`], { timeout: 60000 });
    const rendered = { conf: await readFile(tree.conf, 'utf8'), proxySnippet: await readFile(join(edgeDir, 'snippets/proxy.conf'), 'utf8') };
    const tlsSnippet = await readFile(join(edgeDir, 'snippets/tls.conf'), 'utf8');
    const generated = VARIANTS[0]!.derive(rendered).conf;
    const setups: { key: string; label: string; files?: { conf: string; extra: Readonly<Record<string, string>> }; wrkHeaders?: string[] }[] = [
      ...VARIANTS.map((variant) => ({ key: variant.key, label: variant.label, files: variant.derive(rendered) })),
      ...PROBES.map((probe) => ({ key: probe.key, label: probe.label, files: probe.derive(generated, tlsSnippet) })),
      // Every request on a new connection: the row minus the first is what one TLS handshake costs.
      { key: 'handshake', label: 'generated, a new TLS connection per request', files: VARIANTS[0]!.derive(rendered), wrkHeaders: ['Connection: close'] },
      { key: 'bare', label: 'bare nginx proxy', files: undefined },
      // The first row again, last: how far a figure moves between two measurements of one config.
      { key: 'generated-again', label: 'generated nginx config, again (noise check)', files: VARIANTS[0]!.derive(rendered) },
    ];
    const counts = new Map<string, number>();
    for (const [i, setup] of setups.entries()) {
      const ports = { http: 10000 + 10 * i, https: 10001 + 10 * i, status: 10002 + 10 * i };
      const prefix = join(tree.root, `ir-${setup.key}`);
      await mkdir(prefix);
      let conf: string;
      if (setup.files) {
        conf = join(edgeDir, `ir-${setup.key}.conf`);
        await writeFile(conf, singleProcess(onPorts(setup.files.conf, ports)));
        for (const [path, text] of Object.entries(setup.files.extra)) await writeFile(join(edgeDir, path), text);
      } else {
        conf = join(prefix, 'nginx.conf');
        await writeFile(conf, singleProcess(bareNginxConfig({ port: ports.https, cert: join(tls, 'fullchain.pem'), key: join(tls, 'privkey.pem'), keepalive: 64 })));
      }
      const fd = openSync(join(prefix, 'access.log'), 'a');
      const nginx = lab.start('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(prefix, 'cg.out')}`, 'nginx', '-p', `${prefix}/`, '-c', conf, '-e', 'stderr'], fd);
      closeSync(fd);
      let err = '';
      nginx.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      const url = (path: string) => `https://127.0.0.1:${ports.https}/api${path}`;
      try {
        await waitUntil(`${setup.label} under callgrind`, async () => {
          if (nginx.exitCode !== null) throw new Error(`nginx under callgrind exited ${nginx.exitCode}: ${err}`);
          return (await lab.run('curl', ['-skf', '-o', '/dev/null', url('/bench')])).exitCode === 0;
        }, 60000);
        for (const { key, path } of PATHS) {
          const headers = [`Accept-Encoding: ${ACCEPT_ENCODING}`, ...(setup.wrkHeaders ?? [])].flatMap((h) => ['-H', h]);
          const wrk = (seconds: number) => lab.run('wrk', ['-t', '1', '-c', '1', '-d', `${seconds}s`, ...headers, url(path)], { timeout: (seconds + 60) * 1000 });
          await wrk(2);
          await execa('callgrind_control', ['-z', String(nginx.pid)]);
          const r = await wrk(SECONDS);
          await execa('callgrind_control', ['-d', String(nginx.pid)]);
          if (r.exitCode !== 0 || /Non-2xx/.test(r.stdout)) throw new Error(`${setup.label} ${path}: wrk failed\n${r.stdout}${r.stderr}`);
          const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? NaN);
          counts.set(`${setup.key}:${key}`, (await lastDumpTotal(prefix)) / requests);
        }
      } finally {
        await stop(nginx);
      }
    }
    const k = (n: number | undefined): string => (n === undefined ? '-' : `${(n / 1000).toFixed(1)}k`);
    const rows = setups.map((setup) => [
      setup.label,
      ...PATHS.flatMap(({ key }) => {
        const n = counts.get(`${setup.key}:${key}`);
        const base = counts.get(`generated:${key}`)!;
        return [k(n), n === undefined || setup.key === 'generated' ? '' : `${n - base > 0 ? '+' : ''}${k(n - base)} (${(((n - base) / base) * 100).toFixed(0)}%)`];
      }),
    ]);
    return [
      'edge proxy, load-independent: nginx user-space instructions per request under valgrind --tool=callgrind (one process, one worker; wrk over one keepalive connection, one request at a time; TLS 1.3; the kernel is not counted)',
      `  ${SECONDS} s per measurement after a 2 s warm-up; the generated variants are those of "--only edge" (bench/edge-setups.ts), then settings the generated config does not use; each against the generated config.`,
      '  The JSON replies come without a Content-Length (as Node sends a body written in one go after writeHead), so gzip compresses them whatever gzip_min_length says.',
      ...render(['setup', ...PATHS.flatMap(({ label }) => [label, 'vs generated'])], rows),
    ];
  } finally {
    await lab.close();
    await rm(tree.root, { recursive: true, force: true });
    await rm(gen.dir, { recursive: true, force: true });
  }
}
