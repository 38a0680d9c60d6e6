/**
 * Issue 20: enforcement tests (JHipster's pattern): the architecture's rules, checked on the source
 * tree itself, so drift fails CI instead of waiting for a reviewer.
 *
 * 1. Every template under templates/ is rendered by a file manifest (or included by a template that is).
 * 2. No template reads answers (`answers`, `it.model.answers`): templates read the typed model.
 * 3. Each template's share of control lines (lines that are only an ejs `<% … %>` tag) stays under 15 %,
 *    or the template has at most two (one loop or one condition, the least a data-driven file needs).
 * 4. No generator file (generators/**\/*.ts) is over 300 lines.
 *
 * Known violations are listed once, in ALLOWED below, each with why. An entry that no longer violates
 * fails the test too, so the list only shrinks: remove the entry when its file is fixed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { fileSpecs } from '../generators/lib/files/index.js';
import { prepare } from '../generators/lib/prepare/index.js';
import { resolveAnswers, type RawAnswers } from '../generators/lib/answers.js';
import { CATALOG } from '../generators/lib/catalog.js';
import { customServiceCandidates, validAnswers } from './support/arbitraries.js';
import { PROJECT_ROOT } from './support/upstream.js';

type Rule = 'unused-template' | 'reads-answers' | 'control-share' | 'file-length';

/**
 * The allowlist: today's violations, most being removed by the rest of issue 20 (20-K: Kubernetes and
 * edge; 20-M: closing the model, compose and Prometheus rules through the yaml Document API). The lead
 * shrinks it after each merge; the test fails on any entry that no longer violates.
 */
const ALLOWED: ReadonlyArray<{ readonly rule: Rule; readonly path: string; readonly why: string }> = [
  // YAML assembled by hand in ejs: to be serialised from data with the yaml Document API (20-M).
  { rule: 'control-share', path: 'templates/config/prometheus/prometheus.yml.ejs', why: 'scrape config assembled by hand; serialised from data (20-M)' },
  { rule: 'control-share', path: 'templates/github/workflows/deploy.yml.ejs', why: 'the promotion policy is decided in the template; moves to the model (20-M)' },
  { rule: 'control-share', path: 'templates/github/workflows/_kubernetes-access.yml.ejs', why: 'loops twice over the Kubernetes secrets (20 %); the view can hand it the env lines (20-K)' },
  { rule: 'control-share', path: 'templates/scripts/k8s-deploy.sh.ejs', why: 'the same loops over the rollout lists repeated; the view can give them as shell arrays (20-K)' },
  { rule: 'control-share', path: 'templates/config/nginx/snippets/tls.conf.ejs', why: 'branches per TLS mode and profile (15.6 %); the edge view can hand it the lines (20-K)' },
  { rule: 'control-share', path: 'templates/docker/__service__/Dockerfile.node-services.ejs', why: 'branches on glibc or musl three times; the service-kind traits table can hand it the lines (20-M)' },
  { rule: 'control-share', path: 'templates/docs/architecture.md.ejs', why: 'prose with per-tier loops and conditions (18.5 %); a docs view can group the services first' },
  { rule: 'control-share', path: 'templates/docs/runbooks.md.ejs', why: 'nested loops over alert groups, rules, checks and fixes (27.6 %): list-shaped prose, a runbooks view can flatten it' },
  { rule: 'control-share', path: 'templates/docs/runbooks/disaster-recovery.md.ejs', why: 'issue 16: per-store recovery prose with conditions for the optional stores and PITR (16.2 %); a DR view can hand it the steps' },
  { rule: 'control-share', path: 'templates/docs/runbooks/scaling.md.ejs', why: 'issue 21: prose per service group with conditions for the optional stores (22.6 %); a scaling view can hand it the rows' },
  // Generator files over 300 lines (20-K splits kubernetes and edge; 20-M splits monitoring and the rest).
  { rule: 'file-length', path: 'generators/lib/prepare/infra.ts', why: 'every data service in one file; split per service (20-M)' },
  { rule: 'file-length', path: 'generators/lib/prepare/provisioning.ts', why: 'Ansible view and cloud-init in one file (20-M)' },
  { rule: 'file-length', path: 'generators/lib/prepare/backup.ts', why: 'issue 16 added Barman to the logical backups; split along logical dumps, PITR service and offsite (the backup-lib.sh split is still open)' },
  { rule: 'file-length', path: 'generators/lib/repo-io.ts', why: 'lock, journal, preflight and transaction in one module; split along them' },
  { rule: 'file-length', path: 'generators/lib/catalog.ts', why: 'the GitMesh CE service catalog, a cited data table' },
  { rule: 'file-length', path: 'generators/lib/checks.ts', why: 'every answer validator; split per domain (DNS, paths, cron, services)' },
  { rule: 'file-length', path: 'generators/lib/onboarding.ts', why: 'add-service fields, flags and prompts; split the field table from the flow' },
  { rule: 'file-length', path: 'generators/lib/options.ts', why: 'the option declarations, one table by design; split if it grows further' },
];

const MAX_CONTROL_SHARE = 0.15;
/** One loop or one condition: a template that needs no more is data-driven, whatever its length. */
const MAX_CONTROL_LINES_ANYWAY = 2;
const MAX_FILE_LINES = 300;

const TEMPLATES = join(PROJECT_ROOT, 'templates');

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path, suffix) : entry.name.endsWith(suffix) ? [path] : [];
  });
}

const rel = (path: string): string => relative(PROJECT_ROOT, path);
const linesOf = (text: string): string[] => {
  const lines = text.split('\n');
  return lines.at(-1) === '' ? lines.slice(0, -1) : lines;
};

