/**
 * CI/CD concern: GitHub Actions workflows (ci, deploy, rollback, release), Dependabot, the host-side
 * deploy/rollback scripts and the docs/ci-cd.md runbook. Every decision is made here, in `ciView`;
 * the templates only print the view.
 */
import { posix } from 'node:path';
import { CI_ACTIONS, CI_RUNNER, CI_TOOL_IMAGES, pinned, TOOL, toolRun, TOOLS_COMPOSE_FILE, TRIVY_VERSION, type ActionName } from '../ci-actions.js';
import type { Evidence } from '../catalog.js';
import type { AppService, DeploymentModel } from '../model.js';
import { deployPath } from '../prepare/ci.js';
import { EDGE_PATHS, edgeView } from '../prepare/edge.js';
import { kubernetesView } from '../prepare/kubernetes.js';
import { provisioningCi, type ProvisioningCi } from '../prepare/provisioning.js';
import { IMAGES, PNPM_VERSION } from '../versions.js';
import { productionComposeFiles } from './base.js';
import { composeFiles } from './compose.js';
import type { Manifest } from './types.js';

/** One entry of the test matrix: one source tree of the GitMesh checkout and the services built from it. */
export interface TestTarget {
  readonly name: string;
  /** Directory inside the gitmesh/ checkout. */
  readonly dir: string;
  readonly runtime: 'node' | 'python';
  /** services/apps/* depend on services/libs/* installed first (upstream's install_lib_packages.sh). */
  readonly libs: boolean;
  /** What proves the code is sound, picked from what upstream really offers for that tree. */
  readonly check: 'typecheck' | 'jest' | 'build' | 'test-if-present' | 'compileall';
  /** Built services this tree covers, for the job name. */
  readonly services: string;
  /** Lockfiles keying the dependency cache, relative to the repo root. */
  readonly cacheKeys: readonly string[];
}

export interface SmokeCheck {
  /** Public path, e.g. `/api/health`. */
  readonly path: string;
  readonly service: string;
}

export interface NginxCheck {
  readonly image: string;
  /** Host dir (repo-relative) → container dir of the config. */
  readonly configDir: string;
  readonly mountTarget: string;
  /** Container dir the certificate files are mounted at, and their paths inside it. */
  readonly tlsDir: string;
  readonly certificate: string;
  readonly key: string;
  /** Upstream host names: resolved when nginx loads its config, so the check maps them to loopback. */
  readonly hosts: readonly string[];
  readonly args: readonly string[];
}

/**
 * What the e2e job's smoke test expects from the real services, each an upstream fact (checked against
 * the pinned tree by test/rehearsal-contract.test.ts).
 */
export const E2E_EXPECTATIONS = {
  /** The SPA's mount point in the built index.html. */
  frontendMarker: { text: '<div id="app">', evidence: { at: 'frontend/index.html:230', shows: '<div id="app"></div>' } },
  /** An unsigned delivery to the webhook API's GitHub route is refused by the route itself. */
  webhook: { path: '/webhooks/github', status: 400, text: 'Missing signature header', evidence: { at: 'services/apps/webhook_api/src/routes/github.ts:20', shows: "Error400BadRequest('Missing signature header!')" } },
  /** The backend queue worker logs every message it receives, payload included. */
  nodejsWorker: { queueVariable: 'SQS_NODEJS_WORKER_QUEUE', evidence: { at: 'backend/src/bin/nodejs-worker.ts:169', shows: "'Received a new queue message!'" } },
  /** The Python worker logs the body of a message it cannot route. */
  pythonWorker: { queueVariable: 'SQS_PYTHON_WORKER_QUEUE', evidence: { at: 'backend/src/serverless/microservices/python/python_worker.py:40', shows: 'Unrecognized message format: {body}' } },
} as const satisfies Record<string, { readonly evidence: Evidence } & Record<string, unknown>>;

/**
 * The end-to-end gate (job `e2e` of ci.yml, scripts/ci/e2e-stack.sh): present when the stack runs every
 * data service itself, so a runner can boot all of it.
 */
