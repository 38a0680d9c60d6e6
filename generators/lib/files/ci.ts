/**
 * CI/CD files: GitHub Actions workflows (ci, deploy, rollback, release), Dependabot, compose.tools.yaml,
 * the host-side deploy/rollback scripts and the docs/ci-cd.md runbook. Every decision is in the model's
 * CI view (prepare/ci.ts, built once by prepare()); the templates only print it.
 */
import { TOOLS_COMPOSE_FILE } from '../ci-actions.js';
import { E2E_EXPECTATIONS } from '../prepare/ci.js';
import { composeToolsYaml } from './compose-yaml.js';
import type { Manifest } from './types.js';

/** Deploy scripts: output path → template. `lib.sh` is sourced, never run, so it is not executable. */
const SCRIPTS: readonly { readonly name: string; readonly executable: boolean }[] = [
  { name: 'lib.sh', executable: false },
  { name: 'deploy.sh', executable: true },
  { name: 'rollback.sh', executable: true },
  { name: 'smoke-test.sh', executable: true },
  { name: 'status.sh', executable: true },
  { name: 'remote.sh', executable: true },
  { name: 'release-notes.sh', executable: true },
];

export const ciFiles: Manifest = (model) => {
  const view = model.views.ci;
  return [
    { path: '.github/workflows/ci.yml', template: 'github/workflows/ci.yml.ejs', locals: { view } },
    { path: '.github/workflows/deploy.yml', template: 'github/workflows/deploy.yml.ejs', locals: { view } },
    { path: '.github/workflows/rollback.yml', template: 'github/workflows/rollback.yml.ejs', locals: { view } },
    { path: '.github/workflows/release.yml', template: 'github/workflows/release.yml.ejs', locals: { view } },
    { path: '.github/workflows/rescan.yml', template: 'github/workflows/rescan.yml.ejs', locals: { view } },
    { path: '.github/dependabot.yml', template: 'github/dependabot.yml.ejs', locals: { view } },
    { path: TOOLS_COMPOSE_FILE, template: 'compose.tools.yaml.ejs', locals: { view, yaml: composeToolsYaml(view.toolServices) } },
    ...SCRIPTS.map((script) => ({
      path: `scripts/deploy/${script.name}`,
      template: `scripts/deploy/${script.name}.ejs`,
      locals: { view },
      ...(script.executable ? { executable: true } : {}),
    })),
    ...(view.e2e ? [{ path: 'scripts/ci/e2e-stack.sh', template: 'scripts/ci/e2e-stack.sh.ejs', locals: { view, E2E: E2E_EXPECTATIONS }, executable: true }] : []),
    { path: 'docs/ci-cd.md', template: 'docs/ci-cd.md.ejs', locals: { view } },
  ];
};
