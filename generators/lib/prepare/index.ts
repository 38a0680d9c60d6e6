/**
 * The pure prepare step: validated answers in, typed deployment model out. No I/O, no randomness,
 * so the same answers always give the same model (and byte-identical files).
 */
import type { Answers } from '../options.js';
import type { ComposeService, DeploymentModel, Network, Route, Secret } from '../model.js';
import { APP_GID, APP_UID, IMAGES } from '../versions.js';
import { appSpecs, buildAppService } from './app-services.js';
import { buildInfra } from './infra.js';

const NETWORKS: readonly Network[] = [
  { name: 'edge', internal: false, description: 'Edge proxy and the services it routes to' },
  { name: 'app', internal: false, description: 'Application services talking to each other (and egress to integrations)' },
  { name: 'data', internal: true, description: 'Databases, queues and Temporal; internal: no route to the outside' },
];

export function prepare(answers: Answers): DeploymentModel {
  const infra = buildInfra(answers);
  const services = appSpecs(answers).map((spec) => buildAppService(spec, answers, infra.dependencies));
  const appSecrets = new Set(services.flatMap((svc) => svc.compose.secrets));
  const catalogSecrets: Secret[] = [
    { name: 'api_jwt_secret', description: 'Signs API session tokens (API_JWT_SECRET)', source: { kind: 'random', bytes: 48 } },
    { name: 'encryption_key', description: 'Encrypts integration credentials at rest (ENCRYPTION_KEY)', source: { kind: 'random', bytes: 32 } },
  ];
  const customSecrets: Secret[] = answers.customServices
    .flatMap((svc) => svc.secrets.map((name) => ({ name, owner: svc.name })))
    .map(({ name, owner }) => ({ name, description: `Secret of the onboarded service ${owner}`, source: { kind: 'random', bytes: 32 } as const }));
  const secrets = dedupe([...infra.secrets, ...catalogSecrets, ...customSecrets].filter((secret) => isUsed(secret, appSecrets, infra.services)), (s) => s.name);
  const routes: Route[] = services.flatMap((svc) => (svc.route ? [svc.route] : [])).sort((a, b) => b.path.length - a.path.length || a.path.localeCompare(b.path));
  const composeServices: ComposeService[] = [...infra.services, ...services.map((svc) => svc.compose)];
  const usedNetworks = new Set(composeServices.flatMap((svc) => svc.networks));
  const data = {
    postgres: answers.postgres,
    postgresReplica: answers.postgresReplica,
    redis: answers.redis,
    opensearch: answers.opensearch,
    sqs: answers.queue !== 'kafka',
    kafka: answers.queue !== 'sqs',
    temporal: answers.temporal,
  };
  const envExample: [string, string, string][] = [
    ['COMPOSE_PROJECT_NAME', answers.projectName, 'Compose project name (prefixes containers, networks and volumes)'],
    ['GITMESH_IMAGE_TAG', 'main', 'Image tag to run: a commit SHA or release tag; the deploy scripts set it'],
    ['GITMESH_PUBLIC_HOST', answers.domain, 'Public host name of this environment (e.g. staging.' + answers.domain + ' on staging)'],
    ...(answers.postgres ? [] : ([['DB_WRITE_HOST', '', 'External PostgreSQL primary host'], ['DB_READ_HOST', '', 'External PostgreSQL read host (defaults to DB_WRITE_HOST)']] as [string, string, string][])),
    ...(answers.redis ? [] : ([['REDIS_HOST', '', 'External Redis host']] as [string, string, string][])),
    ...(answers.opensearch === 'none' ? ([['OPENSEARCH_NODE', '', 'External OpenSearch URL, e.g. https://search.internal:9200']] as [string, string, string][]) : []),
    ...(answers.temporal ? [] : ([['TEMPORAL_SERVER_URL', '', 'External Temporal frontend, host:port']] as [string, string, string][])),
    ...answers.customServices.flatMap((svc) => svc.env.map((name): [string, string, string] => [name, '', `Required by the onboarded service ${svc.name}`])),
  ];
  return {
    answers,
    project: {
      name: answers.projectName,
      domain: answers.domain,
      serverNames: [answers.domain, ...answers.extraServerNames],
      registry: answers.registry,
      imageNamespace: answers.imageNamespace,
    },
    source: { repo: answers.gitmeshRepo, ref: answers.gitmeshRef, path: 'gitmesh' },
    uid: APP_UID,
    gid: APP_GID,
    services,
    composeServices,
    networks: NETWORKS.filter((network) => usedNetworks.has(network.name)),
    volumes: dedupe(infra.volumes, (v) => v.name),
    secrets,
    routes,
    data,
    queues: infra.queues,
    envExample: dedupe(envExample, (e) => e[0]),
    images: IMAGES,
  };
}

function isUsed(secret: Secret, appSecrets: ReadonlySet<string>, infra: readonly ComposeService[]): boolean {
  return appSecrets.has(secret.name) || infra.some((svc) => svc.secrets.includes(secret.name));
}

function dedupe<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}
