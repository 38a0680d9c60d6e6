/**
 * The pure prepare step: validated answers in, typed deployment model out. No I/O, no randomness,
 * so the same answers always give the same model (and byte-identical files).
 */
import type { Answers } from '../options.js';
import type { ComposeService, CoreFacts, DeploymentModel, Network, Route, Secret, Settings, Views } from '../model.js';
import { APP_GID, APP_UID, IMAGES } from '../versions.js';
import { FEATURE_GROUPS, FEATURE_IDS, featureSecretName } from '../feature-config.js';
import type { AppService } from '../model.js';
import type { BuiltImage, Contribution } from '../model.js';
import { appSpecs, buildAppService } from './app-services.js';
import { backupContribution } from './backup.js';
import { ciContribution, ciView } from './ci.js';
import { edgeContribution } from './edge/index.js';
import { buildInfra } from './infra.js';
import { kubernetesContribution } from './kubernetes/contribution.js';
import { monitoringContribution, monitoringView } from './monitoring.js';
import { runbooksContribution } from './runbooks.js';
import { provisioningContribution } from './provisioning.js';

type Contributor = (model: DeploymentModel) => Contribution;

/** Concerns that add services, volumes, secrets, images, make targets and docs to the core model, in order. */
const SERVING: readonly Contributor[] = [edgeContribution, backupContribution];
/** The rest, after the monitoring view is built (the monitoring concern contributes from it). */
const OPERATING: readonly Contributor[] = [runbooksContribution, ciContribution, kubernetesContribution, provisioningContribution];

/**
 * `model.views` of a model still being built: views are built once, from the finished model, so a concern
 * that reads one while contributing is a bug this makes loud.
 */
export const UNBUILT_VIEWS: Views = new Proxy({} as Views, {
  get: (_target, key) => {
    throw new Error(`model.views.${String(key)} read while the model is being built: views are built once, from the finished model`);
  },
});

const NETWORKS: readonly Network[] = [
  { name: 'edge', internal: false, description: 'Edge proxy and the services it routes to' },
  { name: 'app', internal: false, description: 'Application services talking to each other (and egress to integrations)' },
  { name: 'data', internal: true, description: 'Databases, queues and Temporal; internal: no route to the outside' },
  { name: 'monitoring', internal: false, description: 'Monitoring stack: Prometheus, exporters, Grafana, Loki, tracing (egress for alert notifications and probes)' },
];

export function prepare(answers: Answers): DeploymentModel {
  // Each concern sees the model as built so far, so monitoring can scrape the edge and the backup job.
  const serving = contribute(prepareCore(answers), SERVING);
  // The monitoring view reads the services, routes, data services and the edge, all settled by now (test/model.test.ts
  // checks it equals a view built from the finished model); it is built once, here, and its services come from it.
  const monitoring = monitoringView(serving);
  const finished = contribute(serving, [(model) => monitoringContribution(model, monitoring), ...OPERATING]);
  return { ...finished, views: { ci: ciView(finished), ...(monitoring ? { monitoring } : {}) } };
}

const contribute = (core: DeploymentModel, contributors: readonly Contributor[]): DeploymentModel => contributors.reduce((model, add) => merge(model, add(model)), core);

function merge(model: DeploymentModel, add: Contribution): DeploymentModel {
  return {
    ...model,
    composeServices: [...model.composeServices, ...(add.services ?? [])],
    volumes: dedupe([...model.volumes, ...(add.volumes ?? [])], (v) => v.name),
    secrets: dedupe([...model.secrets, ...(add.secrets ?? [])], (s) => s.name),
    builtImages: dedupe([...model.builtImages, ...(add.builtImages ?? [])], (i) => i.name),
    makeTargets: [...model.makeTargets, ...(add.makeTargets ?? [])],
    docs: [...model.docs, ...(add.docs ?? [])],
    gitignore: dedupe([...model.gitignore, ...(add.gitignore ?? [])], (g) => g),
    envExample: dedupe([...model.envExample, ...(add.env ?? [])], (e) => e[0]),
    networks: NETWORKS.filter((network) => [...model.composeServices, ...(add.services ?? [])].some((svc) => svc.networks.includes(network.name))),
  };
}

