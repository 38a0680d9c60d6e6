/** Application services: catalog entries and onboarded services become typed AppService records. */
import { CATALOG_BY_NAME, type CatalogEntry, type DataNeed, type Health, type Link, type RouteSpec } from '../catalog.js';
import type { FeatureUse } from '../feature-config.js';
import type { AppService, ComposeService, Mount, Route } from '../model.js';
import type { Answers, CustomService } from '../options.js';
import { resourcesFor } from '../sizing.js';
import { APP_GID, APP_UID } from '../versions.js';
import { healthcheckFor } from './health.js';
import { ONE_SHOT_JOBS } from './infra.js';
import { serviceEnvironment, serviceSecrets, type WiringSpec } from './wiring.js';

export const ENV_FROM_FILES: Mount = { type: 'bind', source: './config/env-from-files.sh', target: '/usr/local/bin/env-from-files', readOnly: true };

/** The SPA server config (listen 8081, try_files, no root-owned pid): see config/frontend/default.conf. */
const FRONTEND_CONF: Mount = { type: 'bind', source: './config/frontend/default.conf', target: '/etc/nginx/conf.d/default.conf', readOnly: true };

/** Where each workspace lives in the image (mirrors upstream's /usr/gitmesh/app layout so tsconfig paths resolve). */
const WORKDIR: Record<string, (source: string) => string> = {
  backend: () => '/usr/gitmesh/app/backend',
  services: (source) => `/usr/gitmesh/app/${source}`,
  frontend: () => '/etc/nginx/html',
  python: () => '/usr/gitmesh/python',
  external: () => '/',
};

const DOCKER_TEMPLATE: Record<string, string | undefined> = {
  backend: 'node-backend',
  services: 'node-services',
  frontend: 'frontend',
  python: 'python',
};

interface Spec {
  readonly name: string;
  readonly description: string;
  readonly kind: CatalogEntry['kind'];
  readonly workspace: CatalogEntry['workspace'];
  readonly source: string;
  readonly command: readonly string[];
  readonly env: readonly (readonly [string, string])[];
  readonly port?: number;
  readonly health: Health;
  readonly needs: readonly DataNeed[];
  readonly routes: readonly Omit<RouteSpec, 'evidence'>[];
  readonly weight: CatalogEntry['weight'];
  readonly replicas: number;
  readonly custom: boolean;
  readonly features: FeatureUse;
  readonly requires: readonly string[];
  readonly links: readonly Link[];
  readonly localPackages: readonly string[];
  readonly extraSecrets: readonly string[];
  readonly extraEnv: readonly string[];
  readonly libc: 'musl' | 'glibc';
}

function fromCatalog(entry: CatalogEntry): Spec {
  return { ...entry, localPackages: entry.localPackages ?? [], replicas: 1, custom: false, extraSecrets: [], extraEnv: [], libc: entry.temporalWorker ? 'glibc' : 'musl' };
}

function fromCustom(svc: CustomService): Spec {
  const workspace = svc.kind === 'image' ? 'external' : svc.kind === 'python-worker' ? 'python' : svc.kind === 'static-frontend' ? 'frontend' : 'services';
  const health: Health = svc.healthPath ? { kind: 'http', path: svc.healthPath } : svc.port !== undefined ? { kind: 'tcp' } : { kind: 'process', match: svc.kind === 'python-worker' ? 'python' : 'node' };
  const command = svc.kind === 'python-worker' ? ['venv/bin/python', '-u', 'main.py'] : svc.kind === 'image' || svc.kind === 'static-frontend' ? [] : ['node', 'dist/main.js'];
  return {
    name: svc.name,
    description: `Onboarded ${svc.kind} service`,
    kind: svc.kind,
    workspace,
    source: svc.source,
    command,
    env: [['SERVICE', svc.name]],
    ...(svc.port !== undefined ? { port: svc.port } : {}),
    health,
    needs: svc.needs,
    routes: svc.routePath ? [{ path: svc.routePath, upstreamPath: '/', websocket: false, rateLimit: 'api' as const, primary: true }] : [],
    weight: svc.size,
    replicas: svc.replicas,
    custom: true,
    features: {},
    requires: [],
    links: [],
    localPackages: [],
    extraSecrets: [...svc.secrets, ...(svc.externalSecrets ?? [])],
    extraEnv: svc.env,
    libc: 'musl',
  };
}

export function appSpecs(answers: Answers): Spec[] {
  return [...answers.services.map((name) => fromCatalog(CATALOG_BY_NAME.get(name)!)), ...answers.customServices.map(fromCustom)];
}

