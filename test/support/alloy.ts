/**
 * Grafana Alloy configuration checks for the suite. Neither Debian nor npm ships Alloy, so `alloy validate`
 * runs only in the generated CI (lint job, pinned grafana/alloy image). Here a parser of the Alloy syntax
 * (docs/sources/get-started/configuration-syntax) and the documented schema of the components the generator
 * uses check what `alloy validate` checks (docs/sources/reference/cli/validate.md at v1.18.1): syntax, unknown
 * components and blocks, required and unknown arguments, component name conflicts, and references to
 * components and their exports. The schema is the components' Go argument structs at v1.18.1 (`alloy:"name,attr"`
 * tags, `optional` marking what is not required), cited per entry.
 */

// ------------------------------------------------------------------------------------------- syntax

type Token =
  | { kind: 'ident'; value: string; line: number }
  | { kind: 'string'; value: string; line: number }
  | { kind: 'number'; value: number; line: number }
  | { kind: 'punct'; value: string; line: number }
  | { kind: 'eof'; line: number };

export type Expr =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'array'; items: Expr[] }
  | { kind: 'object'; fields: Map<string, Expr> }
  | { kind: 'ref'; path: string[]; line: number };

export interface Block {
  readonly name: string;
  readonly label?: string;
  readonly line: number;
  readonly attributes: Map<string, Expr>;
  readonly blocks: Block[];
}

