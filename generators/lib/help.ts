/**
 * Help text for the bin (`gitmesh-devops --help`) and the descriptions Yeoman prints for
 * `yo gitmesh-devops --help`, both derived from the option declarations: aligned columns, wrapped
 * descriptions, choices spelled out after the text (never run into it), and `--[no-]` forms.
 */
import { defaultOf } from './answers.js';
import type { AnyDecl } from './options.js';

const WIDTH = 100;
const LEFT_MAX = 34;

/** Two aligned columns; a long left cell puts its text on the next line, long text wraps under itself. */
export function columns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const left = Math.min(LEFT_MAX, Math.max(...rows.map(([flag]) => flag.length)) + 2);
  const lines: string[] = [];
  for (const [flag, text] of rows) {
    const wrapped = wrap(text, WIDTH - left);
    if (flag.length + 2 > left) lines.push(flag, ...wrapped.map((line) => `${' '.repeat(left)}${line}`));
    else lines.push(`${flag.padEnd(left)}${wrapped[0] ?? ''}`, ...wrapped.slice(1).map((line) => `${' '.repeat(left)}${line}`));
  }
  return lines;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const sentence = (text: string): string => (/[.?!]$/.test(text) ? text : `${text}.`);

function shownDefault(decl: AnyDecl): string | undefined {
  if (typeof decl.default === 'function') return undefined;
  const value = defaultOf(decl, {});
  if (decl.type === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.length ? value.join(',') : undefined;
  return String(value);
}

/** `--flag VALUE` or `--[no-]flag`, as typed on the command line. */
export function flagUsage(decl: AnyDecl): string {
  if (decl.type === 'boolean') return `  --[no-]${decl.flag}`;
  const value = decl.type === 'choice' ? 'CHOICE' : decl.type === 'multi' || decl.type === 'list' ? 'LIST' : decl.type === 'number' ? 'N' : decl.type === 'json' ? 'JSON' : 'VALUE';
  return `  --${decl.flag} ${value}`;
}

/** The text after the flag: the question, then choices and default, each set apart. */
export function flagText(decl: AnyDecl): string {
  const parts = [sentence(decl.message)];
  if (decl.type === 'choice') parts.push(`One of: ${decl.choices.join(', ')}.`);
  if (decl.type === 'multi') parts.push(`Comma-separated, from: ${decl.choices.join(', ')}.`);
  if (decl.type === 'number') parts.push(`From ${decl.min} to ${decl.max}.`);
  const fallback = shownDefault(decl);
  if (fallback !== undefined && decl.flag !== 'services') parts.push(`Default: ${fallback}.`);
  if (decl.flag === 'services') parts.push('Default: the standard stack.');
  return parts.join(' ');
}

/**
 * Yeoman lists the flag itself; the description carries the choices and the negated form. Yeoman
 * pads every row to its longest description, so a long choice list is referred to, not spelled out.
 */
export function yeomanOptionDescription(decl: AnyDecl): string {
  if (decl.type === 'multi' && decl.choices.join(', ').length > 60) {
    return `${sentence(decl.message)} Comma-separated (the choices: gitmesh-devops --help, or docs/options.md).`;
  }
  return decl.type === 'boolean' ? `${flagText(decl)} --no-${decl.flag} turns it off.` : flagText(decl);
}
