/** docs/options.md, rendered from the option declarations (a test fails when the file drifts). */
import { defaultOf } from './answers.js';
import { declarationOf, OPTION_NAMES } from './options.js';
import { RUN_FLAGS } from './run-flags.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function shownDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : '(empty)';
  return `\`${String(value)}\``;
}

export function optionsMarkdown(): string {
  const lines = [
    '<!-- Generated from generators/lib/options.ts by `npm run docs:options`; a test fails when it drifts. -->',
    '# Options',
    '',
    'Every question is also a CLI flag (`gitmesh-devops --flag value` or `yo gitmesh-devops --flag value`) and a key of an',
    '`--answers` file (JSON or YAML, camelCase or flag names). Unanswered options take their defaults with `--defaults`,',
    '`--answers` or stored answers in `.yo-rc.json`; with no terminal and no default allowed, the run fails naming them.',
    '',
    '## Answers',
    '',
    '| flag | answers key | type | default | asked when | description |',
    '|---|---|---|---|---|---|',
  ];
  for (const name of OPTION_NAMES) {
    const decl = declarationOf(name);
    const type = decl.type === 'choice' ? decl.choices.join(' | ') : decl.type === 'multi' ? `list of: ${decl.choices.join(', ')}` : decl.type === 'number' ? `integer ${decl.min}–${decl.max}` : decl.type;
    const fallback = typeof decl.default === 'function' ? 'computed' : shownDefault(defaultOf(decl, {}));
    const when = decl.hidden ? 'never (flag or file only)' : decl.when ? 'depends on earlier answers' : 'always';
    lines.push(`| \`--${decl.flag}\` | \`${name}\` | ${cell(type)} | ${cell(fallback)} | ${when} | ${cell(/[.?!]$/.test(decl.message) ? decl.message : `${decl.message}.`)} ${cell(decl.description)} |`);
  }
  lines.push('', '## Run flags', '', '| flag | description |', '|---|---|');
  for (const [flag, spec] of Object.entries(RUN_FLAGS)) lines.push(`| \`--${flag}\`${spec.type === 'string' ? ' `FILE`' : ''} | ${cell(spec.description)} |`);
  lines.push('| `--output DIR` | (bin only) generate into DIR instead of the current directory |', '| `--help`, `--version` | (bin only) usage and version |', '');
  return lines.join('\n');
}
