/**
 * The line-based three-way merge the planner uses, with git-style conflict markers of our own
 * labels, and the end-of-line handling that lets a CRLF file merge like an LF one.
 */
import { diff3Merge } from 'node-diff3';

/** Marker lines `mergeThreeWay` writes; their labels make them ours (a Markdown `=======` is not). */
const MARKER_LINE = /^(?:<<<<<<< yours:|\|\|\|\|\|\|\| base:|>>>>>>> generator:)/m;

/** Marker lines of ours left in a file: it is not resolved while any remain. */
export function markerLines(text: string): number {
  return text.split('\n').filter((line) => MARKER_LINE.test(line)).length;
}

/** Every line ends in CRLF (a file with mixed endings is taken as it is). */
export function isCrlf(text: string): boolean {
  return text.includes('\r\n') && !/(?:^|[^\r])\n/.test(text);
}

export const normalizeEol = (text: string): string => (isCrlf(text) ? text.replace(/\r\n/g, '\n') : text);

const splitLines = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** Line-based diff3 merge (node-diff3) with git-style conflict markers that IDEs and mergetools read. */
export function mergeThreeWay(ours: string, base: string, theirs: string, label: string): { text: string; conflicts: number } {
  const regions = diff3Merge(splitLines(ours), splitLines(base), splitLines(theirs), { excludeFalseConflicts: true }) as Array<
    { ok: string[] } | { conflict: { a: string[]; o: string[]; b: string[] } }
  >;
  const out: string[] = [];
  let conflicts = 0;
  for (const region of regions) {
    if ('ok' in region) {
      out.push(...region.ok);
      continue;
    }
    conflicts += 1;
    out.push(`<<<<<<< yours:${label}`, ...region.conflict.a, `||||||| base:${label}`, ...region.conflict.o, '=======', ...region.conflict.b, `>>>>>>> generator:${label}`);
  }
  const trailing = ours.endsWith('\n') || theirs.endsWith('\n') ? '\n' : '';
  return { text: out.join('\n') + (out.length ? trailing : ''), conflicts };
}
