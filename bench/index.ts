/**
 * `npm run bench [-- --only generation,upgrade,edge,edge-instructions,backup]`: every benchmark in one
 * place, each a section that can run alone. Figures are printed, never asserted: this is not a test.
 */
const SECTIONS: Record<string, () => Promise<{ run: () => Promise<string[]> }>> = {
  generation: () => import('./generation.js'),
  upgrade: () => import('./upgrade.js'),
  edge: () => import('./edge.js'),
  'edge-instructions': () => import('./edge-instructions.js'),
  backup: () => import('./backup.js'),
};

async function main(): Promise<void> {
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex >= 0 ? (process.argv[onlyIndex + 1] ?? '').split(',') : Object.keys(SECTIONS);
  const unknown = only.filter((name) => !(name in SECTIONS));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')}; choose from ${Object.keys(SECTIONS).join(', ')}`);
  for (const name of only) {
    const started = Date.now();
    const lines = await (await SECTIONS[name]!()).run();
    console.log(`${lines.join('\n')}\n(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
