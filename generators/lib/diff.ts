/**
 * Git-style unified diffs for --dry-run: `diff --git` headers, new/deleted file modes, numbered
 * `@@ -a,b +c,d @@` hunks with three lines of context and "\ No newline at end of file", so the
 * printed plan is a patch that `git apply` accepts. The line matching is node-diff3's LCS.
 */
import { diffComm } from 'node-diff3';

const CONTEXT = 3;
const NO_EOL = '\\ No newline at end of file';
/** Appended to a last line without a newline, so "x" and "x\n" never compare equal. */
const EOL_SENTINEL = '\u0000no-eol';

interface Op {
  readonly kind: ' ' | '-' | '+';
  readonly text: string;
}

function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  else lines[lines.length - 1] += EOL_SENTINEL;
  return lines;
}

function opsOf(before: string, after: string): Op[] {
  const chunks = diffComm(linesOf(before), linesOf(after)) as Array<{ common: string[] } | { buffer1: string[]; buffer2: string[] }>;
  const ops: Op[] = [];
  for (const chunk of chunks) {
    if ('common' in chunk) ops.push(...chunk.common.map((text) => ({ kind: ' ' as const, text })));
    else ops.push(...chunk.buffer1.map((text) => ({ kind: '-' as const, text })), ...chunk.buffer2.map((text) => ({ kind: '+' as const, text })));
  }
  return ops;
}

function renderOp(op: Op): string[] {
  return op.text.endsWith(EOL_SENTINEL) ? [`${op.kind}${op.text.slice(0, -EOL_SENTINEL.length)}`, NO_EOL] : [`${op.kind}${op.text}`];
}

/** Hunks of changed lines with up to CONTEXT lines around them; close hunks are joined. */
function hunks(ops: readonly Op[]): string[] {
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  const out: string[] = [];
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i]! - CONTEXT);
    let end = changed[i]!;
    while (i + 1 < changed.length && changed[i + 1]! - end <= 2 * CONTEXT) end = changed[++i]!;
    i += 1;
    const stop = Math.min(ops.length, end + CONTEXT + 1);
    // Line numbers before the hunk, on each side.
    let oldLine = 0;
    let newLine = 0;
    for (const op of ops.slice(0, start)) {
      if (op.kind !== '+') oldLine += 1;
      if (op.kind !== '-') newLine += 1;
    }
    const body = ops.slice(start, stop);
    const oldCount = body.filter((op) => op.kind !== '+').length;
    const newCount = body.filter((op) => op.kind !== '-').length;
    // An empty side names the line before it (0 at the top of the file), as diff(1) and git do.
    const range = (line: number, count: number): string => `${count === 0 ? line : line + 1},${count}`;
    out.push(`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`, ...body.flatMap(renderOp));
  }
  return out;
}

export interface DiffFile {
  readonly path: string;
  /** Content before, or undefined for a new file. */
  readonly before?: string;
  /** Content after, or undefined for a deleted file. */
  readonly after?: string;
  /** File mode for new and deleted files (git records 100644 or 100755). */
  readonly executable?: boolean;
}

export function unifiedDiff(file: DiffFile): string {
  const { path, before, after } = file;
  if (before === after) return '';
  const mode = file.executable ? '100755' : '100644';
  const body = hunks(opsOf(before ?? '', after ?? ''));
  const header = [`diff --git a/${path} b/${path}`];
  if (before === undefined) header.push(`new file mode ${mode}`);
  if (after === undefined) header.push(`deleted file mode ${mode}`);
  // git writes no ---/+++ lines for an empty file created or deleted; neither may we.
  if (body.length) header.push(before === undefined ? '--- /dev/null' : `--- a/${path}`, after === undefined ? '+++ /dev/null' : `+++ b/${path}`);
  return [...header, ...body].join('\n');
}
