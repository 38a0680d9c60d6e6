/**
 * Property-test values derived from the option declarations (generators/lib/options.ts), never
 * written per option: a new option, choice, bound or limit is covered the day it is declared.
 *
 * - boolean: both; choice: every choice; multi: any ordered subset of the choices (now and then the empty one);
 * - number: min, max, the default and any integer between;
 * - string: the default (a computed one from the default answers), or now and then the default stretched
 *   to its declared length limit (or one short of it); list: empty, or one or two items shaped the same way;
 * - json (the onboarded services): any subset of one service per service kind, built from the
 *   add-service field examples (onboarding.ts `SERVICE_FIELDS`) through `serviceFromFlags`.
 *
 * `rawAnswers()` draws every option; `validAnswers()` keeps the draws that `resolveAnswers` accepts
 * (cross-checks included). Draw with a fixed seed so runs are deterministic.
 */
import fc from 'fast-check';
import { resolveAnswers, type RawAnswers } from '../../generators/lib/answers.js';
import { SERVICE_KINDS } from '../../generators/lib/catalog.js';
import { SERVICE_FIELDS, serviceFromFlags } from '../../generators/lib/onboarding.js';
import { declarationOf, OPTION_NAMES, type AnyDecl, type Answers, type OptionName } from '../../generators/lib/options.js';

/** Used where a list declaration has no default item to shape values after (extra server names). */
const LIST_EXAMPLE = 'extra.example.com';

/** `example` stretched to `length` characters while keeping its shape (letters added to its last word). */
export function padTo(example: string, length: number): string {
  if (example.length >= length) return example.slice(0, Math.max(length, 1));
  const match = /^(.*?)([a-z]+)([^a-z]*)$/i.exec(example);
  if (!match) return example + 'a'.repeat(length - example.length);
  const [, head, word, tail] = match;
  return `${head}${word}${'a'.repeat(length - example.length)}${tail}`;
}

const defaultAnswers = (): Answers => resolveAnswers({}, { useDefaults: true }).answers!;

/** The default of a declaration as text, computed from the default answers when it derives from others. */
function exampleOf(decl: AnyDecl): string {
  const value = typeof decl.default === 'function' ? (decl.default as (a: Answers) => unknown)(defaultAnswers()) : decl.default;
  return Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '');
}

/**
 * Kinds drawn without a port (and so without a health path or route), as the port prompt says a worker
 * is added. KNOWN DEFECT, found by the property in generate.test.ts and left to the service-kind traits
 * (issue 20, 20-M): validation accepts `--port` for a python-worker, but its Dockerfile then has a
 * wget/curl HEALTHCHECK the python slim image lacks and no EXPOSE. Remove the kind from this list
 * once that is fixed (or refused in validation).
 */
const WITHOUT_PORT: ReadonlySet<string> = new Set(['python-worker']);

/** One onboarded service per kind, from the add-service examples (names, routes, env and secrets kept unique). */
export function customServiceCandidates(): Record<string, unknown>[] {
  const answers = defaultAnswers();
  const examples = Object.fromEntries(SERVICE_FIELDS.filter((field) => field.example !== undefined).map((field) => [field.flag, field.example!]));
  return SERVICE_KINDS.map((kind, index) => {
    const name = `custom-${kind}`;
    const prefix = name.replace(/-/g, '_');
    const flags: Record<string, string> = {
      ...examples,
      name,
      kind,
      port: String(9100 + index),
      route: `/${name}/`,
      // A prebuilt image is named by repository:tag; every other kind by its path in the checkout.
      source: kind === 'image' ? `ghcr.io/acme/${name}:1.0.0` : `services/apps/${name}`,
      'env-vars': `${prefix.toUpperCase()}_${examples['env-vars']}`,
      secrets: `${prefix}_${examples.secrets}`,
      'external-secrets': `${prefix}_${examples['external-secrets']}`,
    };
    if (WITHOUT_PORT.has(kind)) for (const flag of ['port', 'health-path', 'route']) delete flags[flag];
    const { service, problems } = serviceFromFlags(flags, answers);
    if (problems.length) throw new Error(`add-service examples for kind ${kind} are refused: ${problems.join('; ')}`);
    return service;
  });
}

/** The raw value of one option, as a flag or answers file gives it, derived from its declaration. */
export function valueArbitrary(decl: AnyDecl): fc.Arbitrary<unknown> {
  switch (decl.type) {
    case 'boolean':
      return fc.boolean();
    case 'number':
      return fc.oneof(fc.constantFrom(decl.min, decl.max, decl.default as number), fc.integer({ min: decl.min, max: decl.max }));
    case 'choice':
      return fc.constantFrom(...decl.choices);
    case 'multi':
      // Subsets keep the declaration's order (the promotion order of environments, for one).
      // The empty set (refused when one is required) is drawn now and then, not a quarter of the time.
      return fc.oneof({ arbitrary: fc.subarray([...decl.choices], { minLength: 1 }), weight: 9 }, { arbitrary: fc.constant([]), weight: 1 }).map((items) => items.join(','));
    case 'string': {
      const example = exampleOf(decl);
      // At the limit is rare: a value that long is mostly refused (a DNS label, an email), and the
      // free-text property (answers-property.test.ts) explores those values on its own.
      return fc.oneof({ arbitrary: fc.constant(example), weight: 9 }, { arbitrary: fc.integer({ min: -1, max: 0 }).map((delta) => padTo(example, decl.limit.max + delta)), weight: 1 });
    }
    case 'list': {
      const example = exampleOf(decl) || LIST_EXAMPLE;
      const item = fc.oneof({ arbitrary: fc.constant(example), weight: 9 }, { arbitrary: fc.constant(padTo(example, decl.limit.max)), weight: 1 });
      return fc.oneof(fc.constant(''), fc.uniqueArray(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 2 }).chain((ids) => fc.tuple(...ids.map((id) => item.map((text) => (id ? `a${text}` : text)))).map((items) => items.join(','))));
    }
    case 'json':
      return fc.subarray(customServiceCandidates());
  }
}

/** Every option drawn from its declaration (hidden ones too), as raw answers. */
export function rawAnswers(): fc.Arbitrary<RawAnswers> {
  return fc.record(Object.fromEntries(OPTION_NAMES.map((name) => [name, valueArbitrary(declarationOf(name))])) as Record<OptionName, fc.Arbitrary<unknown>>) as fc.Arbitrary<RawAnswers>;
}

/** Draws validation accepts, with their resolved answers. */
export function validAnswers(): fc.Arbitrary<{ raw: RawAnswers; answers: Answers }> {
  return rawAnswers()
    .map((raw) => ({ raw, answers: resolveAnswers(raw, { useDefaults: true }).answers }))
    .filter((draw): draw is { raw: RawAnswers; answers: Answers } => draw.answers !== undefined);
}
