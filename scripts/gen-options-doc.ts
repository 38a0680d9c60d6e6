/** Writes docs/options.md from the option declarations. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionsMarkdown } from '../generators/lib/options-doc.js';

writeFileSync(join(process.cwd(), 'docs', 'options.md'), optionsMarkdown());
console.log('wrote docs/options.md');