/** A line that is only an ejs tag that prints nothing (`<% … %>`, not `<%-`/`<%=` output, not a `<%#` comment). */
export const isControlLine = (line: string): boolean => /^\s*<%(?![-=#])((?!%>).)*%>\s*$/.test(line);

/** String literals inside a tag's code: prose there ('the frontend answers') is not a read. */
const STRING_LITERAL = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g;

/** Some ejs tag's code reads `answers` (the identifier, not the word in prose or in a string). */
export const readsAnswers = (text: string): boolean => [...text.matchAll(/<%[\s\S]*?%>/g)].some((tag) => /(?<![\w-])answers\b/.test(tag[0].replace(STRING_LITERAL, "''")));

/** Answer sets whose manifests reach every branch: the extremes plus seeded draws from the declarations. */
function answerSets(): RawAnswers[] {
  const everything: RawAnswers = {
    services: CATALOG.map((entry) => entry.name).join(','),
    postgresReplica: true,
    opensearch: 'cluster',
    queue: 'sqs+kafka',
    tlsMode: 'provided',
    targets: 'compose,kubernetes',
    backupOffsite: true,
    customServices: customServiceCandidates() as RawAnswers['customServices'],
  };
  const drawn = fc.sample(validAnswers(), { seed: 2020, numRuns: 40 }).map((draw) => draw.raw);
  return [{}, everything, { targets: 'kubernetes' }, { tlsMode: 'self-signed', monitoring: false, postgres: false, redis: false, opensearch: 'none', temporal: false }, ...drawn];
}

/** Every violation of every rule in the tree today, as `rule path` keys with a detail. */
function violations(): Map<string, string> {
  const found = new Map<string, string>();
  const templates = filesUnder(TEMPLATES, '.ejs');
  const used = new Set<string>();
  for (const raw of answerSets()) {
    const resolved = resolveAnswers(raw, { useDefaults: true });
    assert.ok(resolved.answers, `answer set refused: ${resolved.problems.join('; ')}`);
    for (const spec of fileSpecs(prepare(resolved.answers))) used.add(join(TEMPLATES, spec.template));
  }
  for (const path of templates) {
    const text = readFileSync(path, 'utf8');
    for (const include of text.matchAll(/include\(\s*['"]([^'"]+)['"]/g)) used.add(join(path, '..', include[1]!));
  }
  for (const path of templates) {
    const text = readFileSync(path, 'utf8');
    if (!used.has(path)) found.set(`unused-template ${rel(path)}`, 'no manifest renders it and no template includes it');
    if (readsAnswers(text)) found.set(`reads-answers ${rel(path)}`, 'an ejs tag reads answers');
    const lines = linesOf(text);
    const control = lines.filter(isControlLine).length;
    if (control > MAX_CONTROL_LINES_ANYWAY && control / lines.length >= MAX_CONTROL_SHARE) {
      found.set(`control-share ${rel(path)}`, `${control} of ${lines.length} lines are ejs control (${((100 * control) / lines.length).toFixed(1)} %)`);
    }
  }
  for (const path of filesUnder(join(PROJECT_ROOT, 'generators'), '.ts')) {
    const count = linesOf(readFileSync(path, 'utf8')).length;
    if (count > MAX_FILE_LINES) found.set(`file-length ${rel(path)}`, `${count} lines`);
  }
  return found;
}

describe('enforcement: the architecture rules hold on the source tree (issue 20)', function () {
  this.timeout(120_000);
  let found: Map<string, string>;
  before(() => {
    found = violations();
  });
  const allowed = new Set(ALLOWED.map((entry) => `${entry.rule} ${entry.path}`));

  for (const [rule, title] of [
    ['unused-template', 'every template is rendered by a manifest or included by one'],
    ['reads-answers', 'no template reads answers (templates read the typed model)'],
    ['control-share', `each template's control lines stay under ${MAX_CONTROL_SHARE * 100} % (or at most ${MAX_CONTROL_LINES_ANYWAY})`],
    ['file-length', `no generator file is over ${MAX_FILE_LINES} lines`],
  ] as const) {
    it(title, () => {
      const fresh = [...found].filter(([key]) => key.startsWith(`${rule} `) && !allowed.has(key)).map(([key, detail]) => `${key.slice(rule.length + 1)}: ${detail}`);
      assert.deepEqual(fresh, [], 'new violations (fix them; the allowlist is for the known ones being removed)');
    });
  }

  it('the allowlist holds only current violations (remove an entry once its file is fixed), each with a reason, once', () => {
    const stale = ALLOWED.filter((entry) => !found.has(`${entry.rule} ${entry.path}`)).map((entry) => `${entry.rule} ${entry.path}`);
    assert.deepEqual(stale, [], 'allowlist entries that no longer violate: delete them from ALLOWED');
    assert.equal(allowed.size, ALLOWED.length, 'an entry is listed twice');
    for (const entry of ALLOWED) assert.ok(entry.why.length > 10, `${entry.path}: say why`);
  });

  it('the rules detect what they are meant to (the detectors on small samples)', () => {
    assert.ok(isControlLine('<% for (const x of it.model.list) { -%>'));
    assert.ok(isControlLine('  <% } -%>'));
    assert.ok(!isControlLine('<%- it.model.name %>'), 'output is not control');
    assert.ok(!isControlLine('name: <% if (a) { %>x<% } %>'), 'text on the line is not only control');
    assert.ok(readsAnswers('<%- it.model.answers.tlsMode %>'));
    assert.ok(readsAnswers('<% if (answers.monitoring) { -%>'));
    assert.ok(!readsAnswers('The edge answers 429 <%- it.model.settings.tls.mode %>'), 'prose is not code');
    assert.ok(!readsAnswers("<%- [v.ok ? 'the frontend answers' : ''].join() %>"), 'a string in code is not a read');
  });
});
