/** Application services: catalog entries and onboarded services become typed AppService records. */
import { CATALOG_BY_NAME, type CatalogEntry, type DataNeed, type Health, type Link, type RouteSpec } from '../catalog.js';
import type { FeatureUse } from '../feature-config.js';
import type { AppService, ComposeService, CoreFacts, Mount, Route } from '../model.js';
import type { Answers, CustomService } from '../options.js';
import { traitsOf, type ServiceKindTraits } from '../service-kinds.js';
import { resourcesFor } from '../sizing.js';
import { APP_GID, APP_UID } from '../versions.js';
import { healthcheckFor } from './health.js';
import { ONE_SHOT_JOBS } from './infra.js';
import { edgeLocations } from './edge/limits.js';
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

/** `user:` of each `runAs` trait (the pulled image's own user: none set). */
const RUN_AS: Readonly<Record<ServiceKindTraits['runAs'], string | undefined>> = { app: `${APP_UID}:${APP_GID}`, nginx: '101:101', image: undefined };

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
  const traits = traitsOf(svc.kind);
  const { workspace, command } = traits.custom;
  const health: Health = svc.healthPath ? { kind: 'http', path: svc.healthPath } : svc.port !== undefined ? { kind: 'tcp' } : { kind: 'process', match: traits.processMatch };
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

/** The selected catalog services, then the onboarded ones (prepare/index.ts hands over the two answers). */
export function appSpecs(catalogServices: Answers['services'], customServices: Answers['customServices']): Spec[] {
  return [...catalogServices.map((name) => fromCatalog(CATALOG_BY_NAME.get(name)!)), ...customServices.map(fromCustom)];
}

/** `selected`: the catalog services of this deployment (a link to one is wired only when it runs). */
export function buildAppService(spec: Spec, facts: CoreFacts, selected: ReadonlySet<string>, dataDeps: ReadonlyMap<DataNeed, string[]>): AppService {
  const { project } = facts;
  const imageRepository = `${project.registry}/${project.imageNamespace}/${project.name}-${spec.name}`;
  const traits = traitsOf(spec.kind);
  const { built } = traits;
  // The API registers /health only after it has connected to every dependency: give it time.
  const healthcheck = healthcheckFor(spec.health, traits.runtime, spec.port, traits.startPeriod, spec.needs);
  const workingDir = (WORKDIR[spec.workspace] ?? WORKDIR.external!)(spec.source);
  const dockerTemplate = spec.custom && built ? traits.custom.dockerTemplate : DOCKER_TEMPLATE[spec.workspace];
  const image = !built ? spec.source : `${imageRepository}:\${GITMESH_IMAGE_TAG:?set GITMESH_IMAGE_TAG in .env}`;
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
          locations: edgeLocations(route, spec),
        }));
  const wiring: WiringSpec = spec;
  const secrets = serviceSecrets(wiring, facts.data.postgres);
  const usesSecretFiles = secrets.length > 0 && traits.secretFiles;
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
    environment: serviceEnvironment(wiring, facts, selected, secrets),
    secrets,
    networks,
    mounts: [...(usesSecretFiles ? [ENV_FROM_FILES] : []), ...(traits.spaServer ? [FRONTEND_CONF] : [])],
    tmpfs: [`/tmp:size=${traits.tmpSize}`],
    ports: [],
    devPorts: spec.port !== undefined ? [`127.0.0.1:${spec.port}:${spec.port}`] : [],
    healthcheck,
    dependsOn,
    resources: resourcesFor(facts.settings.sizeProfile, spec.weight),
    capAdd: [],
    // The frontend's upstream entrypoint rewrites config placeholders in the bundle at start.
    readOnly: traits.readOnlyRoot,
    replicas: spec.replicas,
    stopGracePeriod: '30s',
    ulimits: [],
    restart: 'unless-stopped',
    ...(RUN_AS[traits.runAs] ? { user: RUN_AS[traits.runAs] } : {}),
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
