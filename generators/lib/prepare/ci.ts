/**
 * CI/CD concern: what it adds to the model, and `ciView`, every decision the GitHub Actions workflows,
 * Dependabot, compose.tools.yaml, the deploy scripts and docs/ci-cd.md print. prepare() builds the view
 * once, from the finished model (model.views.ci); files/ci.ts only lists the files.
 */
import { posix } from 'node:path';
import { CI_ACTIONS, CI_RUNNER, CI_TOOL_IMAGES, pinned, TOOL, toolRun, TOOLS_COMPOSE_FILE, TRIVY_VERSION, type ActionName } from '../ci-actions.js';
import type { AppService, Contribution, DeploymentModel } from '../model.js';
import { traitsOf } from '../service-kinds.js';
import { IMAGES, PNPM_VERSION } from '../versions.js';
import { e2eView, type E2eView } from './ci-e2e.js';
import { nginxCheck, toolServices, type NginxCheck, type ToolService } from './ci-tools.js';
import { composeFileNames, productionComposeFiles } from './compose.js';
import { EDGE_PATHS } from './edge/index.js';
import { kubernetesView } from './kubernetes/index.js';
import { releaseView, type ReleaseView } from './promotion.js';
import { provisioningCi, type ProvisioningCi } from './provisioning.js';

export { E2E_EXPECTATIONS, type E2eView } from './ci-e2e.js';
export { toolServices, type NginxCheck, type ToolService } from './ci-tools.js';

export function ciContribution(model: DeploymentModel): Contribution {
  void model;
  return {
    docs: [{ path: 'docs/ci-cd.md', title: 'CI/CD: secrets, environments and reviewers, deploy, promote, roll back, re-run a migration' }],
    // .e2e/: scratch files of scripts/ci/e2e-stack.sh (the CI end-to-end job); images.lock: written by CI per deploy.
    gitignore: ['/.deploy/', '/.e2e/', '/images.lock'],
    // Hosts verify every image signature against this repository's CI before a release runs (scripts/deploy/lib.sh).
    env: [['GITMESH_SIGNER_REPOSITORY', 'your-org/your-deployment-repo', 'GitHub owner/name of this repository: a host runs only digests its CI signed (docs/ci-cd.md)']],
  };
}

/** Deployment directory on a Docker host: the deploy scripts, the workflows and the provisioning agree on it. */
export const deployPath = (model: DeploymentModel): string => `/srv/${model.project.name}`;

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

export interface CiView {
  readonly runner: string;
  readonly uses: Readonly<Record<ActionName, string>>;
  readonly tools: typeof CI_TOOL_IMAGES;
  readonly project: string;
  readonly deployPath: string;
  readonly staging: boolean;
  readonly production: boolean;
  /** The GitHub environments deployed to, in promotion order. */
  readonly environments: readonly string[];
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
  /** Images lock, releases kept on a host, and the promotion policy (prepare/promotion.ts). */
  readonly release: ReleaseView;
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

/** Directories of Kubernetes manifests that hold a pinned third-party image (Dependabot's docker ecosystem reads them). */
function pinnedManifestDirs(model: DeploymentModel): string[] {
  if (!model.settings.targets.kubernetes) return [];
  const pins = Object.values(IMAGES);
  const view = kubernetesView(model);
  return view.files.filter((file) => pins.some((pin) => JSON.stringify(file.documents).includes(JSON.stringify(pin)))).map((file) => `/${posix.dirname(file.path)}`);
}

/** `node:20.19.5-alpine3.22` → `20.19.5`: CI tests on the same runtime the images ship (test/versions.test.ts: every pin has a tag). */
function imageVersion(image: string): string {
  const version = /^\d+(\.\d+)*/.exec(image.split(':')[1] ?? '')?.[0];
  if (!version) throw new Error(`pinned image ${image} has no version tag`);
  return version;
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
    if (traitsOf(first.kind).runtime === 'python') {
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

export function ciView(model: DeploymentModel): CiView {
  const composePaths = composeFileNames(model);
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
  const e2e = e2eView(model);
  const provisioning = provisioningCi(model);
  const uses = Object.fromEntries(Object.keys(CI_ACTIONS).map((name) => [name, pinned(name as ActionName)])) as Record<ActionName, string>;
  return {
    runner: CI_RUNNER,
    uses,
    tools: CI_TOOL_IMAGES,
    project: model.project.name,
    deployPath: deployPath(model),
    staging: model.settings.environments.includes('staging'),
    production: model.settings.environments.includes('production'),
    environments: [...model.settings.environments],
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
    release: releaseView(model),
    ...(nginx ? { nginx } : {}),
    ...(monitoringCheck ? { monitoringCheck } : {}),
    tests: testTargets(model.services),
    pnpmVersion: PNPM_VERSION,
    nodeVersion: imageVersion(model.images.node),
    pythonVersion: imageVersion(model.images.python),
    submodule: model.source.path,
    migrate: model.composeServices.some((svc) => svc.name === 'migrate'),
    smoke: smokeChecks(model),
    smokeInsecure: model.settings.tls.mode === 'self-signed',
    waitTimeoutSeconds: 600,
    tagPatterns: TAG_PATTERNS,
    compose: model.settings.targets.compose,
    ...(e2e ? { e2e } : {}),
    ...(provisioning ? { provisioning } : {}),
    // nginx resolves upstream names once; recreated containers get new addresses.
    ...(model.composeServices.some((svc) => svc.name === 'nginx') ? { edgeReload: `-p ${EDGE_PATHS.prefix} -c ${EDGE_PATHS.conf}` } : {}),
    ...(model.settings.targets.kubernetes
      ? {
          kubernetes: {
            // The kustomize secretGenerator reads secrets/<name>; CI writes each from an environment secret.
            secrets: model.secrets.map((secret) => ({ file: secret.name, env: `SECRET_${secret.name.toUpperCase()}`, secret: `GITMESH_SECRET_${secret.name.toUpperCase()}` })),
          },
        }
      : {}),
  };
}
