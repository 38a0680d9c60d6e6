/** Repo plumbing: Makefile, secrets script, ignore files, editor config, env example, submodule. */
import { productionComposeFiles } from '../prepare/compose.js';
import type { Manifest } from './types.js';

export const baseFiles: Manifest = (model) => [
  { path: 'Makefile', template: 'Makefile.ejs', locals: { composeFiles: productionComposeFiles(model) } },
  { path: 'scripts/generate-secrets.sh', template: 'scripts/generate-secrets.sh.ejs', executable: true },
  { path: '.gitignore', template: 'gitignore.ejs' },
  { path: '.editorconfig', template: 'editorconfig.ejs' },
  // Folds the merge-base copies out of pull-request diffs and language statistics.
  { path: '.gitattributes', template: 'gitattributes.ejs' },
  { path: '.gitmodules', template: 'gitmodules.ejs' },
  // Teams add their own variables here; it is theirs after the first run.
  { path: '.env.example', template: 'env.example.ejs' },
  { path: 'secrets/.gitkeep', template: 'secrets/gitkeep.ejs' },
];