export interface E2eView {
  readonly host: string;
  /** Production compose files, plus the job's own override (certbot bootstrap only) where needed. */
  readonly composeFiles: readonly string[];
  readonly override?: { readonly certbotBootstrapOnly: boolean };
  /** Services `docker compose up --wait` starts. */
  readonly services: readonly string[];
  /** Services left out, and why (they need real third-party credentials at start). */
  readonly excluded: readonly { readonly name: string; readonly why: string }[];
  readonly tls: { readonly mode: 'self-signed' } | { readonly mode: 'letsencrypt' } | { readonly mode: 'provided'; readonly certificate: string; readonly key: string };
  /** Operator secrets without a placeholder: throwaway values in the job (their services are excluded or tolerate them). */
  readonly dummySecrets: readonly string[];
  readonly frontend: boolean;
  readonly healthPath?: string;
  readonly webhook: boolean;
  /** A queue consumer to send one message to: the container it runs in, how to reach the queue, the log that proves it. */
  readonly queue?: { readonly service: string; readonly runtime: 'node' | 'python'; readonly queueVariable: string };
  readonly waitTimeoutSeconds: number;
  readonly gid: number;
}

export interface CiView {
  readonly runner: string;
  readonly uses: Readonly<Record<ActionName, string>>;
  readonly tools: typeof CI_TOOL_IMAGES;
  readonly project: string;
  readonly deployPath: string;
  readonly staging: boolean;
  readonly production: boolean;
  /** Registry host, and whether the workflow's own GITHUB_TOKEN can push there (ghcr.io: no stored secret). */
  readonly registry: { readonly host: string; readonly ghcr: boolean };
  readonly images: readonly { readonly name: string; readonly repository: string; readonly dockerfile: string; readonly context: string }[];
  /** Directories Dependabot's docker ecosystem watches: every Dockerfile's, and Kubernetes manifests with pinned images. */
  readonly dockerfileDirs: readonly string[];
  /** Directories holding a compose file with pinned images, for Dependabot's docker-compose ecosystem. */
  readonly composeDirs: readonly string[];
  /** compose.tools.yaml: the tool containers CI runs. */
  readonly toolsFile: string;
  readonly toolServices: readonly ToolService[];
  /** `docker compose -f compose.tools.yaml run --rm -T <tool>` per tool. */
  readonly run: Readonly<Record<keyof typeof TOOL, string>>;
  readonly trivyVersion: string;
  /** Each entry is one `docker compose -f ... config` invocation. */
  readonly composeChecks: readonly (readonly string[])[];
  /** Compose files a host runs (never the development override). */
  readonly hostComposeFiles: readonly string[];
  /** Paths the deploy job copies to the host. */
  readonly syncPaths: readonly string[];
  /** `nginx -t` of the generated edge config in the pinned image, with a throwaway certificate. */
  readonly nginx?: NginxCheck;
  /** The Makefile target that validates the monitoring configuration (promtool, amtool, alloy validate). */
  readonly monitoringCheck?: { readonly make: string };
  /** compose.tools.yaml service that runs nginx -t. */
  readonly nginxTool: string;
  /** compose.tools.yaml services the backend's unit tests need. */
  readonly testServices: readonly string[];
  readonly tests: readonly TestTarget[];
  readonly pnpmVersion: string;
  readonly nodeVersion: string;
  readonly pythonVersion: string;
  readonly submodule: string;
  readonly migrate: boolean;
  readonly smoke: readonly SmokeCheck[];
  /** Self-signed certificates cannot be verified by curl: the smoke test skips verification only then. */
  readonly smokeInsecure: boolean;
  readonly waitTimeoutSeconds: number;
  /** Release tag filters (GitHub glob syntax): semver with an optional pre-release suffix. */
  readonly tagPatterns: readonly string[];
  /** Deploy to Docker hosts over SSH (target `compose`). */
  readonly compose: boolean;
  /** nginx -p/-c arguments: after `up`, the edge reloads so it re-resolves recreated upstream containers. */
  readonly edgeReload?: string;
  /** The end-to-end gate; absent when a data service is external (a runner cannot reach it). */
  readonly e2e?: E2eView;
  /** ansible-lint (production profile) and syntax checks of deploy/ansible/ (target `compose`). */
  readonly provisioning?: ProvisioningCi;
  /** Deploy with `kubectl apply -k` (target `kubernetes`): the GitHub secret feeding each secrets/ file. */
  readonly kubernetes?: { readonly secrets: readonly { readonly file: string; readonly env: string; readonly secret: string }[] };
}

const TAG_PATTERNS = ['v[0-9]+.[0-9]+.[0-9]+', 'v[0-9]+.[0-9]+.[0-9]+-*'];

