/** Repo plumbing: Makefile, secrets script, ignore files, editor config, env example, submodule. */
import type { DeploymentModel } from '../model.js';
import { tracedServices } from './monitoring.js';
import type { Manifest } from './types.js';

/** The compose files a production host runs together (the development override is not one of them). */
export function productionComposeFiles(model: DeploymentModel): string[] {
  const monitoring = model.settings.monitoring;
  // compose.tracing.yaml adds the OTLP variables to the Node services when the collector runs.
  return ['compose.yaml', ...(monitoring ? ['compose.monitoring.yaml'] : []), ...(tracedServices(model).length ? ['compose.tracing.yaml'] : [])];
}

export const baseFiles: Manifest = (model) => [
  { path: 'Makefile', template: 'Makefile.ejs', locals: { composeFiles: productionComposeFiles(model) } },
  { path: 'scripts/generate-secrets.sh', template: 'scripts/generate-secrets.sh.ejs', executable: true },
  { path: '.gitignore', template: 'gitignore.ejs' },
  { path: '.editorconfig', template: 'editorconfig.ejs' },
  { path: '.gitmodules', template: 'gitmodules.ejs' },
  // Teams add their own variables here; it is theirs after the first run.
  { path: '.env.example', template: 'env.example.ejs' },
  { path: 'secrets/.gitkeep', template: 'secrets/gitkeep.ejs' },
];