export class AlloySyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '\n') {
      line += 1;
      i += 1;
    } else if (/\s/.test(c)) i += 1;
    else if (text.startsWith('//', i)) while (i < text.length && text[i] !== '\n') i += 1;
    else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new AlloySyntaxError(`line ${line}: unterminated comment`);
      line += text.slice(i, end).split('\n').length - 1;
      i = end + 2;
    } else if (c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j += 1) {
        if (text[j] === '\n') throw new AlloySyntaxError(`line ${line}: newline in string`);
        if (text[j] === '\\') {
          const e = text[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
          if (e === 'u') {
            value += String.fromCharCode(parseInt(text.slice(j + 2, j + 6), 16));
            j += 5;
          } else if (e !== undefined && e in map) {
            value += map[e];
            j += 1;
          } else throw new AlloySyntaxError(`line ${line}: invalid escape \\${e ?? ''}`);
        } else value += text[j];
      }
      if (j >= text.length) throw new AlloySyntaxError(`line ${line}: unterminated string`);
      tokens.push({ kind: 'string', value, line });
      i = j + 1;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw new AlloySyntaxError(`line ${line}: unterminated raw string`);
      tokens.push({ kind: 'string', value: text.slice(i + 1, end), line });
      line += text.slice(i, end).split('\n').length - 1;
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', value: Number(m[0]), line });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', value: m[0], line });
      i += m[0].length;
    } else if ('{}[](),=.'.includes(c)) {
      tokens.push({ kind: 'punct', value: c, line });
      i += 1;
    } else throw new AlloySyntaxError(`line ${line}: unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', line });
  return tokens;
}

/** Parses an Alloy configuration file into its top-level blocks (throws AlloySyntaxError). */
export function parseAlloy(text: string): Block[] {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (offset = 0): Token => tokens[Math.min(pos + offset, tokens.length - 1)]!;
  const isPunct = (t: Token, value: string): boolean => t.kind === 'punct' && t.value === value;
  const expect = (value: string): Token => {
    const t = peek();
    if (!isPunct(t, value)) throw new AlloySyntaxError(`line ${t.line}: expected "${value}", found ${'value' in t ? JSON.stringify(t.value) : 'end of file'}`);
    pos += 1;
    return t;
  };

  function expr(): Expr {
    const t = peek();
    if (t.kind === 'string') return (pos += 1), { kind: 'string', value: t.value };
    if (t.kind === 'number') return (pos += 1), { kind: 'number', value: t.value };
    if (isPunct(t, '[')) {
      pos += 1;
      const items: Expr[] = [];
      while (!isPunct(peek(), ']')) {
        items.push(expr());
        if (!isPunct(peek(), ']')) expect(',');
      }
      expect(']');
      return { kind: 'array', items };
    }
    if (isPunct(t, '{')) {
      pos += 1;
      const fields = new Map<string, Expr>();
      while (!isPunct(peek(), '}')) {
        const key = peek();
        if (key.kind !== 'ident' && key.kind !== 'string') throw new AlloySyntaxError(`line ${key.line}: expected an object key`);
        pos += 1;
        expect('=');
        if (fields.has(String(key.value))) throw new AlloySyntaxError(`line ${key.line}: duplicate key ${String(key.value)}`);
        fields.set(String(key.value), expr());
        if (!isPunct(peek(), '}')) expect(',');
      }
      expect('}');
      return { kind: 'object', fields };
    }
    if (t.kind === 'ident') {
      pos += 1;
      if (t.value === 'true' || t.value === 'false') return { kind: 'bool', value: t.value === 'true' };
      if (t.value === 'null') return { kind: 'null' };
      const path = [t.value];
      while (isPunct(peek(), '.')) {
        pos += 1;
        const next = peek();
        if (next.kind !== 'ident') throw new AlloySyntaxError(`line ${next.line}: expected a name after "."`);
        path.push(next.value);
        pos += 1;
      }
      if (isPunct(peek(), '(')) throw new AlloySyntaxError(`line ${t.line}: function calls are not used by the generated configs`);
      return { kind: 'ref', path, line: t.line };
    }
    throw new AlloySyntaxError(`line ${t.line}: expected an expression`);
  }

  function body(end: 'eof' | '}'): { attributes: Map<string, Expr>; blocks: Block[] } {
    const attributes = new Map<string, Expr>();
    const blocks: Block[] = [];
    for (;;) {
      const t = peek();
      if (end === 'eof' ? t.kind === 'eof' : isPunct(t, '}')) return { attributes, blocks };
      if (t.kind !== 'ident') throw new AlloySyntaxError(`line ${t.line}: expected an attribute or a block`);
      if (isPunct(peek(1), '=')) {
        pos += 2;
        if (attributes.has(t.value)) throw new AlloySyntaxError(`line ${t.line}: attribute ${t.value} set twice`);
        attributes.set(t.value, expr());
        continue;
      }
      const name = [t.value];
      pos += 1;
      while (isPunct(peek(), '.')) {
        pos += 1;
        const next = peek();
        if (next.kind !== 'ident') throw new AlloySyntaxError(`line ${next.line}: expected a block name`);
        name.push(next.value);
        pos += 1;
      }
      let label: string | undefined;
      const l = peek();
      if (l.kind === 'string') {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(l.value)) throw new AlloySyntaxError(`line ${l.line}: invalid block label ${JSON.stringify(l.value)}`);
        label = l.value;
        pos += 1;
      }
      expect('{');
      const inner = body('}');
      expect('}');
      blocks.push({ name: name.join('.'), ...(label !== undefined ? { label } : {}), line: t.line, ...inner });
    }
  }

  const top = body('eof');
  if (top.attributes.size) throw new AlloySyntaxError(`top-level attributes are not allowed: ${[...top.attributes.keys()].join(', ')}`);
  return top.blocks;
}

// ------------------------------------------------------------------------------------------- schema

type ValueType = 'string' | 'bool' | 'number' | 'duration' | 'list(string)' | 'list(number)' | 'map(string)' | 'targets' | 'rules' | 'receivers';

interface BlockSchema {
  /** Argument name → [type, required]. */
  readonly attrs: Readonly<Record<string, readonly [ValueType, boolean]>>;
  readonly blocks?: Readonly<Record<string, BlockSchema>>;
  /** Where the schema was read (Go struct at v1.18.1). */
  readonly source: string;
}

interface ComponentSchema extends BlockSchema {
  /** Exported fields and their types. */
  readonly exports: Readonly<Record<string, ValueType>>;
}

const RELABEL_RULE: BlockSchema = {
  source: 'internal/component/common/relabel/relabel.go:134-140',
  attrs: { source_labels: ['list(string)', false], separator: ['string', false], regex: ['string', false], modulus: ['number', false], target_label: ['string', false], replacement: ['string', false], action: ['string', false] },
};

const METRIC_COMMON = { name: ['string', true], description: ['string', false], source: ['string', false], prefix: ['string', false], max_idle_duration: ['duration', false], value: ['string', false] } as const;

/** Stages of loki.process (stages/pipeline.go:19-48 lists them; each has its own struct). */
const STAGES: Record<string, BlockSchema> = {
  'stage.json': { source: 'internal/component/loki/process/stages/json.go:25-28', attrs: { expressions: ['map(string)', false], regex: ['string', false], source: ['string', false], drop_malformed: ['bool', false] } },
  'stage.regex': { source: 'internal/component/loki/process/stages/regex.go:25-27', attrs: { expression: ['string', true], source: ['string', false], labels_from_groups: ['bool', false] } },
  'stage.template': { source: 'internal/component/loki/process/stages/template.go:69-70', attrs: { source: ['string', true], template: ['string', true] } },
  'stage.labels': { source: 'internal/component/loki/process/stages/labels.go:25-26', attrs: { values: ['map(string)', true], source_type: ['string', false] } },
  'stage.label_drop': { source: 'internal/component/loki/process/stages/label_drop.go:15', attrs: { values: ['list(string)', true] } },
  'stage.metrics': {
    source: 'internal/component/loki/process/stages/metric.go:24-31',
    attrs: {},
    blocks: {
      'metric.counter': { source: 'internal/component/loki/process/metric/counters.go:22-32', attrs: { ...METRIC_COMMON, action: ['string', true], match_all: ['bool', false], count_entry_bytes: ['bool', false] } },
      'metric.gauge': { source: 'internal/component/loki/process/metric/gauges.go:33-41', attrs: { ...METRIC_COMMON, action: ['string', true] } },
      'metric.histogram': { source: 'internal/component/loki/process/metric/histograms.go:22-30', attrs: { ...METRIC_COMMON, buckets: ['list(number)', true] } },
    },
  },
};
STAGES['stage.match'] = {
  source: 'internal/component/loki/process/stages/match.go:30-34',
  attrs: { selector: ['string', true], action: ['string', false], pipeline_name: ['string', false], drop_counter_reason: ['string', false] },
  blocks: STAGES,
};

export const ALLOY_SCHEMA_VERSION = 'v1.18.1';

/** The components (and config blocks) the generated config uses, as their Go argument structs declare them. */
export const ALLOY_COMPONENTS: Readonly<Record<string, ComponentSchema>> = {
  logging: { source: 'internal/runtime/logging/options.go:15-19', attrs: { level: ['string', false], format: ['string', false], destination: ['string', false], write_to: ['receivers', false] }, exports: {} },
  'discovery.docker': {
    source: 'internal/component/discovery/docker/docker.go:33-39',
    attrs: { host: ['string', true], port: ['number', false], host_networking_host: ['string', false], refresh_interval: ['duration', false], match_first_network: ['bool', false] },
    exports: { targets: 'targets' },
  },
  'discovery.relabel': { source: 'internal/component/discovery/relabel/relabel.go:31-40', attrs: { targets: ['targets', true] }, blocks: { rule: RELABEL_RULE }, exports: { output: 'targets', rules: 'rules' } },
  'loki.source.docker': {
    source: 'internal/component/loki/source/docker/docker.go:60-66',
    attrs: { host: ['string', true], targets: ['targets', true], forward_to: ['receivers', true], labels: ['map(string)', false], relabel_rules: ['rules', false], refresh_interval: ['duration', false] },
    exports: {},
  },
  'loki.process': { source: 'internal/component/loki/process/process.go:32-39', attrs: { forward_to: ['receivers', true] }, blocks: STAGES, exports: { receiver: 'receivers' } },
  'loki.write': {
    source: 'internal/component/loki/write/write.go:36-74',
    attrs: { external_labels: ['map(string)', false], max_streams: ['number', false] },
    blocks: { endpoint: { source: 'internal/component/loki/write/types.go:19-31', attrs: { name: ['string', false], url: ['string', true], batch_wait: ['duration', false], batch_size: ['string', false], remote_timeout: ['duration', false], headers: ['map(string)', false], tenant_id: ['string', false], retry_on_http_429: ['bool', false] } } },
    exports: { receiver: 'receivers' },
  },
};

const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

function typeProblems(value: Expr, type: ValueType, at: string, refType: (e: Extract<Expr, { kind: 'ref' }>) => ValueType | string): string[] {
  const ref = (want: ValueType): string[] => {
    if (value.kind !== 'ref') return [`${at}: expected a reference to a component's ${want}`];
    const got = refType(value);
    return got === want ? [] : [`${at}: ${value.path.join('.')} ${got.startsWith('unknown') ? got : `is ${got}, not ${want}`}`];
  };
  switch (type) {
    case 'string':
      return value.kind === 'string' ? [] : [`${at}: expected a string`];
    case 'duration':
      return value.kind === 'string' && DURATION.test(value.value) ? [] : [`${at}: expected a duration string like "15s"`];
    case 'bool':
      return value.kind === 'bool' ? [] : [`${at}: expected true or false`];
    case 'number':
      return value.kind === 'number' ? [] : [`${at}: expected a number`];
    case 'list(string)':
    case 'list(number)': {
      if (value.kind !== 'array') return [`${at}: expected a list`];
      const item = type === 'list(string)' ? 'string' : 'number';
      return value.items.some((i) => i.kind !== item) ? [`${at}: every item must be a ${item}`] : [];
    }
    case 'map(string)':
      if (value.kind !== 'object') return [`${at}: expected an object`];
      return [...value.fields.values()].some((v) => v.kind !== 'string') ? [`${at}: every value must be a string`] : [];
    case 'targets':
    case 'rules':
      return ref(type);
    case 'receivers':
      if (value.kind !== 'array' || value.items.length === 0) return [`${at}: expected a non-empty list of receivers`];
      return value.items.flatMap((item, i) => typeProblems(item, 'receivers-item' as ValueType, `${at}[${i}]`, refType));
    default:
      // One receiver of a list.
      if (value.kind !== 'ref') return [`${at}: expected a component's receiver`];
      return refType(value) === 'receivers' ? [] : [`${at}: ${value.path.join('.')} is not a receiver`];
  }
}

