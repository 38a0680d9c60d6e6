/**
 * One declaration per option: prompt text, CLI flag, default, choices, `when` and validation live
 * together here. The `Answers` type, the Yeoman options, the bin's flag parser, the prompts and
 * docs/options.md are all derived from this table (JHipster's command.ts pattern).
 */
import { CATALOG, DATA_NEEDS, SERVICE_KINDS, STANDARD_SERVICES, type DataNeed, type ServiceKind } from './catalog.js';
import * as check from './checks.js';
import { LIMITS, type Limit } from './checks.js';

/** Answers seen by `when`/defaults while the set is still being built. Loosely typed on purpose to avoid a circular type. */
export type AnswerBag = Readonly<Record<string, unknown>>;

interface DeclBase<T> {
  /** Kebab-case CLI flag, `--<flag>`. */
  readonly flag: string;
  /** Question shown by the prompt, also the flag's help text. */
  readonly message: string;
  /** Longer explanation for docs/options.md. */
  readonly description: string;
  readonly default: T | ((answers: AnswerBag) => T);
  /** Asked (and validated) only when this returns true; otherwise the default applies. */
  readonly when?: (answers: AnswerBag) => boolean;
  /** Returns a problem sentence, or undefined when the value is acceptable. */
  readonly validate?: (value: T, answers: AnswerBag) => string | undefined;
  /** Not prompted for; set by flag, answers file or a sub-generator. */
  readonly hidden?: boolean;
}

/** `limit`: the longest value the consuming tool takes (checked before any pattern; see checks.ts LIMITS). */
export interface StringDecl extends DeclBase<string> { readonly type: 'string'; readonly limit: Limit }
export interface NumberDecl extends DeclBase<number> { readonly type: 'number'; readonly min: number; readonly max: number }
export interface BooleanDecl extends DeclBase<boolean> { readonly type: 'boolean' }
/** `limit` applies to each item. */
export interface ListDecl extends DeclBase<readonly string[]> { readonly type: 'list'; readonly limit: Limit }
export interface ChoiceDecl<C extends string> extends DeclBase<C> { readonly type: 'choice'; readonly choices: readonly C[] }
export interface MultiDecl<C extends string> extends DeclBase<readonly C[]> { readonly type: 'multi'; readonly choices: readonly C[] }
export interface JsonDecl<T> extends DeclBase<T> { readonly type: 'json'; readonly parse: (value: unknown) => { value?: T; problems: string[] } }

export type AnyDecl = StringDecl | NumberDecl | BooleanDecl | ListDecl | ChoiceDecl<string> | MultiDecl<string> | JsonDecl<unknown>;

const choice = <const C extends string>(choices: readonly C[], decl: DeclBase<C>): ChoiceDecl<C> => ({ type: 'choice', choices, ...decl });
const multi = <const C extends string>(choices: readonly C[], decl: DeclBase<readonly C[]>): MultiDecl<C> => ({ type: 'multi', choices, ...decl });

export const TLS_MODES = ['letsencrypt', 'provided', 'self-signed'] as const;
export const SIZE_PROFILES = ['small', 'medium', 'large'] as const;
export const ENVIRONMENTS = ['staging', 'production'] as const;
/** Where critical alerts page someone, besides Slack (monitoring on). */
export const ALERT_PAGERS = ['pagerduty', 'opsgenie', 'webhook', 'none'] as const;
export const SERVICE_NAMES = CATALOG.map((entry) => entry.name);

/** A service added with the onboarding sub-generator (`yo gitmesh-devops:service`). */
export interface CustomService {
  readonly name: string;
  readonly kind: ServiceKind;
  /** Path in the GitMesh checkout for built kinds, or `repo:tag` for `image`. */
  readonly source: string;
  readonly port?: number;
  readonly healthPath?: string;
  readonly routePath?: string;
  readonly replicas: number;
  readonly size: 'light' | 'standard' | 'heavy';
  readonly needs: readonly DataNeed[];
  readonly env: readonly string[];
  /** Random secrets `make secrets` creates. */
  readonly secrets: readonly string[];
  /** Secrets a third party issues (an API key): `make secrets` writes a placeholder and warns until replaced. */
  readonly externalSecrets?: readonly string[];
}

