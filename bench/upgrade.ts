/** Upgrade timing (issue #7): a no-op rerun and a real upgrade (patched template set) of the default repo. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { measure, ratios, table } from './harness.js';

const BIN = join(process.cwd(), 'dist/bin/gitmesh-devops.js');

export async function run(): Promise<string[]> {
  const work = await mkdtemp(join(tmpdir(), 'gitmesh-bench-upgrade-'));
  const templates = join(work, 'templates-new');
  await cp(join(process.cwd(), 'templates'), templates, { recursive: true });
  const compose = join(templates, 'compose.yaml.ejs');
  // compose.yaml's services are serialised from the model; its template holds the prose header.
  const text = await readFile(compose, 'utf8');
  const changed = text.replace('restart policy, log rotation,', 'restart policy, rotated logs,');
  if (changed === text) throw new Error('the upgrade fixture no longer changes compose.yaml.ejs');
  await writeFile(compose, changed);
  const base = join(work, 'base');
  await execa('node', [BIN, '--defaults', '--output', base]);
  // The team's edit, so the upgrade merges instead of just overwriting.
  const file = join(base, 'compose.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('memory: 4G', 'memory: 6G'));
  const repo = join(work, 'repo');
  const reset = async () => {
    await rm(repo, { recursive: true, force: true });
    await cp(base, repo, { recursive: true });
  };
  const results = await measure([
    { label: 'no-op rerun (default repo)', cmd: ['node', BIN], cwd: repo, prepare: reset },
    { label: 'upgrade with a changed template', cmd: ['node', BIN], cwd: repo, env: { ...process.env, GITMESH_DEVOPS_TEMPLATES: templates } as Record<string, string>, prepare: reset },
  ]);
  return ['## Regeneration and upgrade', '', ...table(results), '', ...ratios([{ label: 'upgrade / no-op rerun', a: results[1]!, b: results[0]! }])];
}
