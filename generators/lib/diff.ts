/** A small unified diff (LCS via node-diff3) for --dry-run output. */
import { diffComm } from 'node-diff3';

export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  const lines = [`--- a/${path}`, `+++ b/${path}`];
  const chunks = diffComm(a, b) as Array<{ common: string[] } | { buffer1: string[]; buffer2: string[] }>;
  for (const chunk of chunks) {
    if ('common' in chunk) {
      const common = chunk.common;
      if (common.length > 6) lines.push(...common.slice(0, 3).map((l) => ` ${l}`), '@@', ...common.slice(-3).map((l) => ` ${l}`));
      else lines.push(...common.map((l) => ` ${l}`));
    } else {
      lines.push(...chunk.buffer1.map((l) => `-${l}`), ...chunk.buffer2.map((l) => `+${l}`));
    }
  }
  return lines.join('\n');
}