function prepareCore(answers: Answers): DeploymentModel {
  const facts = factsOf(answers);
  const { data, project } = facts;
  const infra = buildInfra(facts);
  const specs = appSpecs(answers.services, answers.customServices);
  const selected = new Set(specs.filter((spec) => !spec.custom).map((spec) => spec.name));
  const services = specs.map((spec) => buildAppService(spec, facts, selected, infra.dependencies));
  const appSecrets = new Set(services.flatMap((svc) => svc.compose.secrets));
  const catalogSecrets: Secret[] = [
    { name: 'api_jwt_secret', description: 'Signs API session tokens (API_JWT_SECRET)', source: { kind: 'random', bytes: 48 } },
    {
      name: 'encryption_key',
      description: 'Fallback key for the Groups.io session cookies upstream stores (ENCRYPTION_KEY, read when GROUPSIO_ENCRYPTION_KEY is unset)',
      source: { kind: 'random', bytes: 32 },
    },
    ...featureSecrets(services),
  ];
  const customSecrets: Secret[] = answers.customServices.flatMap((svc) => [
    ...svc.secrets.map((name): Secret => ({ name, description: `Secret of the onboarded service ${svc.name}`, source: { kind: 'random', bytes: 32 } })),
    // A third party issues these (an API key): random bytes would look valid and fail at the provider.
    ...(svc.externalSecrets ?? []).map((name): Secret => ({ name, description: `Issued by a third party for the onboarded service ${svc.name}`, source: { kind: 'operator', placeholder: `REPLACE-ME-${name}` } })),
  ]);
  // A derived file (the Redis ACL) needs the secrets it is derived from, whoever else mounts them.
  const derivedFrom = new Set(infra.secrets.flatMap((s) => (s.source.kind === 'redis-acl' ? s.source.users.map((u) => u.secret) : [])));
  const secrets = dedupe([...infra.secrets, ...catalogSecrets, ...customSecrets].filter((secret) => derivedFrom.has(secret.name) || isUsed(secret, appSecrets, infra.services)), (s) => s.name);
  const routes: Route[] = services.flatMap((svc) => svc.routes).sort((a, b) => b.path.length - a.path.length || a.path.localeCompare(b.path));
  const composeServices: ComposeService[] = [...infra.services, ...services.map((svc) => svc.compose)];
  const usedNetworks = new Set(composeServices.flatMap((svc) => svc.networks));
  const envExample: [string, string, string][] = [
    ['COMPOSE_PROJECT_NAME', project.name, 'Compose project name (prefixes containers, networks and volumes)'],
    ['GITMESH_IMAGE_TAG', 'local', 'Image tag for `make` on this machine (`local`: images `make build` built here). Hosts run the digests of their release (releases/<id>/images.lock); the deploy scripts set this to the current release\'s tag'],
    ['GITMESH_PUBLIC_HOST', project.domain, 'Public host name of this environment (e.g. staging.' + project.domain + ' on staging)'],
    ...(data.postgres ? [] : ([['DB_WRITE_HOST', '', 'External PostgreSQL primary host'], ['DB_READ_HOST', '', 'External PostgreSQL read host (defaults to DB_WRITE_HOST)']] as [string, string, string][])),
    ...(data.redis ? [] : ([['REDIS_HOST', '', 'External Redis host']] as [string, string, string][])),
    ...(data.opensearch === 'none' ? ([['OPENSEARCH_NODE', '', 'External OpenSearch URL, e.g. https://search.internal:9200']] as [string, string, string][]) : []),
    ...(data.temporal ? [] : ([['TEMPORAL_SERVER_URL', '', 'External Temporal frontend, host:port']] as [string, string, string][])),
    ...answers.customServices.flatMap((svc) => svc.env.map((name): [string, string, string] => [name, '', `Required by the onboarded service ${svc.name}`])),
    ...featureSettings(services),
  ];
  return {
    ...facts,
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
    builtImages: [
      ...services.flatMap((svc): BuiltImage[] => (svc.dockerfile ? [{ name: svc.name, repository: svc.imageRepository, dockerfile: svc.dockerfile, context: 'gitmesh' }] : [])),
      { name: 'migrate', repository: `${project.registry}/${project.imageNamespace}/${project.name}-migrate`, dockerfile: 'docker/migrate/Dockerfile', context: '.' },
    ],
    makeTargets: [],
    docs: [
      { path: 'docs/architecture.md', title: 'Architecture: services, networks, volumes and secrets' },
      { path: 'docs/services.md', title: 'Service catalog: ports, health checks and what they prove' },
    ],
    gitignore: [],
    envExample: dedupe(envExample, (e) => e[0]),
    images: IMAGES,
    views: UNBUILT_VIEWS,
  };
}

