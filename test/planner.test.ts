/**
 * Issue 20: `plan()` as a table. Each row gives the planner's inputs for one file (what the templates
 * produce, what is on disk, the previous manifest entry, the stored merge base, .yo-resolve, --force,
 * --restore) and the action and typed reason it must choose. The table covers every action and every
 * reason the planner declares (checked below), so a new rule cannot land without its row, and the
 * report's wording can change without touching a decision (none is made on message text).
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { ACTIONS, BACKUP_DIR, nextBase, nextManifest, plan, REASONS, sha256, type Action, type DesiredFile, type DiskFile, type FilePolicy, type ManifestEntry, type PlanEntry, type Reason } from '../generators/lib/planner.js';
import { TEMPLATES_DIR } from '../generators/lib/render.js';
import { describe as describeEntry } from '../generators/lib/report.js';
import { runBin } from './support/repo-state.js';

const PATH = 'config/app.conf';
const v1 = 'a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n';
/** The template's next version: changes the last line. */
const v2 = 'a = 1\nb = 2\nc = 3\nd = 4\ne = 50\n';
/** The user's edit of v1: changes the first line (merges cleanly with v2). */
const edited = 'a = 10\nb = 2\nc = 3\nd = 4\ne = 5\n';
/** The user's edit of v1 on the line v2 changes (conflicts with v2). */
const clashing = 'a = 1\nb = 2\nc = 3\nd = 4\ne = 500\n';
const withMarkers = `a = 1\n<<<<<<< yours:${PATH}\ne = 500\n||||||| base:${PATH}\ne = 5\n=======\ne = 50\n>>>>>>> generator:${PATH}\n`;

const text = (t: string): DiskFile => ({ kind: 'text', text: t });
/** The manifest entry a run that wrote `written` from template output `template` leaves. */
const entry = (written: string, template = written): ManifestEntry => ({ sha256: sha256(written), template: sha256(template) });

interface Row {
  readonly name: string;
  /** What the templates produce now; undefined: the file is no longer generated. */
  readonly content?: string;
  readonly policy?: FilePolicy;
  readonly disk?: DiskFile;
  readonly previous?: ManifestEntry;
  readonly base?: string;
  readonly resolve?: 'skip' | 'force';
  readonly force?: boolean;
  readonly restore?: boolean;
  readonly action: Action;
  readonly reason: Reason;
  /** What the run writes into the file (undefined: nothing). */
  readonly write?: string | RegExp;
  readonly conflicts?: number;
}

