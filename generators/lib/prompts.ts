/** Inquirer questions derived from the option declarations: same text, default, choices and validation. */
import { coerce, defaultOf } from './answers.js';
import { declarationOf, type AnswerBag, type OptionName } from './options.js';

export interface Question {
  readonly type: 'input' | 'confirm' | 'list' | 'checkbox' | 'number';
  readonly name: string;
  readonly message: string;
  readonly default?: unknown;
  readonly choices?: readonly { name: string; value: string; checked?: boolean }[];
  readonly validate?: (input: unknown) => true | string;
  readonly filter?: (input: unknown) => unknown;
}

export function questionFor(name: OptionName, bag: AnswerBag): Question | undefined {
  const decl = declarationOf(name);
  if (decl.hidden || decl.type === 'json') return undefined;
  if (decl.when && !decl.when(bag)) return undefined;
  const fallback = defaultOf(decl, bag);
  // Prompts re-ask until the value coerces and passes the declaration's own validator.
  const validate = (input: unknown): true | string => {
    const coerced = coerce(decl, input);
    if (coerced.problem) return coerced.problem;
    const problem = (decl.validate as ((v: unknown, a: AnswerBag) => string | undefined) | undefined)?.(coerced.value, bag);
    return problem ?? true;
  };
  const base = { name, message: decl.message, validate };
  switch (decl.type) {
    case 'boolean':
      return { ...base, type: 'confirm', default: fallback };
    case 'choice':
      return { ...base, type: 'list', default: fallback, choices: decl.choices.map((value) => ({ name: value, value })) };
    case 'multi': {
      const selected = new Set(fallback as string[]);
      return { ...base, type: 'checkbox', default: fallback, choices: decl.choices.map((value) => ({ name: value, value, checked: selected.has(value) })) };
    }
    case 'list':
      return { ...base, type: 'input', default: (fallback as string[]).join(','), filter: (input) => String(input).split(',').map((s) => s.trim()).filter(Boolean) };
    case 'number':
      return { ...base, type: 'input', default: String(fallback), filter: (input) => (String(input).trim() === '' ? input : Number(input)) };
    default:
      return { ...base, type: 'input', default: fallback };
  }
}
