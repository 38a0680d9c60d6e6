/**
 * The GitMesh CE application service catalog: one entry per upstream service, with the facts the
 * deployment needs (source dir, start command, port, health, data dependencies, edge routes, the
 * settings it reads). Every fact is read from the pinned GitMesh CE tree (`gitmeshRef` in options.ts)
 * and cited as `path:line` in the entry's `evidence`, with the text found on that line;
 * test/rehearsal-env.test.ts checks every citation against the snapshot.
 */
import type { FeatureUse } from './feature-config.js';

export type DataNeed = 'postgres' | 'redis' | 'opensearch' | 'sqs' | 'temporal' | 'kafka';
export const DATA_NEEDS: readonly DataNeed[] = ['postgres', 'redis', 'opensearch', 'sqs', 'temporal', 'kafka'];

/** How a service is built: this picks the Dockerfile template. `image` services are pulled, not built. */
export type ServiceKind = 'node-api' | 'node-worker' | 'python-worker' | 'static-frontend' | 'image';
export const SERVICE_KINDS: readonly ServiceKind[] = ['node-api', 'node-worker', 'python-worker', 'static-frontend', 'image'];

/** Which part of the monorepo a Node service lives in; it decides the install/build steps. */
export type Workspace = 'backend' | 'services' | 'frontend' | 'python' | 'external';

/** What a container healthcheck can honestly probe. */
export type Health =
  | { kind: 'http'; path: string }
  | { kind: 'tcp' }
  | { kind: 'process'; match: string };

/** Links to other GitMesh services a service reads, besides its data services (values computed by wiring). */
export type Link = 'API_URL' | 'API_FRONTEND_URL' | 'SEARCH_SYNC_API_URL';

/** Relative resource weight of a service inside a size profile. */
export type Weight = 'light' | 'standard' | 'heavy';

/** An upstream line that shows a fact: `path:line` in the pinned tree and a piece of its text. */
export interface Evidence {
  readonly at: string;
  readonly shows: string;
}

/** A public path on the edge and where it lands on the service. */
export interface RouteSpec {
  readonly path: string;
  /** Replaces `path` on the way to the service: `/` strips the prefix; `path` itself passes it through. */
  readonly upstreamPath: string;
  /** Socket.IO (WebSocket) is also served at `<path>socket.io/`. */
  readonly websocket: boolean;
  /** The whole path is a Socket.IO endpoint. */
  readonly socketIo?: boolean;
  readonly rateLimit: 'api' | 'webhook' | 'none';
  /** The route the service's health path is published under (one per service). */
  readonly primary?: boolean;
  readonly evidence: Evidence;
}

export interface CatalogEntry {
  readonly name: string;
  readonly description: string;
  readonly kind: ServiceKind;
  readonly workspace: Workspace;
  /** Path of the service inside the GitMesh CE checkout. */
  readonly source: string;
  /** Exec-form start command, run from the service's working dir (upstream's npm script, without npm in between). */
  readonly command: readonly string[];
  /** Constant environment upstream's start script sets. */
  readonly env: readonly (readonly [string, string])[];
  readonly port?: number;
  readonly health: Health;
  readonly needs: readonly DataNeed[];
  /** Edge routes when the service is public. */
  readonly routes: readonly RouteSpec[];
  readonly weight: Weight;
  /** Part of the GitMesh CE standard stack (`--defaults`). */
  readonly standard: boolean;
  /** Feature settings the service reads (see feature-config.ts). */
  readonly features: FeatureUse;
  readonly links: readonly Link[];
  /** Variables the service refuses to start without (upstream checks them at start), beyond its data needs. */
  readonly requires: readonly string[];
  /** Python: directories requirements.txt installs editable (`-e ./<dir>`). */
  readonly localPackages?: readonly string[];
  /**
   * The service installs @temporalio/worker, whose native @temporalio/core-bridge ships prebuilt binaries for
   * glibc only: its image must be glibc-based (Debian), not Alpine (musl). The line that brings it in.
   * test/rehearsal-native.test.ts derives this set from the pinned lockfiles and checks it.
   */
  readonly temporalWorker?: Evidence;
  readonly evidence: readonly Evidence[];
}

