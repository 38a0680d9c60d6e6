/**
 * The generated repo the rehearsals check: every catalog service (standard and opt-in), so every
 * Dockerfile, route and wiring rule is exercised. Generated once per test run.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG } from '../../../generators/lib/catalog.js';
import { generate, type Generated } from '../generate.js';

export const ALL_SERVICES = { services: CATALOG.map((entry) => entry.name).join(','), tlsMode: 'self-signed' } as const;

let repo: Promise<Generated> | undefined;

export function allServicesRepo(): Promise<Generated> {
  repo ??= generate(ALL_SERVICES);
  return repo;
}

const views: string[] = [];
process.on('exit', () => {
  for (const view of views) rmSync(view, { recursive: true, force: true });
});

/**
 * Build context of an image on the host: the pinned tree for `gitmesh`; otherwise a view of the
 * generated repo (its top-level entries linked) with gitmesh/ linked to the pinned tree, as the
 * repo's submodule checkout would be.
 */
export function buildContext(repoDir: string, upstreamRoot: string, context: string): string {
  if (context === 'gitmesh') return upstreamRoot;
  const root = mkdtempSync(join(tmpdir(), 'gitmesh-rehearsal-context-'));
  views.push(root);
  symlinkSync(upstreamRoot, join(root, 'gitmesh'));
  for (const entry of readdirSync(repoDir)) if (entry !== 'gitmesh') symlinkSync(join(repoDir, entry), join(root, entry));
  return join(root, context);
}