const ROWS: readonly Row[] = [
  // Not on disk.
  { name: 'new file', content: v1, action: 'create', reason: 'new-file', write: v1 },
  { name: 'generated before, deleted by the user', content: v2, previous: entry(v1), base: v1, action: 'deleted-by-user', reason: 'user-deleted' },
  { name: 'deleted by the user, --restore', content: v2, previous: entry(v1), base: v1, restore: true, action: 'create', reason: 'restored', write: v2 },
  // Never written through.
  { name: 'a symlink', content: v1, disk: { kind: 'symlink', at: PATH }, action: 'blocked', reason: 'symlink' },
  { name: 'a symlink, even with --force', content: v1, disk: { kind: 'symlink', at: 'config' }, force: true, action: 'blocked', reason: 'symlink' },
  { name: 'a directory in the way', content: v1, disk: { kind: 'not-a-file', at: PATH }, action: 'blocked', reason: 'not-a-file' },
  { name: 'bytes that are not UTF-8', content: v1, disk: { kind: 'binary' }, previous: entry(v1), base: v1, action: 'blocked', reason: 'not-text' },
  { name: 'bytes that are not UTF-8, --force', content: v1, disk: { kind: 'binary' }, force: true, action: 'force', reason: 'forced', write: v1 },
  { name: 'bytes that are not UTF-8, create-once', content: v1, policy: 'create-once', disk: { kind: 'binary' }, action: 'keep', reason: 'created-once' },
  // .yo-resolve.
  { name: '.yo-resolve skip', content: v2, disk: text(edited), previous: entry(v1), base: v1, resolve: 'skip', action: 'skip', reason: 'yo-resolve-skip' },
  { name: '.yo-resolve force on an edited file', content: v2, disk: text(edited), previous: entry(v1), base: v1, resolve: 'force', action: 'force', reason: 'yo-resolve-force', write: v2 },
  // Text on disk.
  { name: 'already what the templates give', content: v1, disk: text(v1), previous: entry(v1), base: v1, action: 'identical', reason: 'up-to-date' },
  { name: 'already what the templates give, not generated before', content: v1, disk: text(v1), action: 'identical', reason: 'up-to-date' },
  { name: 'the generator state file', content: '{"b":2}\n', policy: 'state', disk: text('{"a":1}\n'), action: 'update', reason: 'stored-answers', write: '{"b":2}\n' },
  { name: 'create-once, edited', content: v2, policy: 'create-once', disk: text(edited), previous: entry(v1), base: v1, action: 'keep', reason: 'created-once' },
  { name: 'unedited, template changed', content: v2, disk: text(v1), previous: entry(v1), base: v1, action: 'update', reason: 'not-edited', write: v2 },
  { name: 'unedited by the hash alone, base copy damaged', content: v2, disk: text(v1), previous: entry(v1), base: 'garbage\n', action: 'update', reason: 'not-edited', write: v2 },
  { name: 'unedited CRLF file keeps CRLF', content: v2, disk: text(v1.replace(/\n/g, '\r\n')), previous: entry(v1), base: v1, action: 'update', reason: 'not-edited', write: v2.replace(/\n/g, '\r\n') },
  { name: 'edited, --force', content: v2, disk: text(edited), previous: entry(v1), base: v1, force: true, action: 'force', reason: 'forced', write: v2 },
  { name: 'still holds conflict markers', content: v2, disk: text(withMarkers), previous: entry(withMarkers, v1), base: v1, action: 'unresolved', reason: 'markers-present', conflicts: 3 },
  { name: 'edited, template unchanged', content: v1, disk: text(edited), previous: entry(v1), base: v1, action: 'keep', reason: 'user-edit-kept' },
  { name: 'edited, template unchanged, base copy damaged', content: v1, disk: text(edited), previous: entry(v1), base: 'garbage\n', action: 'keep', reason: 'user-edit-kept' },
  { name: 'edited, template changed elsewhere', content: v2, disk: text(edited), previous: entry(v1), base: v1, action: 'merge', reason: 'merged', write: 'a = 10\nb = 2\nc = 3\nd = 4\ne = 50\n' },
  { name: 'edited, template changed the same line', content: v2, disk: text(clashing), previous: entry(v1), base: v1, action: 'conflict', reason: 'conflicting-hunks', conflicts: 1, write: /^<<<<<<< yours:config\/app\.conf\ne = 500\n\|\|\|\|\|\|\| base:config\/app\.conf\ne = 5\n=======\ne = 50\n>>>>>>> generator:/m },
  { name: 'a file we never generated is in the way', content: v2, disk: text(edited), action: 'conflict', reason: 'conflicting-hunks', conflicts: 1, write: /^\|{7} base:config\/app\.conf\n=======\na = 1$/m },
  // The base is checked against the manifest's hash before use: the clean merge above becomes a conflict.
  { name: 'edited, base copy edited by hand', content: v2, disk: text(edited), previous: entry(v1), base: edited, action: 'conflict', reason: 'base-mismatch', conflicts: 1, write: /^<<<<<<< yours:/m },
  { name: 'edited, base copy gone', content: v2, disk: text(edited), previous: entry(v1), action: 'conflict', reason: 'base-missing', conflicts: 1, write: /^>>>>>>> generator:/m },
  // No longer generated.
  { name: 'no longer generated, unedited', disk: text(v1), previous: entry(v1), base: v1, action: 'delete', reason: 'no-longer-generated' },
  { name: 'no longer generated, edited', disk: text(edited), previous: entry(v1), base: v1, action: 'kept-removed', reason: 'no-longer-generated-edited' },
  { name: 'no longer generated, edited, base copy edited to match it', disk: text(edited), previous: entry(v1), base: edited, action: 'kept-removed', reason: 'no-longer-generated-edited' },
  { name: 'no longer generated, not UTF-8', disk: { kind: 'binary' }, previous: entry(v1), base: v1, action: 'kept-removed', reason: 'no-longer-generated-edited' },
  { name: 'no longer generated, still holds markers', disk: text(withMarkers), previous: entry(withMarkers, v1), base: v1, action: 'unresolved', reason: 'markers-present', conflicts: 3 },
  { name: 'no longer generated, a symlink now', disk: { kind: 'symlink', at: PATH }, previous: entry(v1), base: v1, action: 'blocked', reason: 'symlink' },
  { name: 'no longer generated, a directory now', disk: { kind: 'not-a-file', at: PATH }, previous: entry(v1), base: v1, action: 'blocked', reason: 'not-a-file' },
];