const at = (path: string, line: number, shows: string): Evidence => ({ at: `${path}:${line}`, shows });

/** Upstream runs TypeScript through ts-node (backend tsconfig has noEmit): `TS_NODE_TRANSPILE_ONLY=true node -r ... <entry>`. */
const tsNode = (entry: string): string[] => ['node', '-r', 'tsconfig-paths/register', '-r', 'ts-node/register', entry];
const tsEnv = (service: string, extra: [string, string][] = []): [string, string][] => [['SERVICE', service], ['TS_NODE_TRANSPILE_ONLY', 'true'], ...extra];

const BACKEND_PKG = 'backend/package.json';
const BACKEND_CONF = 'backend/src/conf/index.ts';
const CEV = 'backend/config/custom-environment-variables.json';
const appPkg = (dir: string): string => `services/apps/${dir}/package.json`;
const appConf = (dir: string): string => `services/apps/${dir}/src/conf/index.ts`;
const appMain = (dir: string): string => `services/apps/${dir}/src/main.ts`;

/** Where the backend processes read their data services (one shared config module). */
const BACKEND_DATA: Readonly<Partial<Record<DataNeed, Evidence>>> = {
  postgres: at(BACKEND_CONF, 72, "config.get<DbConfiguration>('db')"),
  redis: at(BACKEND_CONF, 68, "config.get<IRedisConfiguration>('redis')"),
  opensearch: at(BACKEND_CONF, 120, "config.get<IOpenSearchConfig>('opensearch')"),
  sqs: at(BACKEND_CONF, 66, "config.get<SQSConfiguration>('sqs')"),
  // Repository options open a Temporal client whenever TEMPORAL_SERVER_URL is set (workers start workflows).
  temporal: at('backend/src/database/repositories/sequelizeRepository.ts', 47, 'getTemporalClient(TEMPORAL_CONFIG)'),
};
/** The backend's config reads all three (backend/config/custom-environment-variables.json:3,5,209). */
const BACKEND_LINKS: readonly Link[] = ['API_URL', 'API_FRONTEND_URL', 'SEARCH_SYNC_API_URL'];
const backendData = (needs: readonly DataNeed[]): Evidence[] => needs.flatMap((need) => (BACKEND_DATA[need] ? [BACKEND_DATA[need]] : []));

const backendWorker = (name: string, line: number, entry: string, description: string, needs: DataNeed[], extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
  name,
  description,
  kind: 'node-worker',
  workspace: 'backend',
  source: 'backend',
  command: tsNode(entry),
  env: tsEnv(name),
  health: { kind: 'process', match: entry },
  needs,
  routes: [],
  weight: 'standard',
  standard: true,
  features: {},
  links: BACKEND_LINKS,
  requires: [],
  ...extra,
  evidence: [at(BACKEND_PKG, line, `SERVICE=${name} TS_NODE_TRANSPILE_ONLY=true node -r tsconfig-paths/register -r ts-node/register ${entry}`), ...backendData(needs), ...(extra.evidence ?? [])],
});

const appWorker = (
  name: string,
  dir: string,
  startLine: number,
  description: string,
  needs: [DataNeed, Evidence][],
  extra: Partial<CatalogEntry> & { taskQueue?: string } = {},
): CatalogEntry => {
  const { taskQueue, ...rest } = extra;
  return {
    name,
    description,
    kind: 'node-worker',
    workspace: 'services',
    source: `services/apps/${dir}`,
    command: tsNode('src/main.ts'),
    env: tsEnv(name, taskQueue ? [['TEMPORAL_TASKQUEUE', taskQueue]] : []),
    health: { kind: 'process', match: 'src/main.ts' },
    needs: needs.map(([need]) => need),
    routes: [],
    weight: 'standard',
    standard: true,
    features: {},
    links: [],
    requires: [],
    ...rest,
    evidence: [at(appPkg(dir), startLine, `SERVICE=${name} TS_NODE_TRANSPILE_ONLY=true`), ...needs.map(([, evidence]) => evidence), ...(rest.evidence ?? [])],
  };
};

