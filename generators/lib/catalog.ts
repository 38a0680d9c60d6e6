/**
 * The GitMesh CE application service catalog: one entry per upstream service, with the facts the
 * deployment needs (source dir, start command, port, health, data dependencies, edge route).
 * Facts are read from alveoli-app/gitmesh-ce; see ../../docs/gitmesh-ce-facts.md for the evidence.
 */

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

/** Relative resource weight of a service inside a size profile. */
export type Weight = 'light' | 'standard' | 'heavy';

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
  /** Path prefix on the edge when the service is public. */
  readonly route?: { readonly path: string; readonly websocket: boolean; readonly rateLimit: 'api' | 'webhook' | 'none' };
  readonly weight: Weight;
  /** Part of the GitMesh CE standard stack (`--defaults`). */
  readonly standard: boolean;
}

/** Upstream runs TypeScript through ts-node (backend tsconfig has noEmit): `TS_NODE_TRANSPILE_ONLY=true node -r ... <entry>`. */
const tsNode = (entry: string): string[] => ['node', '-r', 'tsconfig-paths/register', '-r', 'ts-node/register', entry];
const tsEnv = (service: string, extra: [string, string][] = []): [string, string][] => [['SERVICE', service], ['TS_NODE_TRANSPILE_ONLY', 'true'], ...extra];

const backendWorker = (name: string, entry: string, description: string, needs: DataNeed[], standard = true): CatalogEntry => ({
  name,
  description,
  kind: 'node-worker',
  workspace: 'backend',
  source: 'backend',
  command: tsNode(entry),
  env: tsEnv(name),
  health: { kind: 'process', match: entry },
  needs,
  weight: 'standard',
  standard,
});

const appWorker = (name: string, dir: string, description: string, needs: DataNeed[], standard = true, weight: Weight = 'standard', env: [string, string][] = []): CatalogEntry => ({
  name,
  description,
  kind: 'node-worker',
  workspace: 'services',
  source: `services/apps/${dir}`,
  command: tsNode('src/main.ts'),
  env: tsEnv(name, env),
  health: { kind: 'process', match: 'src/main.ts' },
  needs,
  weight,
  standard,
});

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'api',
    description: 'Backend REST API (backend, SERVICE=api)',
    kind: 'node-api',
    workspace: 'backend',
    source: 'backend',
    command: tsNode('src/bin/api.ts'),
    env: tsEnv('api'),
    port: 8080,
    health: { kind: 'http', path: '/health' },
    needs: ['postgres', 'redis', 'opensearch', 'sqs', 'temporal'],
    route: { path: '/api/', websocket: true, rateLimit: 'api' },
    weight: 'heavy',
    standard: true,
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
    route: { path: '/', websocket: false, rateLimit: 'none' },
    weight: 'light',
    standard: true,
  },
  {
    name: 'webhook-api',
    description: 'Receives integration webhooks (GitHub, Discord, ...)',
    kind: 'node-api',
    workspace: 'services',
    source: 'services/apps/webhook_api',
    command: tsNode('src/main.ts'),
    env: tsEnv('webhook-api'),
    port: 8082,
    health: { kind: 'tcp' },
    needs: ['postgres', 'sqs'],
    route: { path: '/webhooks/', websocket: false, rateLimit: 'webhook' },
    weight: 'standard',
    standard: true,
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
    weight: 'light',
    standard: true,
  },
  backendWorker('job-generator', 'src/bin/job-generator.ts', 'Schedules periodic backend jobs', ['postgres', 'redis', 'sqs']),
  backendWorker('nodejs-worker', 'src/bin/nodejs-worker', 'Backend queue worker (nodejs-worker.fifo)', ['postgres', 'redis', 'opensearch', 'sqs']),
  backendWorker('discord-ws', 'src/bin/discord-ws.ts', 'Discord gateway websocket listener', ['postgres', 'redis', 'sqs'], false),
  appWorker('data-sink-worker', 'data_sink_worker', 'Writes processed integration results to the database', ['postgres', 'redis', 'sqs', 'temporal'], true, 'heavy'),
  appWorker('integration-run-worker', 'integration_run_worker', 'Starts integration runs', ['postgres', 'redis', 'sqs']),
  appWorker('integration-stream-worker', 'integration_stream_worker', 'Fetches integration streams from providers', ['postgres', 'redis', 'sqs']),
  appWorker('integration-data-worker', 'integration_data_worker', 'Processes raw integration data', ['postgres', 'redis', 'sqs']),
  appWorker('integration-sync-worker', 'integration_sync_worker', 'Syncs data back to integrations', ['postgres', 'opensearch', 'sqs']),
  appWorker('search-sync-worker', 'search_sync_worker', 'Keeps OpenSearch indexes in sync with PostgreSQL', ['postgres', 'redis', 'opensearch', 'sqs'], true, 'heavy'),
  appWorker('automations-worker', 'automations_worker', 'Runs workflow automations (Temporal task queue "automations")', ['postgres', 'redis', 'temporal'], true, 'standard', [['TEMPORAL_TASKQUEUE', 'automations']]),
  appWorker('emails-worker', 'emails_worker', 'Sends digest and notification emails (Temporal task queue "emails"; needs Brevo/CubeJS settings)', ['postgres', 'redis', 'temporal'], false, 'standard', [['TEMPORAL_TASKQUEUE', 'emails']]),
  appWorker('signal-enrichment-worker', 'signal_enrichment_worker', 'Enriches activity signals', ['postgres', 'redis', 'opensearch', 'sqs'], false),
  {
    name: 'python-worker',
    description: 'Python microservice worker (python-worker.fifo)',
    kind: 'python-worker',
    workspace: 'python',
    source: 'backend/src/serverless/microservices/python',
    command: ['venv/bin/python', '-u', 'python_worker.py'],
    env: [['SERVICE', 'python-worker'], ['SERVICE_ENV', 'docker'], ['KUBE_MODE', '1'], ['PYTHONUNBUFFERED', '1']],
    health: { kind: 'process', match: 'python_worker.py' },
    needs: ['postgres', 'sqs'],
    weight: 'standard',
    standard: true,
  },
];

export const CATALOG_BY_NAME: ReadonlyMap<string, CatalogEntry> = new Map(CATALOG.map((entry) => [entry.name, entry]));
export const STANDARD_SERVICES: readonly string[] = CATALOG.filter((entry) => entry.standard).map((entry) => entry.name);