/** One service of compose.tools.yaml. */
export interface ToolService {
  readonly name: string;
  readonly description: string;
  readonly image: string;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  /** `host path (repo-relative) → container path`, read-only. */
  readonly volumes: readonly (readonly [string, string])[];
  readonly workingDir?: string;
  readonly networkNone?: boolean;
  readonly extraHosts?: readonly string[];
  readonly tmpfs?: readonly string[];
  readonly environment?: readonly (readonly [string, string])[];
  readonly ports?: readonly string[];
  readonly healthcheck?: readonly string[];
}

/** The test job's throwaway database and cache, with the stack's own pins (same directory: one Dependabot PR bumps both). */
const TEST_DB = { user: 'postgres', password: 'postgres', database: 'gitmesh-test' } as const;

/**
 * compose.tools.yaml: every container CI (and `make monitoring-check`) runs, so that each image pin sits in a file
 * Dependabot watches. GitHub's workflow parser has no way to update `docker run <image>` or job `services:` images.
 */
export function toolServices(model: DeploymentModel): ToolService[] {
  const tools: ToolService[] = [
    { name: TOOL.hadolint, description: 'hadolint: lints a Dockerfile read from stdin', image: CI_TOOL_IMAGES.hadolint, entrypoint: ['hadolint'], volumes: [], networkNone: true },
    { name: TOOL.shellcheck, description: 'ShellCheck: lints the scripts given as arguments (repo mounted read-only at /mnt)', image: CI_TOOL_IMAGES.shellcheck, volumes: [['.', '/mnt']], workingDir: '/mnt', networkNone: true },
    { name: TOOL.actionlint, description: 'actionlint: lints .github/workflows (bundles shellcheck for run: scripts)', image: CI_TOOL_IMAGES.actionlint, volumes: [['.', '/repo']], workingDir: '/repo', networkNone: true },
  ];
  const nginx = nginxCheck(model);
  if (nginx) {
    tools.push({
      name: TOOL.nginx,
      description: 'nginx -t of the edge configuration in the pinned nginx image (certificate directory mounted by the caller)',
      image: nginx.image,
      entrypoint: ['nginx'],
      command: [...nginx.args],
      volumes: [[`./${nginx.configDir}`, nginx.mountTarget]],
      networkNone: true,
      // Upstream host names are resolved when nginx loads its config: they point at loopback here.
      extraHosts: nginx.hosts.map((host) => `${host}:127.0.0.1`),
      tmpfs: ['/tmp'],
    });
  }
  if (model.settings.monitoring) {
    tools.push(
      { name: TOOL.promtool, description: 'promtool: checks the Prometheus config, the alert rules and their unit tests', image: IMAGES.prometheus, entrypoint: ['promtool'], volumes: [['./config/prometheus', '/etc/prometheus']], networkNone: true },
      { name: TOOL.amtool, description: 'amtool: checks the Alertmanager config', image: IMAGES.alertmanager, entrypoint: ['amtool'], volumes: [['./config/alertmanager', '/etc/alertmanager']], networkNone: true },
      { name: TOOL.alloy, description: 'alloy validate: syntax, components, required and unknown arguments of the log shipping config', image: IMAGES.alloy, entrypoint: ['/bin/alloy'], command: ['validate', '/etc/alloy/config.alloy'], volumes: [['./config/alloy', '/etc/alloy']], networkNone: true },
    );
  }
  if (model.services.some((svc) => svc.dockerfile && svc.workspace === 'backend')) {
    tools.push(
      {
        name: TOOL.postgres,
        description: "Throwaway PostgreSQL for the backend's unit tests (CI test job)",
        image: IMAGES.postgres,
        volumes: [],
        environment: [['POSTGRES_USER', TEST_DB.user], ['POSTGRES_PASSWORD', TEST_DB.password], ['POSTGRES_DB', TEST_DB.database]],
        ports: ['127.0.0.1:5432:5432'],
        tmpfs: ['/var/lib/postgresql/data'],
        healthcheck: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', TEST_DB.user, '-d', TEST_DB.database],
      },
      { name: TOOL.redis, description: "Throwaway Redis for the backend's unit tests (CI test job)", image: IMAGES.redis, volumes: [], ports: ['127.0.0.1:6379:6379'], healthcheck: ['CMD', 'redis-cli', '-h', '127.0.0.1', 'ping'] },
    );
  }
  return tools;
}

/** Directories of Kubernetes manifests that hold a pinned third-party image (Dependabot's docker ecosystem reads them). */
function pinnedManifestDirs(model: DeploymentModel): string[] {
  if (!model.answers.targets.includes('kubernetes')) return [];
  const pins = Object.values(IMAGES);
  const view = kubernetesView(model);
  return view.files.filter((file) => pins.some((pin) => JSON.stringify(file.documents).includes(JSON.stringify(pin)))).map((file) => `/${posix.dirname(file.path)}`);
}