/** The worker archetype starts a Temporal worker (@temporalio/worker) for every service built on it. */
const ARCHETYPE_WORKER = at('services/archetypes/worker/src/index.ts', 3, "from '@temporalio/worker'");

/** The worker archetype refuses to start without these (services/archetypes/worker/src/index.ts:11-27). */
const WORKER_ARCHETYPE = ['TEMPORAL_TASKQUEUE'];

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'api',
    description: 'Backend REST API and Socket.IO server (backend, SERVICE=api)',
    kind: 'node-api',
    workspace: 'backend',
    source: 'backend',
    command: tsNode('src/bin/api.ts'),
    env: tsEnv('api'),
    port: 8080,
    health: { kind: 'http', path: '/health' },
    needs: ['postgres', 'redis', 'opensearch', 'sqs', 'temporal'],
    routes: [
      // Upstream's ingress sends /api/* to the API without the prefix (scripts/deploy/kubernetes/ingress.yaml:39).
      { path: '/api/', upstreamPath: '/', websocket: true, rateLimit: 'api', primary: true, evidence: at('scripts/deploy/kubernetes/ingress.yaml', 39, 'path: /api/?(.*)') },
      // Socket.IO's default path (new SocketServer(server) sets none). The DevTel client connects to
      // `${VUE_APP_BACKEND_URL}/devtel` with the default path, so it asks for /socket.io/ on the host;
      // the user socket does the same when VUE_APP_ENV is not production/staging.
      { path: '/socket.io/', upstreamPath: '/socket.io/', websocket: true, socketIo: true, rateLimit: 'api', evidence: at('frontend/src/modules/auth/auth-socket.js', 28, "'/socket.io'") },
      // The backend's own webhooks (raw bodies for signature checks), under the path it defines.
      { path: '/webhooks/stripe', upstreamPath: '/webhooks/stripe', websocket: false, rateLimit: 'webhook', evidence: at('backend/src/api/webhooks/index.ts', 5, '`/stripe`') },
      { path: '/webhooks/brevo', upstreamPath: '/webhooks/brevo', websocket: false, rateLimit: 'webhook', evidence: at('backend/src/api/webhooks/index.ts', 6, '`/brevo`') },
      // DevTel's GitHub webhook URL is built from the request host without /api.
      { path: '/webhook/devtel/', upstreamPath: '/webhook/devtel/', websocket: false, rateLimit: 'webhook', evidence: at('backend/src/api/devtel/settings/integrationCreate.ts', 70, '/webhook/devtel/github/') },
    ],
    weight: 'heavy',
    standard: true,
    features: { github: 'all', google: 'all', slack: 'all', twitter: 'all', email: 'all', nango: 'all', cubejs: 'all', s3: 'all', stripe: 'all', signals: 'all' },
    links: BACKEND_LINKS,
    requires: [],
    evidence: [
      at(BACKEND_PKG, 5, 'SERVICE=api TS_NODE_TRANSPILE_ONLY=true node -r tsconfig-paths/register -r ts-node/register src/bin/api.ts'),
      at('backend/config/default.json', 3, '"port": 8080'),
      at('backend/src/api/index.ts', 331, "app.use('/health'"),
      at('backend/src/api/index.ts', 361, "app.use('/webhooks', webhookRoutes)"),
      at('backend/src/api/websockets/index.ts', 17, 'new SocketServer(server)'),
      at('frontend/src/modules/devspace/services/devtel-socket.js', 22, 'VUE_APP_BACKEND_URL'),
      at('backend/src/api/devtel/index.ts', 328, '/webhook/devtel/github/:workspaceId'),
      ...backendData(['postgres', 'redis', 'opensearch', 'sqs']),
      at('backend/src/api/index.ts', 170, 'getTemporalClient(TEMPORAL_CONFIG)'),
      at(CEV, 3, 'API_URL'),
      at(CEV, 4, 'EDITION'),
    ],
  },
  {
    name: 'frontend',
    description: 'Vue 3 single-page app, built once and served as static files',
    kind: 'static-frontend',
    workspace: 'frontend',
    source: 'frontend',
    command: ['/usr/local/bin/gitmesh-frontend-entrypoint.sh'],
    env: [],
    port: 8081,
    health: { kind: 'http', path: '/' },
    needs: [],
    routes: [{ path: '/', upstreamPath: '/', websocket: false, rateLimit: 'none', primary: true, evidence: at('scripts/deploy/kubernetes/ingress.yaml', 46, 'path: /?(.*)') }],
    weight: 'light',
    standard: true,
    features: {},
    links: [],
    requires: [],
    evidence: [
      at('frontend/nginx.kube.conf', 22, 'listen 8081'),
      at('frontend/package.json', 1, '{'),
      // The runtime entrypoint replaces VUE_APP_* placeholders in the built bundle.
      at('frontend/scripts/docker-entrypoint.sh', 6, 'declare -a ENV_VARIABLES'),
    ],
  },
  {
    name: 'webhook-api',
    description: 'Receives integration webhooks: POST /github, /groupsio and /discourse/<tenant>/',
    kind: 'node-api',
    workspace: 'services',
    source: 'services/apps/webhook_api',
    command: tsNode('src/main.ts'),
    env: tsEnv('webhook-api'),
    port: 8082,
    health: { kind: 'tcp' },
    needs: ['postgres', 'sqs'],
    routes: [
      { path: '/webhooks/', upstreamPath: '/', websocket: false, rateLimit: 'webhook', primary: true, evidence: at('services/apps/webhook_api/src/routes/github.ts', 17, "'/github'") },
      // The frontend tells Discourse admins to deliver to /api/webhooks/discourse/<tenantId>; only the
      // webhook API has that route (the backend's webhook router has github, stripe and brevo).
      { path: '/api/webhooks/discourse/', upstreamPath: '/discourse/', websocket: false, rateLimit: 'webhook', evidence: at('frontend/src/integrations/discourse/components/discourse-connect-drawer.vue', 303, '/api/webhooks/discourse/') },
    ],
    weight: 'standard',
    standard: true,
    features: {},
    links: [],
    requires: [],
    evidence: [
      at(appPkg('webhook_api'), 11, 'SERVICE=webhook-api'),
      at('services/apps/webhook_api/config/default.json', 3, '"port": 8082'),
      at('services/apps/webhook_api/src/main.ts', 43, 'installGithubRoutes(app)'),
      at('services/apps/webhook_api/src/main.ts', 44, 'installGroupsIoRoutes(app)'),
      at('services/apps/webhook_api/src/main.ts', 45, 'installDiscourseRoutes(app)'),
      at('services/apps/webhook_api/src/routes/groupsio.ts', 15, "'/groupsio'"),
      at('services/apps/webhook_api/src/routes/discourse.ts', 15, "'/discourse/:tenantId/'"),
      at(appMain('webhook_api'), 21, 'getSqsClient(SQS_CONFIG())'),
      at(appMain('webhook_api'), 23, 'getDbConnection(DB_CONFIG()'),
    ],
  },
  {
    name: 'search-sync-api',
    description: 'Internal API that triggers OpenSearch re-syncs',
    kind: 'node-api',
    workspace: 'services',
    source: 'services/apps/search_sync_api',
    command: tsNode('src/main.ts'),
    env: tsEnv('search-sync-api'),
    port: 8083,
    health: { kind: 'http', path: '/health' },
    needs: ['postgres', 'redis', 'opensearch'],
    routes: [],
    weight: 'light',
    standard: true,
    features: {},
    links: [],
    requires: [],
    evidence: [
      at(appPkg('search_sync_api'), 11, 'SERVICE=search-sync-api'),
      at('services/apps/search_sync_api/config/default.json', 3, '"port": 8083'),
      at(appMain('search_sync_api'), 43, "app.get('/health'"),
      at(appMain('search_sync_api'), 22, 'getRedisClient(REDIS_CONFIG()'),
      at(appMain('search_sync_api'), 23, 'getOpensearchClient(OPENSEARCH_CONFIG())'),
      at(appMain('search_sync_api'), 25, 'getDbConnection(DB_CONFIG()'),
    ],
  },
  backendWorker('job-generator', 8, 'src/bin/job-generator.ts', 'Schedules periodic backend jobs', ['postgres', 'redis', 'sqs', 'temporal']),
  backendWorker('nodejs-worker', 11, 'src/bin/nodejs-worker', 'Backend queue worker (SQS_NODEJS_WORKER_QUEUE)', ['postgres', 'redis', 'opensearch', 'sqs', 'temporal'], {
    features: { github: 'all', slack: 'all', twitter: 'all', email: 'all', nango: 'all', cubejs: 'all', s3: 'all', signals: 'all' },
    evidence: [at('backend/src/bin/nodejs-worker.ts', 142, 'queue: SQS_CONFIG.nodejsWorkerQueue')],
  }),
  backendWorker('discord-ws', 14, 'src/bin/discord-ws.ts', 'Discord gateway listener (logs in with DISCORD_TOKEN at start)', ['postgres', 'redis', 'sqs'], {
    standard: false,
    features: { discord: 'all' },
    requires: ['DISCORD_TOKEN'],
    evidence: [at('backend/src/bin/discord-ws.ts', 262, 'DISCORD_CONFIG.token'), at(CEV, 131, 'DISCORD_TOKEN')],
  }),
  appWorker('data-sink-worker', 'data_sink_worker', 12, 'Writes processed integration results to the database', [
    ['postgres', at(appMain('data_sink_worker'), 44, 'getDbConnection(DB_CONFIG()')],
    ['redis', at(appMain('data_sink_worker'), 46, 'getRedisClient(REDIS_CONFIG())')],
    ['sqs', at(appMain('data_sink_worker'), 42, 'getSqsClient(SQS_CONFIG())')],
    ['temporal', at(appMain('data_sink_worker'), 39, 'getTemporalClient(TEMPORAL_CONFIG())')],
  ], { weight: 'heavy', links: ['SEARCH_SYNC_API_URL'], evidence: [at('services/apps/data_sink_worker/config/custom-environment-variables.json', 1, '{')] }),
  appWorker('integration-run-worker', 'integration_run_worker', 11, 'Starts integration runs', [
    ['postgres', at(appMain('integration_run_worker'), 25, 'getDbConnection(DB_CONFIG()')],
    ['redis', at(appMain('integration_run_worker'), 26, 'getRedisClient(REDIS_CONFIG()')],
    ['sqs', at(appMain('integration_run_worker'), 23, 'getSqsClient(SQS_CONFIG())')],
  ], { features: { github: 'all', nango: 'all', twitter: 'all' }, links: ['SEARCH_SYNC_API_URL'], evidence: [at('services/apps/integration_run_worker/config/custom-environment-variables.json', 1, '{')] }),
  appWorker('integration-stream-worker', 'integration_stream_worker', 11, 'Fetches integration streams from providers', [
    ['postgres', at(appMain('integration_stream_worker'), 26, 'getDbConnection(DB_CONFIG()')],
    ['redis', at(appMain('integration_stream_worker'), 27, 'getRedisClient(REDIS_CONFIG()')],
    ['sqs', at(appMain('integration_stream_worker'), 24, 'getSqsClient(SQS_CONFIG())')],
  ], { features: { github: 'all', nango: 'all', twitter: 'all', discord: 'all' } }),
  appWorker('integration-data-worker', 'integration_data_worker', 11, 'Processes raw integration data', [
    ['postgres', at(appMain('integration_data_worker'), 21, 'getDbConnection(DB_CONFIG()')],
    ['redis', at(appMain('integration_data_worker'), 22, 'getRedisClient(REDIS_CONFIG()')],
    ['sqs', at(appMain('integration_data_worker'), 19, 'getSqsClient(SQS_CONFIG())')],
  ], { features: { github: 'all' } }),
  appWorker('integration-sync-worker', 'integration_sync_worker', 11, 'Syncs data back to integrations', [
    ['postgres', at(appMain('integration_sync_worker'), 19, 'getDbConnection(DB_CONFIG()')],
    ['opensearch', at(appMain('integration_sync_worker'), 21, 'getOpensearchClient(OPENSEARCH_CONFIG())')],
    ['sqs', at(appMain('integration_sync_worker'), 17, 'getSqsClient(SQS_CONFIG())')],
  ], { features: { nango: 'all' } }),
  appWorker('search-sync-worker', 'search_sync_worker', 11, 'Keeps OpenSearch indexes in sync with PostgreSQL', [
    ['postgres', at(appMain('search_sync_worker'), 25, 'getDbConnection(DB_CONFIG()')],
    ['redis', at(appMain('search_sync_worker'), 21, 'getRedisClient(REDIS_CONFIG())')],
    ['opensearch', at(appConf('search_sync_worker'), 29, "config.get<IOpenSearchConfig>('opensearch')")],
    ['sqs', at(appMain('search_sync_worker'), 23, 'getSqsClient(SQS_CONFIG())')],
  ], { weight: 'heavy' }),
  appWorker('automations-worker', 'automations_worker', 11, 'Runs workflow automations (Temporal task queue "automations")', [
    ['postgres', at(appMain('automations_worker'), 19, 'enabled: true')],
    ['redis', at(appMain('automations_worker'), 13, 'enabled: true')],
    ['temporal', at('services/archetypes/worker/src/index.ts', 13, "'TEMPORAL_SERVER_URL'")],
  ], { taskQueue: 'automations', links: ['API_FRONTEND_URL'], requires: WORKER_ARCHETYPE, temporalWorker: ARCHETYPE_WORKER, evidence: [at(appPkg('automations_worker'), 11, 'TEMPORAL_TASKQUEUE=automations'), at(appMain('automations_worker'), 25, 'process.env.API_FRONTEND_URL')] }),
  appWorker('emails-worker', 'emails_worker', 12, 'Sends digest and weekly analytics emails (Temporal task queue "emails"; needs Brevo, Cube.js and Signals settings)', [
    ['postgres', at(appMain('emails_worker'), 35, 'enabled: true')],
    ['temporal', at(appMain('emails_worker'), 26, 'enabled: true')],
  ], {
    standard: false,
    taskQueue: 'emails',
    temporalWorker: ARCHETYPE_WORKER,
    links: ['API_FRONTEND_URL'],
    features: {
      email: ['BREVO_API_KEY', 'BREVO_TEMPLATE_SIGNALS_DIGEST', 'BREVO_TEMPLATE_WEEKLY_ANALYTICS', 'BREVO_NAME_FROM', 'BREVO_EMAIL_FROM'],
      cubejs: 'all',
      signals: 'all',
      s3: ['S3_MICROSERVICES_ASSETS_BUCKET'],
    },
    // services/apps/emails_worker/src/main.ts:9-21: the archetype refuses to start without each.
    requires: [...WORKER_ARCHETYPE, 'API_FRONTEND_URL', 'SIGNALS_URL', 'SIGNALS_API_KEY', 'CUBEJS_URL', 'CUBEJS_JWT_SECRET', 'CUBEJS_JWT_EXPIRY', 'BREVO_API_KEY', 'BREVO_TEMPLATE_SIGNALS_DIGEST', 'BREVO_TEMPLATE_WEEKLY_ANALYTICS', 'BREVO_NAME_FROM', 'BREVO_EMAIL_FROM'],
    evidence: [at('scripts/services/emails-worker.yaml', 5, 'TEMPORAL_TASKQUEUE: emails'), at(appMain('emails_worker'), 9, 'envvars: [')],
  }),
  appWorker('signal-enrichment-worker', 'signal_enrichment_worker', 12, 'Enriches activity signals', [
    ['postgres', at(appMain('signal_enrichment_worker'), 20, 'getDbConnection(DB_CONFIG()')],
    ['redis', at(appMain('signal_enrichment_worker'), 21, 'getRedisClient(REDIS_CONFIG()')],
    ['opensearch', at(appConf('signal_enrichment_worker'), 104, "config.get<IOpenSearchConfig>('opensearch')")],
    ['sqs', at(appMain('signal_enrichment_worker'), 19, 'getSqsClient(SQS_CONFIG())')],
    // Its TemporalWorkerService (src/service/temporalWorkerService.ts:2) imports @temporalio/worker.
  ], { standard: false, temporalWorker: at(appPkg('signal_enrichment_worker'), 42, '"@temporalio/worker": "~1.8.6"') }),
  {
    name: 'python-worker',
    description: 'Python worker: members score (SQS_PYTHON_WORKER_QUEUE)',
    kind: 'python-worker',
    workspace: 'python',
    source: 'backend/src/serverless/microservices/python',
    // start-python-worker.sh:4 runs `$CLI_HOME/venv/bin/python -u python_worker.py`.
    command: ['venv/bin/python', '-u', 'python_worker.py'],
    // SERVICE_ENV=docker: upstream's compose service (scripts/services/python-worker.yaml:3).
    env: [['SERVICE', 'python-worker'], ['SERVICE_ENV', 'docker'], ['PYTHONUNBUFFERED', '1']],
    health: { kind: 'process', match: 'python_worker.py' },
    needs: ['postgres', 'sqs'],
    routes: [],
    weight: 'standard',
    standard: true,
    features: {},
    links: [],
    // config.py:4 switches the SQS client to SQS_ENDPOINT only when KUBE_MODE is set (sqs.py:37-42);
    // config.py:42 raises without DB credentials.
    requires: ['KUBE_MODE', 'SQS_ENDPOINT', 'SQS_PYTHON_WORKER_QUEUE', 'DB_USERNAME', 'DB_PASSWORD'],
    localPackages: ['gitmesh-backend', 'gitmesh-members-score'],
    evidence: [
      at('backend/src/serverless/microservices/python/start-python-worker.sh', 4, 'venv/bin/python -u python_worker.py'),
      at('scripts/services/python-worker.yaml', 3, 'SERVICE_ENV: docker'),
      at('backend/src/serverless/microservices/python/requirements.txt', 1, '-e ./gitmesh-backend'),
      at('backend/src/serverless/microservices/python/requirements.txt', 2, '-e ./gitmesh-members-score'),
      at('backend/src/serverless/microservices/python/python_worker.py', 12, 'SQS(PYTHON_WORKER_QUEUE)'),
      at('backend/src/serverless/microservices/python/gitmesh-backend/gitmesh/backend/infrastructure/config.py', 25, 'SQS_PYTHON_WORKER_QUEUE'),
      at('backend/src/serverless/microservices/python/gitmesh-backend/gitmesh/backend/infrastructure/config.py', 45, 'DB_READ_HOST'),
      at('backend/src/serverless/microservices/python/gitmesh-backend/gitmesh/backend/infrastructure/config.py', 4, 'KUBE_MODE'),
      at('backend/src/serverless/microservices/python/gitmesh-backend/gitmesh/backend/infrastructure/sqs.py', 37, 'if KUBE_MODE:'),
    ],
  },
];

export const CATALOG_BY_NAME: ReadonlyMap<string, CatalogEntry> = new Map(CATALOG.map((entry) => [entry.name, entry]));
export const STANDARD_SERVICES: readonly string[] = CATALOG.filter((entry) => entry.standard).map((entry) => entry.name);
