/**
 * `.yo-resolve` per-file policy, as Yeoman defines it: one `<glob> skip|force` per line, `#` comments.
 * Read by our planner so the policy applies to merges too, not only to Yeoman's conflicter.
 */
export type Resolution = 'skip' | 'force';

/** Glob to RegExp: `**` crosses directories, `*` and `?` do not. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export function yoResolver(text: string | undefined): (path: string) => Resolution | undefined {
  const rules = (text ?? '')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .flatMap((line) => {
      const match = /^(.+?)\s+(skip|force)$/.exec(line);
      return match ? [{ pattern: globToRegExp(match[1]!), resolution: match[2] as Resolution }] : [];
    });
  return (path) => rules.find((rule) => rule.pattern.test(path))?.resolution;
}