/** Settings, project and data services: what the answers decide, before any service is built. */
function factsOf(answers: Answers): CoreFacts {
  return {
    settings: settingsOf(answers),
    project: {
      name: answers.projectName,
      domain: answers.domain,
      serverNames: [answers.domain, ...answers.extraServerNames],
      registry: answers.registry,
      imageNamespace: answers.imageNamespace,
    },
    data: {
      postgres: answers.postgres,
      postgresReplica: answers.postgresReplica,
      redis: answers.redis,
      opensearch: answers.opensearch,
      sqs: answers.queue !== 'kafka',
      kafka: answers.queue !== 'sqs',
      temporal: answers.temporal,
    },
  };
}

/** The answers concerns read, as typed facts: the only place they are read from `answers`. */
function settingsOf(answers: Answers): Settings {
  return {
    tls: {
      mode: answers.tlsMode,
      acmeEmail: answers.acmeEmail,
      certPath: answers.tlsCertPath,
      keyPath: answers.tlsKeyPath,
      profile: answers.tlsProfile,
      hstsMaxAge: answers.hstsMaxAge,
      hstsPreload: answers.hstsPreload,
    },
    sizeProfile: answers.sizeProfile,
    environments: answers.environments,
    targets: { compose: answers.targets.includes('compose'), kubernetes: answers.targets.includes('kubernetes') },
    monitoring: answers.monitoring,
    alertPager: answers.alertPager,
    backup: { schedule: answers.backupSchedule, keepDaily: answers.backupKeepDaily, keepWeekly: answers.backupKeepWeekly, offsite: answers.backupOffsite, singleHostAccepted: answers.acceptSingleHostBackups && !answers.backupOffsite },
  };
}

/**
 * The non-secret feature settings the selected services read, as .env keys: empty turns the feature
 * off, except where a service refuses to start without the value (then a documented placeholder).
 */
function featureSettings(services: readonly AppService[]): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const id of FEATURE_IDS) {
    const group = FEATURE_GROUPS[id];
    for (const variable of group.variables) {
      if (variable.secret) continue;
      const readers = services.filter((svc) => svc.compose.environment.some(([name]) => name === variable.name));
      if (!readers.length) continue;
      const requiredBy = readers.filter((svc) => svc.requires.includes(variable.name)).map((svc) => svc.name);
      const value = requiredBy.length ? (variable.placeholder ?? '') : '';
      const note = requiredBy.length
        ? `required by ${requiredBy.join(', ')}${variable.placeholder !== undefined ? ' (placeholder: the service starts, the feature fails until you set it)' : ''}`
        : 'optional: empty turns it off';
      out.push([variable.name, value, `${group.title} [${group.id}]: read by ${readers.map((svc) => svc.name).join(', ')}; ${note}`]);
    }
  }
  return out;
}

/** Credentials of the feature groups the selected services read (feature-config.ts). */
function featureSecrets(services: readonly AppService[]): Secret[] {
  const out: Secret[] = [];
  for (const { group, variable } of FEATURE_IDS.flatMap((id) => FEATURE_GROUPS[id].variables.map((variable) => ({ group: FEATURE_GROUPS[id], variable })))) {
    if (!variable.secret) continue;
    const name = featureSecretName(variable.name);
    const readers = services.filter((svc) => svc.compose.secrets.includes(name));
    if (!readers.length) continue;
    const requiredBy = readers.filter((svc) => svc.requires.includes(variable.name)).map((svc) => svc.name);
    const description = `${group.title}: ${variable.name}${requiredBy.length ? ` (required by ${requiredBy.join(', ')})` : ' (optional: empty turns the feature off)'}`;
    const source: Secret['source'] = !requiredBy.length ? { kind: 'optional' } : variable.placeholder !== undefined ? { kind: 'operator', placeholder: variable.placeholder } : { kind: 'operator' };
    out.push({ name, description, source });
  }
  return out;
}

function isUsed(secret: Secret, appSecrets: ReadonlySet<string>, infra: readonly ComposeService[]): boolean {
  return appSecrets.has(secret.name) || infra.some((svc) => svc.secrets.includes(secret.name));
}

function dedupe<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}
