/** docs/options.md and the README's flag table, rendered from the option declarations (a test fails when either drifts). */
import { defaultOf } from './answers.js';
import { SERVICE_FIELDS } from './onboarding.js';
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
  lines.push(
    '| `--output DIR` | (bin only) generate into DIR instead of the current directory |',
    '| `--help`, `--version` | (bin only) usage and version |',
    "| `--skip-install`, `--force-install`, `--skip-cache`, `--skip-local-cache`, `--[no-]insight` | (bin) Yeoman's run flags, accepted with a one-line note: nothing is installed or cached |",
    '',
    '## Onboarding a service',
    '',
    '`gitmesh-devops add-service` and `gitmesh-devops remove-service --name NAME` (or `yo gitmesh-devops:service`,',
    '`yo gitmesh-devops:service --remove --name NAME`) add a service to the stored `customServices` answer, or remove',
    'it, and regenerate the repo. On a terminal, missing fields are asked one at a time, each checked as it is',
    'answered; without one, `--name`, `--kind` and `--source` are required. `--allow-dirty` applies as above.',
    '',
    '| flag | answers key | type | asked when | description |',
    '|---|---|---|---|---|',
  );
  for (const field of SERVICE_FIELDS) {
    const type = field.choices ? `${field.type === 'multi' ? 'list of: ' : ''}${field.choices.join(field.type === 'multi' ? ', ' : ' | ')}` : field.type;
    const when = field.required ? 'always (required)' : field.when ? 'when --port is given' : 'always';
    lines.push(`| \`--${field.flag}\` | \`${field.key}\` | ${cell(type)} | ${when} | ${cell(field.help)}. |`);
  }
  lines.push('');
  return lines.join('\n');
}

export const README_FLAGS_BEGIN = '<!-- flags:begin: generated from generators/lib/options.ts by `npm run docs:options`; a test fails when it drifts -->';
export const README_FLAGS_END = '<!-- flags:end -->';

/** The README's short flag table: every answer flag with its default, then the run flags. */
export function readmeFlagTable(): string {
  const lines = ['| flag | default | what |', '|---|---|---|'];
  for (const name of OPTION_NAMES) {
    const decl = declarationOf(name);
    if (decl.hidden) continue;
    const flag = decl.type === 'boolean' ? `\`--[no-]${decl.flag}\`` : `\`--${decl.flag}\``;
    const value = defaultOf(decl, {});
    // A long default list is named by its first items and count; docs/options.md and the description give all of it.
    const fallback = typeof decl.default === 'function' ? 'from earlier answers' : Array.isArray(value) && value.length > 4 ? `\`${value.slice(0, 2).join(',')},…\` (${value.length})` : shownDefault(value);
    // The choices, unless the description already names them (in backticks).
    const choices = decl.type === 'choice' || decl.type === 'multi' ? decl.choices : [];
    const named = choices.some((choice) => decl.description.includes(`\`${choice}\``));
    const description = choices.length && !named ? `${decl.description.replace(/\.$/, '')} (${decl.type === 'multi' ? 'any of' : 'one of'}: ${choices.join(', ')}).` : decl.description;
    const what = `${/[.?!]$/.test(decl.message) ? decl.message : `${decl.message}.`} ${description}`;
    lines.push(`| ${flag} | ${cell(fallback)} | ${cell(what)} |`);
  }
  const runFlags = Object.entries(RUN_FLAGS).map(([flag, spec]) => `\`--${flag}\`${spec.type === 'string' ? ' `FILE`' : ''}`);
  lines.push(`| ${runFlags.join(', ')} | | run flags: see [docs/options.md](docs/options.md) |`, '| `--output DIR`, `--help`, `--version` | | bin only |');
  return lines.join('\n');
}

/** The README with its flag table (between the markers) rendered anew; throws when the markers are missing. */
export function withReadmeFlagTable(readme: string): string {
  const begin = readme.indexOf(README_FLAGS_BEGIN);
  const end = readme.indexOf(README_FLAGS_END);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the flag table markers ${README_FLAGS_BEGIN} … ${README_FLAGS_END}`);
  return `${readme.slice(0, begin + README_FLAGS_BEGIN.length)}\n${readmeFlagTable()}\n${readme.slice(end)}`;
}
