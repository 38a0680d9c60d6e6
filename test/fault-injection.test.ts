/**
 * Issue 19 (R5, R6): the generator's node process is killed (SIGKILL) at many points of the write
 * phase of a first run and of a regeneration; each time, the same command run again must leave the
 * repo byte for byte (contents, modes, directories) as an uninterrupted run does.
 *
 * Deterministic kill points come from the test hook GITMESH_DEVOPS_FAULT_AFTER_WRITES=N (the run
 * SIGKILLs itself right after its N-th file system change) and GITMESH_DEVOPS_WRITE_TRACE (one line
 * per change), so the points are spread over the whole write phase, including its phase boundaries;
 * a few kills from outside at timed delays cover what the hook cannot.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { TEMPLATES_DIR } from '../generators/lib/render.js';
import { BIN, repoState, runBin, stateDiff } from './support/repo-state.js';

const tmp = (label: string) => mkdtemp(join(tmpdir(), `gitmesh-fault-${label}-`));

interface Step {
  readonly n: number;
  readonly op: string;
  readonly path: string;
}

async function traced(dir: string, args: string[], env: Record<string, string>): Promise<Step[]> {
  const trace = join(await tmp('trace'), 'trace');
  const run = await runBin(dir, args, { ...env, GITMESH_DEVOPS_WRITE_TRACE: trace });
  assert.ok([0, 3].includes(run.exitCode!), run.stdout + run.stderr);
  return (await readFile(trace, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => {
      const [n, op, ...path] = line.split(' ');
      return { n: Number(n), op: op!, path: path.join(' ') };
    });
}

/**
 * Kill points: both ends, the phase boundaries (first staged file, the journal's commit ±1, first
 * rename, the .yo-rc.json and manifest renames, the journal's removal) and evenly spread points.
 */
function killPoints(steps: readonly Step[], spread: number): number[] {
  const total = steps.length;
  const at = (predicate: (step: Step) => boolean): number => steps.find(predicate)?.n ?? 1;
  const commit = at((step) => step.op === 'commit');
  const points = new Set<number>([1, total, commit - 1, commit]);
  points.add(at((step) => step.op === 'stage'));
  points.add(at((step) => step.op === 'rename'));
  points.add(at((step) => step.op === 'rename' && step.path === '.yo-rc.json'));
  points.add(at((step) => step.op === 'rename' && step.path === '.gitmesh-devops/manifest.json'));
  points.add(at((step) => step.op === 'done'));
  for (let i = 1; i <= spread; i += 1) points.add(Math.round((total * i) / (spread + 1)));
  return [...points].filter((n) => n >= 1 && n <= total).sort((a, b) => a - b);
}

/** Runs `task` over `items`, two at a time (the machine has two cores). */
async function inPairs<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 2) results.push(...(await Promise.all(items.slice(i, i + 2).map(task))));
  return results;
}

/** Runs `args` killed after write n, then the same command plainly; returns the repo state. */
async function killThenRerun(prepared: () => Promise<string>, args: string[], env: Record<string, string>, n: number): Promise<{ dir: string; killed: boolean }> {
  const dir = await prepared();
  const killed = await runBin(dir, args, { ...env, GITMESH_DEVOPS_FAULT_AFTER_WRITES: String(n) });
  const rerun = await runBin(dir, args, env);
  assert.ok([0, 3].includes(rerun.exitCode!), `rerun after a kill at write ${n}: ${rerun.stdout}${rerun.stderr}`);
  return { dir, killed: killed.signal === 'SIGKILL' };
}

