/** The generated repo's README and docs/. */
import type { Manifest } from './types.js';

export const docsFiles: Manifest = () => [
  { path: 'README.md', template: 'README.md.ejs' },
  { path: 'docs/architecture.md', template: 'docs/architecture.md.ejs' },
  { path: 'docs/services.md', template: 'docs/services.md.ejs' },
];