/** `node:20.19.5-alpine3.22` → `20.19.5`: CI tests on the same runtime the images ship. */
function imageVersion(image: string | undefined, fallback: string): string {
  const tag = image?.split(':')[1] ?? '';
  return /^\d+(\.\d+)*/.exec(tag)?.[0] ?? fallback;
}

function testTargets(services: readonly AppService[]): TestTarget[] {
  const byDir = new Map<string, AppService[]>();
  for (const svc of services) {
    if (!svc.dockerfile) continue;
    byDir.set(svc.source, [...(byDir.get(svc.source) ?? []), svc]);
  }
  return [...byDir.entries()].map(([dir, members]): TestTarget => {
    const first = members[0];
    const names = members.map((m) => m.name).join(', ');
    const name = first.workspace === 'backend' ? 'backend' : first.workspace === 'python' ? 'python-worker' : first.name;
    if (first.kind === 'python-worker') {
      return { name, dir, runtime: 'python', libs: false, check: 'compileall', services: names, cacheKeys: [`gitmesh/${dir}/requirements*.txt`] };
    }
    const lock = `gitmesh/${dir}/pnpm-lock.yaml`;
    switch (first.workspace) {
      // Upstream's backend has a jest suite that needs PostgreSQL and Redis: the service containers.
      case 'backend':
        return { name, dir, runtime: 'node', libs: false, check: 'jest', services: names, cacheKeys: [lock, 'gitmesh/services/libs/*/pnpm-lock.yaml'] };
      // services/apps/* have no tests upstream; `tsc-check` is the check they ship.
      case 'services':
        return { name, dir, runtime: 'node', libs: true, check: 'typecheck', services: names, cacheKeys: [lock, 'gitmesh/services/libs/*/pnpm-lock.yaml', 'gitmesh/services/archetypes/*/pnpm-lock.yaml'] };
      // The frontend's `test` script drives a dev server; the production build is what the image runs.
      case 'frontend':
        return { name, dir, runtime: 'node', libs: false, check: 'build', services: names, cacheKeys: [lock] };
      default:
        return { name, dir, runtime: 'node', libs: false, check: 'test-if-present', services: names, cacheKeys: [lock] };
    }
  });
}

/** Public smoke-test paths: every routed service with an HTTP health check, through the edge. */
function smokeChecks(model: DeploymentModel): SmokeCheck[] {
  return model.routes.flatMap((route): SmokeCheck[] => {
    if (!route.healthPath) return [];
    const prefix = route.stripPrefix ? route.path.replace(/\/+$/, '') : '';
    const path = route.stripPrefix ? `${prefix}${route.healthPath}` : route.healthPath;
    return [{ path: path.startsWith('/') ? path : `/${path}`, service: route.service }];
  });
}

function nginxCheck(model: DeploymentModel): NginxCheck | undefined {
  const svc = model.composeServices.find((s) => s.name === 'nginx');
  const mount = svc ? mountFrom(model, svc.name, EDGE_PATHS.configDir) : undefined;
  if (!svc || !mount) return undefined;
  const edge = edgeView(model);
  // Certificate paths are relative to the config dir; the check needs them relative to the TLS dir.
  const inTls = (relative: string): string => posix.relative(EDGE_PATHS.tlsDir, posix.resolve(EDGE_PATHS.configDir, relative));
  return {
    image: svc.image,
    configDir: mount.source,
    mountTarget: mount.target,
    tlsDir: EDGE_PATHS.tlsDir,
    certificate: inTls(edge.tls.certificate),
    key: inTls(edge.tls.key),
    hosts: [...new Set(edge.upstreams.map((up) => up.server.replace(/:\d+$/, '')))].sort(),
    args: ['-t', '-p', EDGE_PATHS.prefix, '-c', EDGE_PATHS.conf],
  };
}