function blockProblems(block: Block, schema: BlockSchema, at: string, refType: (e: Extract<Expr, { kind: 'ref' }>) => ValueType | string): string[] {
  const problems: string[] = [];
  for (const [name, [type, required]] of Object.entries(schema.attrs)) {
    const value = block.attributes.get(name);
    if (value === undefined) {
      if (required) problems.push(`${at}: missing required argument "${name}" (${schema.source})`);
      continue;
    }
    problems.push(...typeProblems(value, type, `${at}.${name}`, refType));
  }
  for (const name of block.attributes.keys()) if (!(name in schema.attrs)) problems.push(`${at}: unknown argument "${name}" (${schema.source})`);
  for (const inner of block.blocks) {
    const innerSchema = schema.blocks?.[inner.name];
    if (!innerSchema) problems.push(`${at}: unknown block "${inner.name}" (line ${inner.line})`);
    else problems.push(...blockProblems(inner, innerSchema, `${at} > ${inner.name}`, refType));
  }
  return problems;
}

/** What `alloy validate` would report for this configuration, against the documented schema; [] when valid. */
export function alloyProblems(text: string): string[] {
  let blocks: Block[];
  try {
    blocks = parseAlloy(text);
  } catch (error) {
    return [`syntax: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  const declared = new Map<string, Block>();
  for (const block of blocks) {
    const schema = ALLOY_COMPONENTS[block.name];
    if (!schema) {
      problems.push(`line ${block.line}: unknown component "${block.name}"`);
      continue;
    }
    const isConfigBlock = Object.keys(schema.exports).length === 0 && block.name === 'logging';
    if (!isConfigBlock && block.label === undefined && block.name !== 'logging') problems.push(`line ${block.line}: component ${block.name} needs a label`);
    const id = block.label ? `${block.name}.${block.label}` : block.name;
    if (declared.has(id)) problems.push(`line ${block.line}: component name conflict: ${id} is declared twice`);
    declared.set(id, block);
  }
  const refType = (e: Extract<Expr, { kind: 'ref' }>): ValueType | string => {
    const field = e.path[e.path.length - 1]!;
    const id = e.path.slice(0, -1).join('.');
    const target = declared.get(id);
    if (!target) return `unknown (line ${e.line}): no component ${id}`;
    const exported = ALLOY_COMPONENTS[target.name]!.exports[field];
    return exported ?? `unknown (line ${e.line}): ${target.name} exports no "${field}"`;
  };
  for (const [id, block] of declared) problems.push(...blockProblems(block, ALLOY_COMPONENTS[block.name]!, id, refType));
  return problems;
}

/** Evaluates a literal expression (strings, numbers, bools, lists, objects) to plain data for assertions. */
export function literal(e: Expr | undefined): unknown {
  if (!e) return undefined;
  switch (e.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return e.value;
    case 'null':
      return null;
    case 'array':
      return e.items.map(literal);
    case 'object':
      return Object.fromEntries([...e.fields].map(([k, v]) => [k, literal(v)]));
    case 'ref':
      return { ref: e.path.join('.') };
  }
}