export const optionDeclarations = {
  projectName: {
    type: 'string',
    flag: 'project-name',
    limit: { max: 40, why: 'the project name limit (it prefixes container and image names)' },
    message: 'Project name (a slug: lowercase letters, digits and dashes)',
    description: 'Names the compose project, the containers, the images and the generated repo.',
    default: 'gitmesh',
    validate: check.slug,
  } satisfies StringDecl,
  domain: {
    type: 'string',
    flag: 'domain',
    limit: LIMITS.commonName,
    message: 'Primary domain GitMesh is served on',
    description: 'Public host name of the edge proxy and the TLS certificate.',
    default: 'gitmesh.example.com',
    validate: check.domain,
  } satisfies StringDecl,
  extraServerNames: {
    type: 'list',
    flag: 'extra-server-names',
    limit: LIMITS.dnsName,
    message: 'Extra server names (comma separated, may be empty)',
    description: 'More host names served by the edge and added to the certificate.',
    default: [],
    validate: (names, answers) => check.serverNames(names, answers.domain),
  } satisfies ListDecl,
  services: multi(SERVICE_NAMES, {
    flag: 'services',
    message: 'GitMesh CE application services to run',
    description: `Comma-separated services from the catalog (see docs/services.md). Default: the standard stack (${STANDARD_SERVICES.join(', ')}).`,
    default: STANDARD_SERVICES,
    validate: check.serviceSelection,
  }),
  postgres: {
    type: 'boolean',
    flag: 'postgres',
    message: 'Run PostgreSQL in the stack?',
    description: 'Run PostgreSQL 15 as a compose service. Use --no-postgres with a managed database (set DB_* in .env).',
    default: true,
  } satisfies BooleanDecl,
  postgresReplica: {
    type: 'boolean',
    flag: 'postgres-replica',
    message: 'Add a streaming read replica for PostgreSQL?',
    description: 'Primary + hot-standby streaming replica; reads (DB_READ_HOST) go to the replica.',
    default: false,
    when: (answers) => answers.postgres !== false,
  } satisfies BooleanDecl,
  redis: {
    type: 'boolean',
    flag: 'redis',
    message: 'Run Redis (with AOF + RDB persistence) in the stack?',
    description: 'Redis 7 with a password ACL and persistence on a named volume.',
    default: true,
  } satisfies BooleanDecl,
  opensearch: choice(['single', 'cluster', 'none'], {
    flag: 'opensearch',
    message: 'OpenSearch topology',
    description: '`single` node, a 3-node `cluster`, or `none` (external OpenSearch via OPENSEARCH_NODE).',
    default: 'single',
  }),
  queue: choice(['sqs', 'kafka', 'sqs+kafka'], {
    flag: 'queue',
    message: 'Message queue',
    description: '`sqs`: ElasticMQ (SQS-compatible, what the workers use); `kafka`: Apache Kafka in KRaft mode; or both.',
    default: 'sqs',
  }),
  temporal: {
    type: 'boolean',
    flag: 'temporal',
    message: 'Run Temporal in the stack?',
    description: 'Temporal server (PostgreSQL persistence) for the Temporal-based workers.',
    default: true,
  } satisfies BooleanDecl,
  registry: {
    type: 'string',
    flag: 'registry',
    limit: LIMITS.dnsName,
    message: 'Container image registry',
    description: 'Registry host the CI pushes to and the hosts pull from.',
    default: 'ghcr.io',
    validate: check.registry,
  } satisfies StringDecl,
  imageNamespace: {
    type: 'string',
    flag: 'image-namespace',
    limit: LIMITS.imageRef,
    message: 'Image namespace (organisation or user in the registry)',
    description: 'Images are named `<registry>/<namespace>/<project>-<service>`.',
    default: 'your-org',
    validate: check.imageNamespace,
  } satisfies StringDecl,
  gitmeshRepo: {
    type: 'string',
    flag: 'gitmesh-repo',
    limit: LIMITS.gitUrl,
    message: 'GitMesh CE git repository (added as the `gitmesh/` submodule)',
    description: 'Source of the application code; the submodule is the Docker build context.',
    default: 'https://github.com/alveoli-app/gitmesh-ce.git',
    validate: check.gitUrl,
  } satisfies StringDecl,
  gitmeshRef: {
    type: 'string',
    flag: 'gitmesh-ref',
    limit: { max: 100, why: 'the git ref limit' },
    message: 'GitMesh CE ref to build (tag, branch or commit)',
    description: 'The submodule is pinned to this ref. Default: GitMesh CE main at 2026-01-31 (the release tags hold a different app). A full commit SHA gives reproducible builds.',
    default: 'c85610d5b590d924565136fc89285230d607b8ea',
    validate: check.gitRef,
  } satisfies StringDecl,
  tlsMode: choice(TLS_MODES, {
    flag: 'tls-mode',
    message: 'TLS certificates',
    description: '`letsencrypt` (certbot, webroot), `provided` (your certificate files) or `self-signed` (`make certs`, for development).',
    default: 'letsencrypt',
  }),
  acmeEmail: {
    type: 'string',
    flag: 'acme-email',
    limit: LIMITS.email,
    message: "Let's Encrypt account email",
    description: 'Expiry and account notices from the ACME CA go here.',
    default: (answers) => `ops@${String(answers.domain ?? 'example.com')}`,
    when: (answers) => answers.tlsMode === 'letsencrypt',
    validate: check.email,
  } satisfies StringDecl,
  tlsCertPath: {
    type: 'string',
    flag: 'tls-cert-path',
    limit: LIMITS.hostPath,
    message: 'Host path of the certificate chain (PEM)',
    description: 'Mounted read-only into the edge proxy in `provided` mode.',
    default: '/etc/ssl/gitmesh/fullchain.pem',
    when: (answers) => answers.tlsMode === 'provided',
    validate: check.absolutePath,
  } satisfies StringDecl,
  tlsKeyPath: {
    type: 'string',
    flag: 'tls-key-path',
    limit: LIMITS.hostPath,
    message: 'Host path of the private key (PEM)',
    description: 'Mounted read-only into the edge proxy in `provided` mode.',
    default: '/etc/ssl/gitmesh/privkey.pem',
    when: (answers) => answers.tlsMode === 'provided',
    validate: check.absolutePath,
  } satisfies StringDecl,
  tlsProfile: choice(['intermediate', 'modern'], {
    flag: 'tls-profile',
    message: 'Mozilla TLS profile',
    description: '`intermediate` (TLS 1.2 + 1.3, the default) or `modern` (TLS 1.3 only).',
    default: 'intermediate',
  }),
  hstsMaxAge: {
    type: 'number',
    flag: 'hsts-max-age',
    message: 'HSTS max-age in seconds',
    description: 'Strict-Transport-Security max-age; 0 disables HSTS.',
    default: 63072000,
    min: 0,
    max: 63072000,
  } satisfies NumberDecl,
  hstsPreload: {
    type: 'boolean',
    flag: 'hsts-preload',
    message: 'Add the HSTS preload directive?',
    description: 'Opt-in only: preload lists are hard to leave.',
    default: false,
  } satisfies BooleanDecl,
  sizeProfile: choice(SIZE_PROFILES, {
    flag: 'size-profile',
    message: 'Size profile (sets CPU and memory limits and reservations)',
    description: '`small` (one 4 vCPU / 8 GB host), `medium` (8 vCPU / 32 GB) or `large` (16 vCPU / 64 GB).',
    default: 'medium',
  }),
  environments: multi(ENVIRONMENTS, {
    flag: 'environments',
    message: 'Deployment environments',
    description: 'GitHub environments the CD pipeline deploys to, in promotion order.',
    default: ['staging', 'production'],
    validate: (envs) => {
      if (envs.length === 0) return 'choose at least one environment';
      // Promotion order: the CD pipeline deploys to each in turn, so production before staging would be backwards.
      const order = ENVIRONMENTS.filter((env) => envs.includes(env));
      return envs.join() === order.join() ? undefined : `list the environments in promotion order: ${order.join(', ')}`;
    },
  }),
  targets: multi(['compose', 'kubernetes'], {
    flag: 'targets',
    message: 'Deployment targets',
    description: '`compose` (one Docker host, the default), `kubernetes` (Kustomize base + overlays under deploy/kubernetes/), or both.',
    default: ['compose'],
    validate: (targets) => (targets.length === 0 ? 'choose at least one target' : undefined),
  }),
  monitoring: {
    type: 'boolean',
    flag: 'monitoring',
    message: 'Ship the monitoring stack (Prometheus, Alertmanager, Grafana, Loki, OpenTelemetry)?',
    description: 'Adds compose.monitoring.yaml and its configuration.',
    default: true,
  } satisfies BooleanDecl,
  alertPager: choice(ALERT_PAGERS, {
    flag: 'alert-pager',
    message: 'Where should critical alerts page someone, besides Slack?',
    description:
      '`pagerduty` (Events API v2 routing key), `opsgenie` (API key), `webhook` (any HTTPS endpoint that takes Alertmanager\'s webhook JSON) or `none` (Slack only). Its credential is a secret file; the dead-man\'s switch (Watchdog → heartbeat URL) ships in every case.',
    // Without the monitoring stack there is no Alertmanager to page from.
    default: (answers) => (answers.monitoring === false ? 'none' : 'pagerduty'),
    when: (answers) => answers.monitoring !== false,
  }),
  backupSchedule: {
    type: 'string',
    flag: 'backup-schedule',
    limit: LIMITS.cron,
    message: 'Backup schedule (5-field cron, UTC)',
    description: 'When the backup service takes a set.',
    default: '15 2 * * *',
    validate: check.cron,
  } satisfies StringDecl,
  backupKeepDaily: {
    type: 'number',
    flag: 'backup-keep-daily',
    message: 'Daily backup sets to keep',
    description: 'Retention: the newest set of each of the last N days.',
    default: 7,
    min: 1,
    max: 366,
  } satisfies NumberDecl,
  backupKeepWeekly: {
    type: 'number',
    flag: 'backup-keep-weekly',
    message: 'Weekly backup sets to keep',
    description: 'Retention: the newest set of each of the last M ISO weeks.',
    default: 4,
    min: 0,
    max: 520,
  } satisfies NumberDecl,
  backupOffsite: {
    type: 'boolean',
    flag: 'backup-offsite',
    message: 'Copy backups offsite to S3-compatible storage (PITR base backups and WAL, logical sets, OpenSearch snapshots)?',
    description: 'On by default when production is an environment: a lost host must not lose the data. Needs the bucket settings in .env and two operator secrets (access key id and secret key).',
    default: (answers) => Array.isArray(answers.environments) && answers.environments.includes('production'),
  } satisfies BooleanDecl,
  acceptSingleHostBackups: {
    type: 'boolean',
    flag: 'accept-single-host-backups',
    message: 'Accept that production backups stay on the Docker host (a lost host loses the data)?',
    description: 'Production without --backup-offsite is refused unless this records, in .yo-rc.json, that the team accepts single-host backups.',
    default: false,
    when: (answers) => Array.isArray(answers.environments) && answers.environments.includes('production') && answers.backupOffsite === false,
  } satisfies BooleanDecl,
  customServices: {
    type: 'json',
    flag: 'custom-services',
    message: 'Services added with `gitmesh-devops add-service`',
    description: 'JSON array of onboarded services; managed by the `service` sub-generator.',
    default: [],
    hidden: true,
    parse: check.customServices,
  } satisfies JsonDecl<readonly CustomService[]>,
} as const;

type Decls = typeof optionDeclarations;
export type OptionName = keyof Decls;
type ValueOf<D> = D extends { type: 'choice'; choices: readonly (infer C)[] }
  ? C
  : D extends { type: 'multi'; choices: readonly (infer C)[] }
    ? readonly C[]
    : D extends { type: 'string' }
      ? string
      : D extends { type: 'number' }
        ? number
        : D extends { type: 'boolean' }
          ? boolean
          : D extends { type: 'list' }
            ? readonly string[]
            : D extends { type: 'json'; parse: (value: unknown) => { value?: infer T } }
              ? T
              : never;

/** A complete, validated answer set: derived from the declarations above, never written by hand. */
export type Answers = { readonly [K in OptionName]: ValueOf<Decls[K]> };

export const OPTION_NAMES = Object.keys(optionDeclarations) as OptionName[];
export const declarationOf = (name: OptionName): AnyDecl => optionDeclarations[name] as AnyDecl;

export { DATA_NEEDS, SERVICE_KINDS };
