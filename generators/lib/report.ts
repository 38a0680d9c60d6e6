/**
 * What a run tells the user, built from the planner's typed decisions: one line per file the run
 * touches or the user must know about (never the merge bases or the manifest), then a summary with
 * counts and the next steps. The Yeoman generators and the bin print exactly these lines.
 */
import { BACKUP_DIR, BASE_DIR, type Action, type PlanEntry, type Reason } from './planner.js';
import type { PlannedRun } from './pipeline.js';

/** Per-file lines are printed for these actions; identical and kept files are only counted. */
const SHOWN: ReadonlySet<Action> = new Set(['create', 'update', 'merge', 'conflict', 'unresolved', 'blocked', 'force', 'delete', 'skip', 'deleted-by-user', 'kept-removed']);

const WIDTH = 16;

export function describe(entry: PlanEntry): string {
  const texts: Record<Reason, string> = {
    'new-file': '',
    restored: 'restored (--restore)',
    'user-deleted': 'you deleted it; --restore brings it back',
    'yo-resolve-skip': '.yo-resolve says skip',
    'up-to-date': 'up to date',
    'created-once': 'created once, then yours',
    'not-edited': '',
    'user-edit-kept': 'your edit; the template did not change',
    merged: 'your edits and the template changes merged cleanly',
    'conflicting-hunks': `${entry.conflicts ?? 0} conflicting hunk(s): resolve the markers`,
    'base-mismatch': `its merge base (${BASE_DIR}/${entry.path}) is not what the manifest recorded, so nothing was merged: resolve the ${entry.conflicts ?? 0} conflicting hunk(s)`,
    'base-missing': `its merge base (${BASE_DIR}/${entry.path}) is missing, so nothing was merged: resolve the ${entry.conflicts ?? 0} conflicting hunk(s)`,
    'markers-present': `still has ${entry.conflicts ?? 0} conflict marker line(s): resolve them`,
    forced: `--force; your version is saved as ${entry.backup ?? ''}`,
    'yo-resolve-force': `.yo-resolve says force; your version is saved as ${entry.backup ?? ''}`,
    'no-longer-generated': 'no longer generated and never edited',
    'no-longer-generated-edited': 'no longer generated, but you edited it: kept',
    'stored-answers': '',
    symlink:
      entry.blockedAt === undefined || entry.blockedAt === entry.path
        ? 'a symlink: the generator never writes through one; replace it with a regular file'
        : `${entry.blockedAt} is a symlink: the generator never writes through one; replace it with a regular directory`,
    'not-a-file': `${entry.blockedAt ?? entry.path} is ${entry.blockedAt && entry.blockedAt !== entry.path ? 'a file where a directory goes' : 'not a regular file'}: move it away`,
    'not-text': `not UTF-8 text: left byte for byte as it is; convert it to UTF-8 or move it away, or run with --force (a byte-for-byte copy goes to ${BACKUP_DIR}/)`,
  };
  return texts[entry.reason];
}

export function actionLine(entry: PlanEntry): string {
  const why = describe(entry);
  return `  ${entry.action.padEnd(WIDTH)}${entry.path}${why ? `  (${why})` : ''}`;
}

export function actionLines(entries: readonly PlanEntry[]): string[] {
  return entries.filter((entry) => SHOWN.has(entry.action)).map(actionLine);
}

const COUNT_WORDS: ReadonlyArray<readonly [Action, string]> = [
  ['create', 'created'],
  ['update', 'updated'],
  ['merge', 'merged'],
  ['force', 'forced'],
  ['conflict', 'with new conflicts'],
  ['unresolved', 'still unresolved'],
  ['blocked', 'blocked'],
  ['delete', 'deleted'],
  ['skip', 'skipped (.yo-resolve)'],
  ['deleted-by-user', 'deleted by you'],
  ['kept-removed', 'no longer generated but kept'],
];

/** "5 created, 2 updated; 140 unchanged (3 with your edits)". */
export function countsLine(run: PlannedRun): string {
  const counts = run.summary.counts;
  const parts = COUNT_WORDS.filter(([action]) => counts[action]).map(([action, word]) => `${counts[action]} ${word}`);
  const unchanged = (counts.identical ?? 0) + (counts.keep ?? 0);
  const tail = unchanged ? `${unchanged} unchanged${counts.keep ? ` (${counts.keep} with your edits)` : ''}` : '';
  return [parts.join(', '), tail].filter(Boolean).join('; ');
}

export interface ReportContext {
  readonly version: string;
  /** Extra next steps from the caller (onboarding: .env keys, secrets). */
  readonly notes?: readonly string[];
}

/** Printed before the file lines: the generator upgrade, when the manifest records another version. */
export function headerLines(run: PlannedRun, context: ReportContext): string[] {
  const from = run.previous?.version;
  return from && from !== context.version ? [`Upgrading the repo from ${run.manifest.generator} ${from} → ${context.version}`] : [];
}

export function summaryLines(run: PlannedRun, context: ReportContext): string[] {
  const { summary } = run;
  const lines: string[] = [];
  const needsWork = summary.conflicts.length + summary.unresolved.length + summary.blocked.length > 0;
  if (!summary.changed && !needsWork) lines.push('Nothing to change: the repo matches the answers.');
  else lines.push('', `Done: ${countsLine(run)}.`);
  if (summary.conflicts.length) {
    lines.push('', `${summary.conflicts.length} file(s) have conflict markers to resolve:`, ...summary.conflicts.map((path) => `  ${path}`));
  }
  if (summary.unresolved.length) {
    lines.push('', `${summary.unresolved.length} file(s) still have unresolved conflict markers from an earlier run:`, ...summary.unresolved.map((path) => `  ${path}`));
  }
  if (summary.blocked.length) {
    lines.push('', `${summary.blocked.length} file(s) blocked (symlinks, bytes that are not UTF-8, or something else in the way), left untouched:`, ...summary.blocked.map((path) => `  ${path}`));
  }
  const steps = nextSteps(run, context);
  if (steps.length) lines.push('', 'Next steps:', ...steps.map((step) => `  - ${step}`));
  return lines;
}

function nextSteps(run: PlannedRun, context: ReportContext): string[] {
  const { summary } = run;
  const steps: string[] = [];
  if (summary.conflicts.length || summary.unresolved.length) {
    steps.push(
      'Edit each file listed above: keep the lines you want between `<<<<<<< yours:`, `||||||| base:`, `=======` and `>>>>>>> generator:`, and remove the marker lines.',
      'Run the generator again: it exits 3 until no file holds a marker.',
    );
  }
  if (summary.blocked.length) steps.push('Fix each blocked file as its line says, then run the generator again: it exits 3 while any is blocked.');
  steps.push(...(context.notes ?? []));
  if (!run.previous && summary.counts.create) {
    steps.push(
      'Commit the generated repo: git add -A && git commit -m "GitMesh CE deployment"',
      'make source          add the gitmesh/ submodule at the pinned ref',
      'make secrets         create the secrets (developer machine without sudo: make dev-secrets)',
      'make config          create .env from .env.example (edit it), then validate the compose files',
      'make up              start the stack; README.md and docs/ explain the rest',
    );
  } else if (summary.changed) {
    steps.push('Review the changes with git diff, then commit them.');
  }
  if (summary.counts.force) steps.push(`Your overwritten versions are in .gitmesh-devops/backup/ (git-ignored); delete them when you no longer need them.`);
  return steps;
}
