/**
 * A small benchmark harness: warm-up, N timed runs of whole commands, medians with min/max, peak
 * RSS (GNU time), and ratio tables measured side by side in one run. Never used by tests.
 */
import { execa } from 'execa';

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
