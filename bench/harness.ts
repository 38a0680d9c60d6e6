/**
 * A small benchmark harness: warm-up, N timed runs of whole commands, medians with min/max, peak
 * RSS (GNU time), and ratio tables measured side by side in one run. Never used by tests.
 */
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

const CLK_TCK = 100; // USER_HZ: the unit of the times in /proc/<pid>/stat on Linux

/** CPU seconds of a process from /proc/<pid>/stat: its own (utime + stime) and those of the children
 * it has waited for (cutime + cstime). Throws when the process is gone. */
export async function processCpu(pid: number | 'self'): Promise<{ readonly own: number; readonly children: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15, cutime 16 and cstime 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { own: (fields[11]! + fields[12]!) / CLK_TCK, children: (fields[13]! + fields[14]!) / CLK_TCK };
}

export interface Measurement {
  readonly label: string;
  readonly times: readonly number[];
  readonly rssKiB: readonly number[];
}

export interface CommandSpec {
  readonly label: string;
  readonly cmd: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Runs before every measured run (e.g. empty the output directory); not timed. */
  readonly prepare?: () => Promise<void>;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs each command once to warm up, then `runs` times, interleaved so drift hits all alike. */
export async function measure(specs: readonly CommandSpec[], runs = 5): Promise<Measurement[]> {
  const results = specs.map((spec) => ({ label: spec.label, times: [] as number[], rssKiB: [] as number[] }));
  for (let round = -1; round < runs; round += 1) {
    for (const [i, spec] of specs.entries()) {
      await spec.prepare?.();
      const start = process.hrtime.bigint();
      const proc = await execa('/usr/bin/time', ['-f', '%M', ...spec.cmd], { cwd: spec.cwd, env: spec.env, reject: false, stdin: 'ignore' });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (proc.exitCode !== 0) throw new Error(`${spec.label} failed (${proc.exitCode}):\n${proc.stdout}\n${proc.stderr}`);
      if (round < 0) continue;
      results[i]!.times.push(seconds);
      results[i]!.rssKiB.push(Number(proc.stderr.trim().split('\n').at(-1)));
    }
  }
  return results;
}

const fmt = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);

export function table(measurements: readonly Measurement[]): string[] {
  const rows = measurements.map((m) => [m.label, fmt(median(m.times)), fmt(Math.min(...m.times)), fmt(Math.max(...m.times)), `${(Math.max(...m.rssKiB) / 1024).toFixed(0)} MB`, String(m.times.length)]);
  return render(['command', 'median', 'min', 'max', 'peak RSS', 'runs'], rows);
}

/** Ratios of medians: each row is `a / b` with its target. */
export function ratios(pairs: readonly { label: string; a: Measurement; b: Measurement; target?: string }[]): string[] {
  return render(
    ['ratio', 'value', 'target'],
    pairs.map((p) => [p.label, `${(median(p.a.times) / median(p.b.times)).toFixed(2)}×`, p.target ?? '']),
  );
}

export function render(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

export { median };