function planRow(row: Row): PlanEntry {
  const desired: DesiredFile[] = row.content === undefined ? [] : [{ path: PATH, content: row.content, ...(row.policy ? { policy: row.policy } : {}) }];
  const entries = plan({
    desired,
    readDisk: (path) => (path === PATH ? row.disk : undefined),
    ...(row.previous ? { previous: { generator: 'generator-gitmesh-devops', version: '0.0.1', files: { [PATH]: row.previous } } } : {}),
    readBase: (path) => (path === PATH ? row.base : undefined),
    resolve: () => row.resolve,
    force: row.force ?? false,
    restore: row.restore ?? false,
  });
  assert.equal(entries.length, 1, JSON.stringify(entries));
  return entries[0]!;
}

describe('plan(): one row per rule, every action and every typed reason (issue 20)', () => {
  for (const row of ROWS) {
    it(`${row.name} → ${row.action} (${row.reason})`, () => {
      const got = planRow(row);
      assert.equal(got.path, PATH);
      assert.deepEqual({ action: got.action, reason: got.reason }, { action: row.action, reason: row.reason });
      if (row.write === undefined) assert.equal(got.write, undefined, 'writes nothing');
      else if (typeof row.write === 'string') assert.equal(got.write, row.write);
      else assert.match(got.write ?? '', row.write);
      if (row.conflicts !== undefined) assert.equal(got.conflicts, row.conflicts);
      if (got.action === 'force') assert.equal(got.backup, `${BACKUP_DIR}/${PATH}`, 'a forced file is backed up first');
      // The report has words for every reason (the planner never needs them).
      assert.equal(typeof describeEntry(got), 'string');
    });
  }

  it('the table covers every action and every reason the planner declares', () => {
    const actions = new Set(ROWS.map((row) => row.action));
    const reasons = new Set(ROWS.map((row) => row.reason));
    assert.deepEqual(ACTIONS.filter((action) => !actions.has(action)), [], 'actions without a row');
    assert.deepEqual(REASONS.filter((reason) => !reasons.has(reason)), [], 'reasons without a row');
  });

  it('a base that failed its hash check is replaced by the new template output, and the manifest follows it', () => {
    const row = ROWS.find((r) => r.reason === 'base-mismatch')!;
    const got = planRow(row);
    assert.equal(nextBase(got, row.base), v2);
    const manifest = nextManifest([got], { generator: 'g', version: '1', files: { [PATH]: row.previous! } }, 'g', '2', () => row.base);
    assert.equal(manifest.files[PATH]!.template, sha256(v2));
    assert.equal(manifest.files[PATH]!.sha256, sha256(got.write!));
  });
});

