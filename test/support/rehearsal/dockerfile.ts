/**
 * Just enough of the Dockerfile and .dockerignore languages to replay a build stage on the host:
 * instructions with their line numbers (continuations joined, comments dropped), COPY operands, and
 * BuildKit's .dockerignore matching (moby patternmatcher: `**`, `*`, `?`, `!` exceptions, a pattern
 * that matches a parent directory matches everything under it, the last matching pattern wins).
 */

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** 1-based line of the instruction's first line. */
  readonly line: number;
}

export interface Stage {
  readonly name?: string;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: { name?: string; from: string; instructions: Instruction[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#.*)?$/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i += 1;
      // Comment lines inside a continuation are dropped, as Docker does.
      if (/^\s*#/.test(lines[i])) continue;
      line = line.replace(/\\\s*$/, ' ') + lines[i];
    }
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot parse "${line}"`);
    const keyword = m[1].toUpperCase();
    const args = m[2].trim();
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile line ${start + 1}: cannot parse FROM ${args}`);
      stages.push({ from: from[1], ...(from[2] ? { name: from[2] } : {}), instructions: [] });
      continue;
    }
    if (!stages.length) throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
    stages[stages.length - 1].instructions.push({ keyword, args, line: start + 1 });
  }
  return stages;
}

export interface CopyOperands {
  readonly flags: Readonly<Record<string, string>>;
  readonly sources: readonly string[];
  readonly dest: string;
}

/** `COPY [--flag=value ...] src... dest` or the JSON-array form. */
export function copyOperands(args: string): CopyOperands {
  const flags: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest); m; m = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest)) {
    flags[m[1]] = m[2] ?? 'true';
    rest = rest.slice(m[0].length);
  }
  const words = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/).filter(Boolean);
  if (words.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { flags, sources: words.slice(0, -1), dest: words[words.length - 1] };
}

/** `ENV A=1 B="two words"` (the key=value form the generator writes). */
export function envPairs(args: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S+)/g;
  for (const m of args.matchAll(re)) {
    const raw = m[2];
    out.push([m[1], raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.startsWith("'") ? raw.slice(1, -1) : raw]);
  }
  return out;
}

/** Go filepath.Clean for the relative, slash-separated paths a .dockerignore holds. */
function cleanPattern(pattern: string): string {
  const parts: string[] = [];
  for (const part of pattern.replace(/^\/+/, '').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/') || '.';
}

function patternRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i += 1;
        if (pattern[i + 1] === '/') {
          i += 1;
          out += '(.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) out += `\\${pattern[++i]}`;
    else out += /[.+^${}()|[\]\\]/.test(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`^${out}$`);
}

/** Returns `excluded(path)` for a .dockerignore; paths are relative to the build context. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      return { negate, regex: patternRegex(cleanPattern(negate ? line.slice(1).trim() : line)) };
    });
  return (path: string): boolean => {
    const parts = cleanPattern(path).split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      // A rule about a directory applies to everything under it.
      if (prefixes.some((prefix) => rule.regex.test(prefix))) excluded = !rule.negate;
    }
    return excluded;
  };
}