describe('fault injection: SIGKILL during the write phase, then a plain rerun (issue 19 R5, R6)', function () {
  this.timeout(300_000);

  it('first run: every kill point, plus timed kills, reruns to the uninterrupted repo byte for byte', async () => {
    const baselineDir = await tmp('first-baseline');
    const steps = await traced(baselineDir, ['--defaults'], {});
    const expected = await repoState(baselineDir);
    // The write order the recovery relies on: nothing is truncated in place, the manifest and .yo-rc.json land last.
    const renames = steps.filter((step) => step.op === 'rename').map((step) => step.path);
    assert.deepEqual(renames.slice(-2), ['.yo-rc.json', '.gitmesh-devops/manifest.json']);
    assert.ok(steps.findIndex((step) => step.op === 'commit') < steps.findIndex((step) => step.op === 'rename'), 'the plan is journalled before the first rename');
    assert.ok(!steps.some((step) => step.op === 'write'), 'no file is written in place');

    const points = killPoints(steps, 3);
    let kills = 0;
    await inPairs(points, async (n) => {
      const { dir, killed } = await killThenRerun(() => tmp('first'), ['--defaults'], {}, n);
      if (killed) kills += 1;
      assert.deepEqual(stateDiff(expected, await repoState(dir)), [], `first run killed after write ${n} (${steps[n - 1]?.op} ${steps[n - 1]?.path})`);
    });
    assert.ok(kills >= points.length - 1, `${kills} of ${points.length} runs were killed`);

    // Kills from outside at delays spread over a whole run (start-up included).
    const started = Date.now();
    await runBin(await tmp('timing'), ['--defaults']);
    const duration = Date.now() - started;
    for (const fraction of [0.7, 0.9]) {
      const dir = await tmp('timed');
      const child = execa('node', [BIN, '--defaults'], { cwd: dir, reject: false, stdin: 'ignore' });
      setTimeout(() => child.kill('SIGKILL'), Math.round(duration * fraction));
      await child;
      const rerun = await runBin(dir, ['--defaults']);
      assert.equal(rerun.exitCode, 0, rerun.stderr);
      assert.deepEqual(stateDiff(expected, await repoState(dir)), [], `first run killed after ${fraction * 100}% of a run`);
    }
    console.log(`      first run: ${steps.length} writes traced, ${points.length} hook kill points (${kills} killed), 2 timed kills`);
  });

  it('regeneration (upgrade, answer change, a merge, a conflict, deletions): every kill point reruns to the uninterrupted repo', async () => {
    const templates = await tmp('templates');
    await cp(TEMPLATES_DIR, templates, { recursive: true });
    const makefile = join(templates, 'Makefile.ejs');
    await writeFile(makefile, (await readFile(makefile, 'utf8')).replace(/\.PHONY: logs\n/, '.PHONY: doctor\ndoctor: ## Check the host prerequisites\n\tdocker version\n\n.PHONY: logs\n'));
    const readmeTemplate = join(templates, 'README.md.ejs');
    await writeFile(readmeTemplate, (await readFile(readmeTemplate, 'utf8')).replace('This repository was generated by `generator-gitmesh-devops`', 'This repository is maintained with `generator-gitmesh-devops`'));
    const env = { GITMESH_DEVOPS_TEMPLATES: templates };
    const args = ['--size-profile', 'small', '--no-monitoring'];

    const base = await tmp('regen-base');
    assert.equal((await runBin(base, ['--defaults'])).exitCode, 0);
    await writeFile(join(base, 'Makefile'), `${await readFile(join(base, 'Makefile'), 'utf8')}\n.PHONY: ours\nours: ## our target\n\t@true\n`);
    const readme = await readFile(join(base, 'README.md'), 'utf8');
    await writeFile(join(base, 'README.md'), readme.replace('This repository was generated by `generator-gitmesh-devops`', 'Our own words'));
    const copy = async (): Promise<string> => {
      const dir = await tmp('regen');
      await cp(base, dir, { recursive: true });
      return dir;
    };

    const uninterrupted = await copy();
    const steps = await traced(uninterrupted, args, env);
    const expected = await repoState(uninterrupted);
    assert.ok(steps.some((step) => step.op === 'delete'), 'the regeneration deletes files');

    const points = killPoints(steps, 3);
    let kills = 0;
    await inPairs(points, async (n) => {
      const { dir, killed } = await killThenRerun(copy, args, env, n);
      if (killed) kills += 1;
      assert.deepEqual(stateDiff(expected, await repoState(dir)), [], `regeneration killed after write ${n} (${steps[n - 1]?.op} ${steps[n - 1]?.path})`);
    });
    assert.ok(kills >= points.length - 1, `${kills} of ${points.length} runs were killed`);
    console.log(`      regeneration: ${steps.length} writes traced, ${points.length} kill points (${kills} killed)`);
  });
});