describe('merge bases are checked against the manifest before use, through the real bin (issue 20)', function () {
  this.timeout(180_000);

  /** A user's edit at the top of the Makefile, and a newer generator that changes its bottom. */
  async function setUp(label: string): Promise<{ dir: string; newer: string; userMakefile: string }> {
    const dir = await mkdtemp(join(tmpdir(), `gitmesh-base-${label}-`));
    const first = await runBin(dir, ['--defaults']);
    assert.equal(first.exitCode, 0, first.stderr);
    const makefile = await readFile(join(dir, 'Makefile'), 'utf8');
    const userMakefile = makefile.replace(/\n/, '\n# our team note\n');
    await writeFile(join(dir, 'Makefile'), userMakefile);
    const newer = await mkdtemp(join(tmpdir(), `gitmesh-base-${label}-templates-`));
    await cp(TEMPLATES_DIR, newer, { recursive: true });
    const template = await readFile(join(newer, 'Makefile.ejs'), 'utf8');
    const patched = template.replace(/\.PHONY: logs\n/, '.PHONY: doctor\ndoctor: ## Check the host prerequisites\n\tdocker version\n\n.PHONY: logs\n');
    assert.notEqual(patched, template);
    await writeFile(join(newer, 'Makefile.ejs'), patched);
    return { dir, newer, userMakefile };
  }

  it('an intact base merges the edit and the upgrade cleanly (the control)', async () => {
    const { dir, newer } = await setUp('intact');
    const run = await runBin(dir, [], { GITMESH_DEVOPS_TEMPLATES: newer });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^ {2}merge +Makefile /m);
    const after = await readFile(join(dir, 'Makefile'), 'utf8');
    assert.match(after, /^# our team note$/m);
    assert.match(after, /^doctor: /m);
    await rm(dir, { recursive: true, force: true });
    await rm(newer, { recursive: true, force: true });
  });

  it('a base edited by hand is a conflict with every line kept, not a silent merge (nor an overwrite of the edit); exit 3', async () => {
    const { dir, newer, userMakefile } = await setUp('tampered');
    // The copy made to look like the user's file: trusted, it would make the edit look unedited and be overwritten.
    await writeFile(join(dir, '.gitmesh-devops/base/Makefile'), userMakefile);
    const run = await runBin(dir, [], { GITMESH_DEVOPS_TEMPLATES: newer });
    assert.equal(run.exitCode, 3, run.stdout + run.stderr);
    assert.match(run.stdout, /^ {2}conflict +Makefile +\(its merge base \(\.gitmesh-devops\/base\/Makefile\) is not what the manifest recorded, so nothing was merged: resolve the \d+ conflicting hunk\(s\)\)$/m);
    const after = await readFile(join(dir, 'Makefile'), 'utf8');
    assert.match(after, /^<<<<<<< yours:Makefile$/m);
    assert.match(after, /^# our team note$/m, 'the edit is kept inside the markers');
    assert.match(after, /^doctor: /m, 'the upgrade is offered inside the markers');
    // The base now holds the new template output again, matching the manifest.
    const manifest = JSON.parse(await readFile(join(dir, '.gitmesh-devops/manifest.json'), 'utf8'));
    assert.equal(manifest.files.Makefile.template, sha256(await readFile(join(dir, '.gitmesh-devops/base/Makefile'), 'utf8')));
    await rm(dir, { recursive: true, force: true });
    await rm(newer, { recursive: true, force: true });
  });
});

describe('merge bases stay out of reviews and linters of the generated repo (issue 20)', function () {
  this.timeout(180_000);

  it('git reads .gitattributes: base copies are linguist-generated and -diff, the files themselves are not; the CI shellcheck step lists the scripts but no copy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gitmesh-base-attrs-'));
    const run = await runBin(dir, ['--defaults']);
    assert.equal(run.exitCode, 0, run.stderr);
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: dir });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'generated');
    const attrs = (await git('check-attr', 'linguist-generated', 'diff', '--', '.gitmesh-devops/base/Makefile', 'Makefile')).stdout;
    assert.match(attrs, /^\.gitmesh-devops\/base\/Makefile: linguist-generated: set$/m);
    assert.match(attrs, /^\.gitmesh-devops\/base\/Makefile: diff: unset$/m);
    assert.match(attrs, /^Makefile: linguist-generated: unspecified$/m);
    assert.match(attrs, /^Makefile: diff: unspecified$/m);
    // A template change then shows once in git diff: the copy is named, its text is not.
    await writeFile(join(dir, 'Makefile'), `${await readFile(join(dir, 'Makefile'), 'utf8')}# changed\n`);
    await writeFile(join(dir, '.gitmesh-devops/base/Makefile'), `${await readFile(join(dir, '.gitmesh-devops/base/Makefile'), 'utf8')}# changed\n`);
    const diff = (await git('diff')).stdout;
    assert.equal(diff.match(/^\+# changed$/gm)?.length, 1, diff);
    assert.match(diff, /^Binary files a\/\.gitmesh-devops\/base\/Makefile and b\/\.gitmesh-devops\/base\/Makefile differ$/m);
    await git('checkout', '--', '.');

    // The file list of the generated CI's shellcheck step, run by bash as the runner would.
    const ci = parse(await readFile(join(dir, '.github/workflows/ci.yml'), 'utf8'));
    const step = (ci.jobs.lint.steps as Array<{ name?: string; run?: string }>).find((s) => s.name?.startsWith('shellcheck'));
    assert.ok(step?.run, 'the lint job has a shellcheck step');
    const list = step.run.split('|')[0]!.trim();
    assert.match(list, /^git ls-files /);
    const listed = (await execa('bash', ['-c', `${list} | tr '\\0' '\\n'`], { cwd: dir })).stdout.split('\n').filter(Boolean);
    const scripts = (await git('ls-files', '--', '*.sh')).stdout.split('\n').filter(Boolean);
    assert.ok(scripts.some((path) => path.startsWith('.gitmesh-devops/base/')), 'the repo holds base copies of scripts');
    assert.deepEqual(listed, scripts.filter((path) => !path.startsWith('.gitmesh-devops/')));
    assert.ok(listed.includes('scripts/generate-secrets.sh'), listed.join(' '));
    await rm(dir, { recursive: true, force: true });
  });
});
