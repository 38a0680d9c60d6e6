/**
 * Inquirer questions derived from the option declarations (same text, default, choices and
 * validation), and the interview that asks them in declaration order, so every `when` and computed
 * default sees the answers given so far. Prompt types are inquirer's current ones (`select`, not the
 * deprecated `list`).
 */
import { coerce, defaultOf, type RawAnswers } from './answers.js';
import { declarationOf, OPTION_NAMES, type AnswerBag, type AnyDecl, type OptionName } from './options.js';

export interface Question {
  readonly type: 'input' | 'confirm' | 'select' | 'checkbox';
  readonly name: string;
  readonly message: string;
  readonly default?: unknown;
  readonly choices?: readonly { name: string; value: string; checked?: boolean }[];
  readonly validate?: (input: unknown) => true | string;
  readonly filter?: (input: unknown) => unknown;
}

/**
 * What a prompt hands to `validate`: a string (input), or for a checkbox the selected choice
 * objects (`{ value, name, checked, … }`, as @inquirer/checkbox passes them) or plain values.
 */
export function promptValue(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  return input.map((item: unknown) => (typeof item === 'object' && item !== null && 'value' in item ? (item as { value: unknown }).value : item));
}

/** Coerces and validates one typed answer the way the declaration does; the message names the flag. */
export function checkAnswer(decl: AnyDecl, input: unknown, bag: AnswerBag): { value?: unknown; problem?: string } {
  const coerced = coerce(decl, promptValue(input));
  if (coerced.problem) return { problem: coerced.problem };
  const problem = (decl.validate as ((v: unknown, a: AnswerBag) => string | undefined) | undefined)?.(coerced.value, bag);
  return problem ? { problem: `--${decl.flag}: ${problem}` } : { value: coerced.value };
}

/**
 * The question for one option, or undefined when it is not asked (hidden, or its `when` is false for
 * the answers so far). `suggested` (a stored answer under --ask-answered) replaces the default.
 */
export function questionFor(name: OptionName, bag: AnswerBag, suggested?: unknown): Question | undefined {
  const decl = declarationOf(name);
  if (decl.hidden || decl.type === 'json') return undefined;
  if (decl.when && !decl.when(bag)) return undefined;
  const stored = suggested === undefined ? undefined : coerce(decl, suggested).value;
  const fallback = stored ?? defaultOf(decl, bag);
  // Prompts re-ask until the value coerces and passes the declaration's own validator.
  const validate = (input: unknown): true | string => checkAnswer(decl, input, bag).problem ?? true;
  const base = { name, message: decl.message, validate };
  switch (decl.type) {
    case 'boolean':
      return { name, message: decl.message, type: 'confirm', default: fallback };
    case 'choice':
      return { name, message: decl.message, type: 'select', default: fallback, choices: decl.choices.map((value) => ({ name: value, value })) };
    case 'multi': {
      const selected = new Set(fallback as string[]);
      return { ...base, type: 'checkbox', choices: decl.choices.map((value) => ({ name: value, value, checked: selected.has(value) })) };
    }
    case 'list':
      return { ...base, type: 'input', default: (fallback as string[]).join(','), filter: (input) => String(input).split(',').map((s) => s.trim()).filter(Boolean) };
    case 'number':
      return { ...base, type: 'input', default: String(fallback), filter: (input) => (String(input).trim() === '' ? input : Number(input)) };
    default:
      return { ...base, type: 'input', default: fallback };
  }
}

export type Ask = (question: Question) => Promise<unknown>;

/**
 * Asks every unanswered question that applies, one at a time in declaration order. Each answer is
 * coerced into the bag before the next `when` is evaluated, so `letsencrypt` brings the e-mail
 * question and `provided` the certificate paths. Returns the raw answers with the typed ones added.
 */
export async function interview(raw: RawAnswers, ask: Ask, options: { useDefaults: boolean; suggested?: RawAnswers }): Promise<RawAnswers> {
  const out: RawAnswers = { ...raw };
  const bag: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const decl = declarationOf(name);
    const given = out[name];
    if (given !== undefined && given !== null) {
      const coerced = coerce(decl, given);
      bag[name] = coerced.problem ? defaultOf(decl, bag) : coerced.value;
      continue;
    }
    const question = options.useDefaults ? undefined : questionFor(name, bag, options.suggested?.[name]);
    if (!question) {
      bag[name] = defaultOf(decl, bag);
      continue;
    }
    const answer = await ask(question);
    out[name] = promptValue(answer);
    const checked = checkAnswer(decl, answer, bag);
    bag[name] = checked.problem ? defaultOf(decl, bag) : checked.value;
  }
  return out;
}