export function buildAppService(spec: Spec, answers: Answers, dataDeps: ReadonlyMap<DataNeed, string[]>): AppService {
  const imageRepository = `${answers.registry}/${answers.imageNamespace}/${answers.projectName}-${spec.name}`;
  const built = spec.kind !== 'image';
  const runtime = spec.kind === 'python-worker' ? 'python' : spec.kind === 'static-frontend' ? 'busybox' : spec.kind === 'image' ? 'unknown' : 'node';
  // The API registers /health only after it has connected to every dependency: give it time.
  const startPeriod = spec.kind === 'node-api' || spec.kind === 'node-worker' ? '90s' : '20s';
  const healthcheck = healthcheckFor(spec.health, runtime, spec.port, startPeriod, spec.needs);
  const workingDir = (WORKDIR[spec.workspace] ?? WORKDIR.external!)(spec.source);
  const dockerTemplate = spec.custom && built ? (spec.kind === 'python-worker' ? 'python' : spec.kind === 'static-frontend' ? 'frontend' : 'node-custom') : DOCKER_TEMPLATE[spec.workspace];
  const image = spec.kind === 'image' ? spec.source : `${imageRepository}:\${GITMESH_IMAGE_TAG:?set GITMESH_IMAGE_TAG in .env}`;
  const routes: Route[] =
    spec.port === undefined
      ? []
      : spec.routes.map((route, index) => ({
          name: index === 0 ? spec.name : `${spec.name}-${route.path.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase()}`,
          path: route.path,
          service: spec.name,
          port: spec.port!,
          upstreamPath: route.upstreamPath,
          stripPrefix: route.upstreamPath !== route.path,
          websocket: route.websocket,
          socketIo: route.socketIo ?? false,
          rateLimit: route.rateLimit,
          ...(route.primary && spec.health.kind === 'http' ? { healthPath: spec.health.path } : {}),
        }));
  const wiring: WiringSpec = spec;
  const secrets = serviceSecrets(wiring);
  const usesSecretFiles = secrets.length > 0 && spec.kind !== 'image' && spec.kind !== 'static-frontend';
  const networks = ['app', ...(routes.length ? ['edge'] : []), ...(spec.needs.length ? ['data'] : [])];
  const dependsOn = [...new Set(spec.needs.flatMap((need) => dataDeps.get(need) ?? []))].map((name) => ({
    name,
    condition: ONE_SHOT_JOBS.has(name) ? ('service_completed_successfully' as const) : ('service_healthy' as const),
  }));
  const compose: ComposeService = {
    name: spec.name,
    file: 'main',
    description: spec.description,
    tier: 'app',
    image,
    ...(built ? { build: { context: `./gitmesh`, dockerfile: `../docker/${spec.name}/Dockerfile` } } : {}),
    profiles: [],
    ...(usesSecretFiles ? { entrypoint: ['/usr/local/bin/env-from-files'], command: spec.command } : {}),
    environment: serviceEnvironment(wiring, answers, secrets),
    secrets,
    networks,
    mounts: [...(usesSecretFiles ? [ENV_FROM_FILES] : []), ...(spec.kind === 'static-frontend' ? [FRONTEND_CONF] : [])],
    tmpfs: spec.kind === 'static-frontend' ? ['/tmp:size=16m'] : ['/tmp:size=64m'],
    ports: [],
    devPorts: spec.port !== undefined ? [`127.0.0.1:${spec.port}:${spec.port}`] : [],
    healthcheck,
    dependsOn,
    resources: resourcesFor(answers.sizeProfile, spec.weight),
    capAdd: [],
    // The frontend's upstream entrypoint rewrites config placeholders in the bundle at start.
    readOnly: spec.kind !== 'static-frontend',
    replicas: spec.replicas,
    stopGracePeriod: '30s',
    ulimits: [],
    restart: 'unless-stopped',
    ...(spec.kind === 'image' ? {} : { user: spec.kind === 'static-frontend' ? '101:101' : `${APP_UID}:${APP_GID}` }),
  };
  return {
    name: spec.name,
    description: spec.description,
    kind: spec.kind,
    workspace: spec.workspace,
    source: spec.source,
    ...(spec.port !== undefined ? { port: spec.port } : {}),
    health: spec.health,
    needs: spec.needs,
    weight: spec.weight,
    replicas: spec.replicas,
    custom: spec.custom,
    imageRepository,
    ...(built && dockerTemplate ? { dockerfile: `docker/${spec.name}/Dockerfile`, dockerTemplate } : {}),
    command: spec.command,
    workingDir,
    imageEnv: spec.env,
    healthcheck,
    routes,
    requires: spec.requires,
    localPackages: spec.localPackages,
    libc: spec.libc,
    compose,
  };
}
