/**
 * Service discovery and secrets: which variables and secret files each service gets, derived from
 * what it needs. A service only receives the secrets of the data services it uses.
 */
import type { DataNeed, Workspace } from '../catalog.js';
import type { Answers } from '../options.js';

export const PUBLIC_HOST = (answers: Answers): string => `\${GITMESH_PUBLIC_HOST:-${answers.domain}}`;
export const DB_NAME = 'gitmesh-web';
export const DB_USER = 'gitmesh';
export const SQS_ACCOUNT = '000000000000';

/** SQS queues and the variable each is passed in (names from upstream's queue.conf and config maps). */
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

/** Secrets an app service reads, in a stable order. */
export function serviceSecrets(name: string, workspace: Workspace, needs: readonly DataNeed[], extra: readonly string[]): string[] {
  const secrets: string[] = [];
  if (needs.includes('postgres')) secrets.push('postgres_password');
  if (needs.includes('redis')) secrets.push('redis_password');
  if (needs.includes('temporal')) secrets.push('temporal_encryption_key');
  if (name === 'api') secrets.push('api_jwt_secret');
  // Integration credentials are encrypted at rest with ENCRYPTION_KEY (backend and the integration libs).
  if (workspace === 'backend' || name.startsWith('integration-')) secrets.push('encryption_key');
  return [...secrets, ...extra];
}

const SECRET_ENV: Readonly<Record<string, string>> = {
  postgres_password: 'DB_PASSWORD',
  redis_password: 'REDIS_PASSWORD',
  temporal_encryption_key: 'TEMPORAL_ENCRYPTION_KEY',
  api_jwt_secret: 'API_JWT_SECRET',
  encryption_key: 'ENCRYPTION_KEY',
};

export const secretEnvName = (secret: string): string => SECRET_ENV[secret] ?? secret.toUpperCase();

/** Non-secret environment plus `<VAR>_FILE` pointers that config/env-from-files.sh resolves at start. */
export function serviceEnvironment(
  name: string,
  workspace: Workspace,
  needs: readonly DataNeed[],
  answers: Answers,
  extraEnv: readonly string[],
  secrets: readonly string[],
): [string, string][] {
  const host = PUBLIC_HOST(answers);
  if (workspace === 'frontend') {
    // Upstream's entrypoint substitutes these placeholders into the built bundle at start.
    return [
      ['VUE_APP_FRONTEND_HOST', host],
      ['VUE_APP_FRONTEND_PROTOCOL', 'https'],
      ['VUE_APP_BACKEND_URL', `https://${host}/api`],
      ['VUE_APP_WEBSOCKETS_URL', `wss://${host}`],
      ['VUE_APP_ENV', 'production'],
      ['VUE_APP_EDITION', 'community'],
    ];
  }
  const env: [string, string][] = [];
  if (workspace !== 'external') env.push(['NODE_ENV', 'production']);
  if (workspace === 'python') env.push(['LOG_LEVEL', 'INFO']);
  if (name === 'api' || workspace === 'services' || workspace === 'backend') {
    env.push(['API_URL', `https://${host}/api`], ['API_FRONTEND_URL', `https://${host}`]);
  }
  if (name === 'api') env.push(['API_JWT_EXPIRES_IN', '7d'], ['EDITION', 'community'], ['TENANT_MODE', 'single']);
  if (needs.includes('postgres')) {
    const write = answers.postgres ? 'postgres' : '${DB_WRITE_HOST:?set DB_WRITE_HOST for the external database}';
    const read = answers.postgresReplica ? 'postgres-replica' : answers.postgres ? 'postgres' : '${DB_READ_HOST:-${DB_WRITE_HOST}}';
    env.push(['DB_WRITE_HOST', write], ['DB_READ_HOST', read], ['DB_PORT', '5432'], ['DB_USERNAME', DB_USER], ['DB_DATABASE', DB_NAME]);
  }
  if (needs.includes('redis')) {
    env.push(['REDIS_HOST', answers.redis ? 'redis' : '${REDIS_HOST:?set REDIS_HOST for the external Redis}'], ['REDIS_PORT', '6379'], ['REDIS_USERNAME', 'default']);
  }
  if (needs.includes('opensearch')) {
    const node = answers.opensearch === 'single' ? 'http://opensearch:9200' : answers.opensearch === 'cluster' ? 'http://opensearch-1:9200' : '${OPENSEARCH_NODE:?set OPENSEARCH_NODE for the external OpenSearch}';
    env.push(['OPENSEARCH_NODE', node]);
  }
  if (needs.includes('sqs')) {
    env.push(
      ['KUBE_MODE', '1'],
      ['SQS_HOST', 'elasticmq'],
      ['SQS_PORT', '9324'],
      ['SQS_ENDPOINT', 'http://elasticmq:9324'],
      ['SQS_AWS_REGION', 'elasticmq'],
      ['SQS_AWS_ACCOUNT_ID', SQS_ACCOUNT],
      // ElasticMQ does not check credentials; the SDK only needs non-empty values.
      ['SQS_AWS_ACCESS_KEY_ID', 'elasticmq'],
      ['SQS_AWS_SECRET_ACCESS_KEY', 'elasticmq'],
      ...QUEUES.map(([variable, queue]): [string, string] => [variable, `http://elasticmq:9324/${SQS_ACCOUNT}/${queue}`]),
    );
  }
  if (needs.includes('kafka')) env.push(['KAFKA_BROKERS', 'kafka:9092']);
  if (needs.includes('temporal')) {
    env.push(
      ['TEMPORAL_SERVER_URL', answers.temporal ? 'temporal:7233' : '${TEMPORAL_SERVER_URL:?set TEMPORAL_SERVER_URL for the external Temporal}'],
      ['TEMPORAL_NAMESPACE', 'default'],
      ['TEMPORAL_ENCRYPTION_KEY_ID', 'gitmesh-1'],
    );
  }
  if (answers.services.includes('search-sync-api') && name !== 'search-sync-api' && workspace !== 'python') {
    env.push(['SEARCH_SYNC_API_URL', 'http://search-sync-api:8083']);
  }
  for (const variable of extraEnv) env.push([variable, `\${${variable}:?set ${variable} in .env}`]);
  for (const secret of secrets) env.push([`${secretEnvName(secret)}_FILE`, `/run/secrets/${secret}`]);
  return env;
}
