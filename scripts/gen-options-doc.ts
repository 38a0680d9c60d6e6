/** Writes docs/options.md and the README's flag table from the option declarations. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionsMarkdown, withReadmeFlagTable } from '../generators/lib/options-doc.js';

writeFileSync(join(process.cwd(), 'docs', 'options.md'), optionsMarkdown());
const readme = join(process.cwd(), 'README.md');
writeFileSync(readme, withReadmeFlagTable(readFileSync(readme, 'utf8')));
console.log('wrote docs/options.md and the flag table of README.md');
