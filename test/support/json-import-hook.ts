// Node module-customization hook, registered by validators.ts before it imports
// @actions/workflow-parser. That package does `import X from "../workflow-v1.0.min.json"`
// without `with { type: "json" }` (it is meant for bundlers); Node refuses such imports.
// Supplying the attribute at resolve time makes Node load those files as JSON modules.
// Scoped to that one package so nothing else in the test process changes behaviour.
import type { ResolveHook } from 'node:module';

const PACKAGE_DIR = '/node_modules/@actions/workflow-parser/';

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const result = await nextResolve(specifier, context);
  if (result.url.endsWith('.json') && result.url.includes(PACKAGE_DIR)) {
    return { ...result, importAttributes: { ...context.importAttributes, type: 'json' } };
  }
  return result;
};
