/**
 * Service discovery and secrets: which variables and secret files each service gets, derived from
 * what it needs and what upstream reads. A service only receives the settings and secrets it reads
 * (test/rehearsal-env.test.ts checks both directions against the pinned GitMesh CE tree).
 */
import type { DataNeed, Link, Workspace } from '../catalog.js';
import { featureSecretName, featureVariables, type FeatureUse } from '../feature-config.js';
import type { CoreFacts } from '../model.js';
import { appPostgresIdentity, appRedisUser } from './identities.js';

/** The Temporal namespace the services use; the stack's temporal-namespace job registers it (auto-setup used to). */
export const TEMPORAL_NAMESPACE = 'default';

export const PUBLIC_HOST = (project: CoreFacts['project']): string => `\${GITMESH_PUBLIC_HOST:-${project.domain}}`;
export const DB_NAME = 'gitmesh-web';
export const DB_USER = 'gitmesh';
export const SQS_ACCOUNT = '000000000000';

/**
 * NODE_ENV of every Node service: `docker`, as upstream's own deployment sets it
 * (scripts/deploy/pre-built/gitmesh-services.yaml:5, scripts/services/api.yaml:3). It decides queue
 * names: services/libs/sqs/src/queue.ts:43-54 appends `-production`/`-staging` for those NODE_ENVs,
 * while the backend polls the queue URLs it is given, so only a NODE_ENV without a suffix keeps
 * producers, consumers and the queues ElasticMQ declares on one name. It also makes the services
 * create their OpenSearch indexes at start (services/libs/opensearch/src/service/opensearch.service.ts:231),
 * which `production` expects to exist already.
 */
export const NODE_ENV = 'docker';

/** GitMesh CE edition: the community value of upstream's enum (services/libs/types/src/enums/edition.ts:2). */
export const EDITION = 'gitmesh-ce';

/** SQS queues and the variable the backend reads each URL from (backend/config/custom-environment-variables.json:19-27). */
export const QUEUES: readonly (readonly [string, string])[] = [
  ['SQS_NODEJS_WORKER_QUEUE', 'nodejs-worker.fifo'],
  ['SQS_NODEJS_WORKER_DELAYABLE_QUEUE', 'nodejs-worker'],
  ['SQS_PYTHON_WORKER_QUEUE', 'python-worker.fifo'],
  ['SQS_INTEGRATION_RUN_WORKER_QUEUE', 'integration-run-worker.fifo'],
  ['SQS_INTEGRATION_STREAM_WORKER_QUEUE', 'integration-stream-worker.fifo'],
  ['SQS_INTEGRATION_DATA_WORKER_QUEUE', 'integration-data-worker.fifo'],
  ['SQS_INTEGRATION_SYNC_WORKER_QUEUE', 'integration-sync-worker.fifo'],
  ['SQS_DATA_SINK_WORKER_QUEUE', 'data-sink-worker.fifo'],
  ['SQS_SEARCH_SYNC_WORKER_QUEUE', 'search-sync-worker.fifo'],
];
/** The queue URL variables the Python worker reads (gitmesh/backend/infrastructure/config.py:24-25). */
const PYTHON_QUEUES = ['SQS_NODEJS_WORKER_QUEUE', 'SQS_PYTHON_WORKER_QUEUE'];

/** What wiring needs to know about a service. */
export interface WiringSpec {
  readonly name: string;
  readonly workspace: Workspace;
  readonly needs: readonly DataNeed[];
  readonly features: FeatureUse;
  readonly requires: readonly string[];
  readonly links: readonly Link[];
  readonly extraEnv: readonly string[];
  readonly extraSecrets: readonly string[];
}

/** Secrets an app service reads, in a stable order. */
export function serviceSecrets(spec: WiringSpec, managedPostgres: boolean): string[] {
  const secrets: string[] = [];
  if (spec.needs.includes('postgres')) secrets.push(appPostgresIdentity(spec.workspace, managedPostgres, DB_USER).secret);
  if (spec.needs.includes('redis')) secrets.push('redis_password');
  if (spec.needs.includes('temporal')) secrets.push('temporal_encryption_key');
  if (spec.name === 'api') secrets.push('api_jwt_secret');
  // Upstream reads ENCRYPTION_KEY only as the fallback key for Groups.io session cookies
  // (backend/src/services/integrationService.ts:1560, services/libs/integrations/src/integrations/groupsio/api/refreshCookie.ts:57).
  if (spec.workspace === 'backend' || spec.name.startsWith('integration-')) secrets.push('encryption_key');
  for (const { variable } of featureVariables(spec.features)) if (variable.secret) secrets.push(featureSecretName(variable.name));
  return [...secrets, ...spec.extraSecrets];
}

const SECRET_ENV: Readonly<Record<string, string>> = {
  postgres_password: 'DB_PASSWORD',
  postgres_app_password: 'DB_PASSWORD',
  postgres_readonly_password: 'DB_PASSWORD',
  redis_password: 'REDIS_PASSWORD',
  temporal_encryption_key: 'TEMPORAL_ENCRYPTION_KEY',
  api_jwt_secret: 'API_JWT_SECRET',
  encryption_key: 'ENCRYPTION_KEY',
};

export const secretEnvName = (secret: string): string => SECRET_ENV[secret] ?? secret.toUpperCase();