function mountFrom(model: DeploymentModel, service: string, targetPrefix: string): { source: string; target: string } | undefined {
  const svc = model.composeServices.find((s) => s.name === service);
  const mount = svc?.mounts.find((m) => m.type === 'bind' && m.source.startsWith('./config/') && m.target.startsWith(targetPrefix));
  return mount ? { source: mount.source.replace(/^\.\//, ''), target: mount.target } : undefined;
}

function e2eView(model: DeploymentModel): E2eView | undefined {
  const { data, answers } = model;
  const needsTemporal = model.services.some((svc) => svc.needs.includes('temporal'));
  if (!data.postgres || !data.redis || data.opensearch === 'none' || (needsTemporal && !data.temporal)) return undefined;
  const hostFiles = productionComposeFiles(model);
  const running = model.composeServices.filter((svc) => hostFiles.includes(svc.file === 'main' ? 'compose.yaml' : 'compose.monitoring.yaml'));
  // A service that needs an operator credential with no usable placeholder cannot start on a runner.
  const noPlaceholder = model.secrets.filter((secret) => secret.source.kind === 'operator' && secret.source.placeholder === undefined).map((s) => s.name);
  const excluded = model.services
    .filter((svc) => svc.compose.secrets.some((secret) => noPlaceholder.includes(secret) && svc.requires.includes(secret.toUpperCase())))
    .map((svc) => ({ name: svc.name, why: `needs a real ${svc.compose.secrets.filter((s) => noPlaceholder.includes(s)).join(', ')} to start` }));
  const letsencrypt = answers.tlsMode === 'letsencrypt';
  const names = new Set(model.services.map((svc) => svc.name));
  const consumer = names.has('nodejs-worker') ? { service: 'nodejs-worker', runtime: 'node' as const, queueVariable: E2E_EXPECTATIONS.nodejsWorker.queueVariable } : names.has('python-worker') ? { service: 'python-worker', runtime: 'python' as const, queueVariable: E2E_EXPECTATIONS.pythonWorker.queueVariable } : undefined;
  const api = model.routes.find((route) => route.service === 'api' && route.healthPath);
  return {
    host: model.project.domain,
    composeFiles: [...hostFiles, ...(letsencrypt ? ['.e2e/compose.e2e.yaml'] : [])],
    ...(letsencrypt ? { override: { certbotBootstrapOnly: true } } : {}),
    services: running.map((svc) => svc.name).filter((name) => !excluded.some((e) => e.name === name)),
    excluded,
    tls: answers.tlsMode === 'provided' ? { mode: 'provided', certificate: answers.tlsCertPath, key: answers.tlsKeyPath } : { mode: answers.tlsMode },
    dummySecrets: noPlaceholder,
    frontend: names.has('frontend'),
    ...(api ? { healthPath: `${api.path.replace(/\/$/, '')}${api.healthPath}` } : {}),
    webhook: names.has('webhook-api'),
    ...(consumer && data.sqs ? { queue: consumer } : {}),
    waitTimeoutSeconds: 900,
    gid: model.gid,
  };
}

export function ciView(model: DeploymentModel): CiView {
  const composePaths = composeFiles(model).map((spec) => spec.path).filter((path) => /^compose(\.[a-z]+)?\.yaml$/.test(path));
  const monitoring = composePaths.includes('compose.monitoring.yaml');
  const hostComposeFiles = productionComposeFiles(model);
  const composeChecks = [
    ['compose.yaml'],
    ...(composePaths.includes('compose.override.yaml') ? [['compose.yaml', 'compose.override.yaml']] : []),
    ...(monitoring ? [productionComposeFiles(model)] : []),
    [TOOLS_COMPOSE_FILE],
  ];
  const usesConfig = model.composeServices.some((svc) => svc.mounts.some((m) => m.type === 'bind' && m.source.startsWith('./config/')));
  const nginx = nginxCheck(model);
  // The monitoring concern ships a Makefile target that runs promtool (config, rules, rule tests), amtool and alloy validate.
  const monitoringCheck = model.settings.monitoring && model.makeTargets.some((t) => t.name === 'monitoring-check') ? { make: 'monitoring-check' } : undefined;
  const uses = Object.fromEntries(Object.keys(CI_ACTIONS).map((name) => [name, pinned(name as ActionName)])) as Record<ActionName, string>;
  return {
    runner: CI_RUNNER,
    uses,
    tools: CI_TOOL_IMAGES,
    project: model.project.name,
    deployPath: deployPath(model),
    staging: model.answers.environments.includes('staging'),
    production: model.answers.environments.includes('production'),
    registry: { host: model.project.registry, ghcr: model.project.registry === 'ghcr.io' },
    images: model.builtImages.map(({ name, repository, dockerfile, context }) => ({ name, repository, dockerfile, context })),
    dockerfileDirs: [...new Set([...model.builtImages.map((img) => `/${img.dockerfile.replace(/\/[^/]+$/, '')}`), ...pinnedManifestDirs(model)])].sort(),
    // Every compose file (compose.yaml, compose.monitoring.yaml, compose.tools.yaml; compose.tracing.yaml has no
    // image) is written at the repo root.
    composeDirs: [...new Set([...composePaths, TOOLS_COMPOSE_FILE].map((path) => `/${posix.dirname(path)}`.replace(/\/\.$/, '/')))].sort(),
    toolsFile: TOOLS_COMPOSE_FILE,
    toolServices: toolServices(model),
    run: Object.fromEntries(Object.entries(TOOL).map(([key, name]) => [key, toolRun(name)])) as Record<keyof typeof TOOL, string>,
    trivyVersion: TRIVY_VERSION,
    nginxTool: TOOL.nginx,
    testServices: [TOOL.postgres, TOOL.redis],
    composeChecks,
    hostComposeFiles,
    // compose.tools.yaml: make monitoring-check runs its tool containers on the host too.
    syncPaths: [...hostComposeFiles, TOOLS_COMPOSE_FILE, ...(usesConfig ? ['config'] : []), 'scripts', 'Makefile'],
    ...(nginx ? { nginx } : {}),
    ...(monitoringCheck ? { monitoringCheck } : {}),
    tests: testTargets(model.services),
    pnpmVersion: PNPM_VERSION,
    nodeVersion: imageVersion(model.images.node, '20'),
    pythonVersion: imageVersion(model.images.python, '3.11'),
    submodule: model.source.path,
    migrate: model.composeServices.some((svc) => svc.name === 'migrate'),
    smoke: smokeChecks(model),
    smokeInsecure: model.answers.tlsMode === 'self-signed',
    waitTimeoutSeconds: 600,
    tagPatterns: TAG_PATTERNS,
    compose: model.answers.targets.includes('compose'),
    ...(e2eView(model) ? { e2e: e2eView(model)! } : {}),
    ...(provisioningCi(model) ? { provisioning: provisioningCi(model) } : {}),
    // nginx resolves upstream names once; recreated containers get new addresses.
    ...(model.composeServices.some((svc) => svc.name === 'nginx') ? { edgeReload: `-p ${EDGE_PATHS.prefix} -c ${EDGE_PATHS.conf}` } : {}),
    ...(model.answers.targets.includes('kubernetes')
      ? {
          kubernetes: {
            // The kustomize secretGenerator reads secrets/<name>; CI writes each from an environment secret.
            secrets: model.secrets.map((secret) => ({ file: secret.name, env: `SECRET_${secret.name.toUpperCase()}`, secret: `GITMESH_SECRET_${secret.name.toUpperCase()}` })),
          },
        }
      : {}),
  };
}

/** Deploy scripts: output path → template. `lib.sh` is sourced, never run, so it is not executable. */
const SCRIPTS: readonly { readonly name: string; readonly executable: boolean }[] = [
  { name: 'lib.sh', executable: false },
  { name: 'deploy.sh', executable: true },
  { name: 'rollback.sh', executable: true },
  { name: 'smoke-test.sh', executable: true },
  { name: 'status.sh', executable: true },
  { name: 'remote.sh', executable: true },
  { name: 'release-notes.sh', executable: true },
];

export const ciFiles: Manifest = (model) => {
  const view = ciView(model);
  return [
    { path: '.github/workflows/ci.yml', template: 'github/workflows/ci.yml.ejs', locals: { view } },
    { path: '.github/workflows/deploy.yml', template: 'github/workflows/deploy.yml.ejs', locals: { view } },
    { path: '.github/workflows/rollback.yml', template: 'github/workflows/rollback.yml.ejs', locals: { view } },
    { path: '.github/workflows/release.yml', template: 'github/workflows/release.yml.ejs', locals: { view } },
    { path: '.github/dependabot.yml', template: 'github/dependabot.yml.ejs', locals: { view } },
    { path: TOOLS_COMPOSE_FILE, template: 'compose.tools.yaml.ejs', locals: { view } },
    ...SCRIPTS.map((script) => ({
      path: `scripts/deploy/${script.name}`,
      template: `scripts/deploy/${script.name}.ejs`,
      locals: { view },
      ...(script.executable ? { executable: true } : {}),
    })),
    ...(view.e2e ? [{ path: 'scripts/ci/e2e-stack.sh', template: 'scripts/ci/e2e-stack.sh.ejs', locals: { view, E2E: E2E_EXPECTATIONS }, executable: true }] : []),
    { path: 'docs/ci-cd.md', template: 'docs/ci-cd.md.ejs', locals: { view } },
  ];
};