/** Non-secret environment plus `<VAR>_FILE` pointers that config/env-from-files.sh resolves at start. */
export function serviceEnvironment(spec: WiringSpec, facts: CoreFacts, selected: ReadonlySet<string>, secrets: readonly string[]): [string, string][] {
  const { name, workspace, needs } = spec;
  const { data } = facts;
  const host = PUBLIC_HOST(facts.project);
  if (workspace === 'frontend') {
    // frontend/scripts/docker-entrypoint.sh replaces these placeholders in the built bundle at start.
    return [
      ['VUE_APP_FRONTEND_HOST', host],
      ['VUE_APP_FRONTEND_PROTOCOL', 'https'],
      ['VUE_APP_BACKEND_URL', `https://${host}/api`],
      ['VUE_APP_WEBSOCKETS_URL', `wss://${host}`],
      // production: the user socket connects at /api/socket.io (frontend/src/modules/auth/auth-socket.js:26-28).
      ['VUE_APP_ENV', 'production'],
      ['VUE_APP_EDITION', EDITION],
    ];
  }
  const node = workspace === 'backend' || workspace === 'services';
  const python = workspace === 'python';
  const env: [string, string][] = [];
  if (node) env.push(['NODE_ENV', NODE_ENV]);
  if (python) env.push(['LOG_LEVEL', 'INFO']);
  // The backend builds its AWS clients for self-hosted endpoints only in KUBE_MODE (backend/src/conf/index.ts:45,
  // backend/src/services/aws.ts:12); the Python worker uses SQS_ENDPOINT only then (infrastructure/sqs.py:37).
  if (workspace === 'backend' || (python && needs.includes('sqs'))) env.push(['KUBE_MODE', '1']);
  for (const link of spec.links) {
    if (link === 'API_URL') env.push(['API_URL', `https://${host}/api`]);
    if (link === 'API_FRONTEND_URL') env.push(['API_FRONTEND_URL', `https://${host}`]);
    if (link === 'SEARCH_SYNC_API_URL' && selected.has('search-sync-api') && name !== 'search-sync-api') env.push(['SEARCH_SYNC_API_URL', 'http://search-sync-api:8083']);
  }
  if (name === 'api') env.push(['API_JWT_EXPIRES_IN', '7d'], ['EDITION', EDITION], ['TENANT_MODE', 'single']);
  if (needs.includes('postgres')) {
    const write = data.postgres ? 'postgres' : '${DB_WRITE_HOST:?set DB_WRITE_HOST for the external database}';
    const read = data.postgresReplica ? 'postgres-replica' : data.postgres ? 'postgres' : '${DB_READ_HOST:-${DB_WRITE_HOST}}';
    // The Python worker reads from DB_READ_HOST only (infrastructure/config.py:45).
    if (!python) env.push(['DB_WRITE_HOST', write]);
    env.push(['DB_READ_HOST', read], ['DB_PORT', '5432'], ['DB_USERNAME', appPostgresIdentity(workspace, data.postgres, DB_USER).user], ['DB_DATABASE', DB_NAME]);
  }
  if (needs.includes('redis')) {
    env.push(['REDIS_HOST', data.redis ? 'redis' : '${REDIS_HOST:?set REDIS_HOST for the external Redis}'], ['REDIS_PORT', '6379'], ['REDIS_USERNAME', appRedisUser(data.redis)]);
  }
  if (needs.includes('opensearch')) {
    const entry = data.opensearch === 'single' ? 'http://opensearch:9200' : data.opensearch === 'cluster' ? 'http://opensearch-1:9200' : '${OPENSEARCH_NODE:?set OPENSEARCH_NODE for the external OpenSearch}';
    env.push(['OPENSEARCH_NODE', entry]);
  }
  if (needs.includes('sqs')) {
    // Node services build the endpoint from SQS_HOST and SQS_PORT (services/libs/sqs/src/client.ts:34);
    // the Python worker takes SQS_ENDPOINT. ElasticMQ does not check credentials; the SDKs need non-empty values.
    if (node) env.push(['SQS_HOST', 'elasticmq'], ['SQS_PORT', '9324']);
    if (python) env.push(['SQS_ENDPOINT', 'http://elasticmq:9324']);
    env.push(['SQS_AWS_REGION', 'elasticmq'], ['SQS_AWS_ACCESS_KEY_ID', 'elasticmq'], ['SQS_AWS_SECRET_ACCESS_KEY', 'elasticmq']);
    const queueUrl = (variable: string): [string, string] => [variable, `http://elasticmq:9324/${SQS_ACCOUNT}/${QUEUES.find(([v]) => v === variable)![1]}`];
    if (workspace === 'backend') env.push(['SQS_AWS_ACCOUNT_ID', SQS_ACCOUNT], ...QUEUES.map(([variable]) => queueUrl(variable)));
    if (python) env.push(...PYTHON_QUEUES.map(queueUrl));
  }
  if (needs.includes('kafka')) env.push(['KAFKA_BROKERS', 'kafka:9092']);
  if (needs.includes('temporal')) {
    env.push(
      ['TEMPORAL_SERVER_URL', data.temporal ? 'temporal:7233' : '${TEMPORAL_SERVER_URL:?set TEMPORAL_SERVER_URL for the external Temporal}'],
      ['TEMPORAL_NAMESPACE', TEMPORAL_NAMESPACE],
      ['TEMPORAL_ENCRYPTION_KEY_ID', 'gitmesh-1'],
    );
  }
  for (const { variable } of featureVariables(spec.features)) {
    if (variable.secret) continue;
    const required = spec.requires.includes(variable.name);
    env.push([variable.name, required ? `\${${variable.name}:?set ${variable.name} in .env (${name} needs it)}` : `\${${variable.name}:-}`]);
  }
  for (const variable of spec.extraEnv) env.push([variable, `\${${variable}:?set ${variable} in .env}`]);
  for (const secret of secrets) env.push([`${secretEnvName(secret)}_FILE`, `/run/secrets/${secret}`]);
  return env;
}
