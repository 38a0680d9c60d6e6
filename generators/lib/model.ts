/**
 * The typed deployment model: everything templates render, computed once by `prepare` from the
 * validated answers. Templates only loop over and print these values; they hold no decisions.
 */
import type { DataNeed, Health, ServiceKind, Weight, Workspace } from './catalog.js';
import type { Answers } from './options.js';
import type { CiView } from './prepare/ci.js';
import type { MonitoringView } from './prepare/monitoring.js';
import type { ImageName } from './versions.js';

export interface Resources {
  readonly limits: { readonly cpus: string; readonly memory: string };
  readonly reservations: { readonly cpus: string; readonly memory: string };
  /** Memory limit in MiB, for heap sizes and Redis maxmemory. */
  readonly memoryMiB: number;
}

export interface Healthcheck {
  /** Exec-form test: ["CMD", ...] or ["CMD-SHELL", "..."]. */
  readonly test: readonly string[];
  readonly interval: string;
  readonly timeout: string;
  readonly retries: number;
  readonly startPeriod: string;
  /** What a passing check proves; printed in the docs. */
  readonly proves: string;
}

export interface Mount {
  readonly type: 'volume' | 'bind';
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface Dependency {
  readonly name: string;
  readonly condition: 'service_healthy' | 'service_completed_successfully' | 'service_started';
}

export type ComposeFile = 'main' | 'monitoring';

/** One service in a compose file, fully decided. */
export interface ComposeService {
  readonly name: string;
  readonly file: ComposeFile;
  readonly description: string;
  /** `app`, `data`, `edge`, `ops`, `monitoring`: groups the docs and the diagram. */
  readonly tier: 'edge' | 'app' | 'data' | 'ops' | 'monitoring';
  readonly image: string;
  /** Rendered into the development override only: production pulls what CI built. */
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly profiles: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  readonly environment: readonly (readonly [string, string])[];
  readonly secrets: readonly string[];
  readonly networks: readonly string[];
  readonly mounts: readonly Mount[];
  readonly tmpfs: readonly string[];
  /** Published in compose.yaml: only the edge proxy has any. */
  readonly ports: readonly string[];
  /** Published on 127.0.0.1 by compose.override.yaml, for local debugging. */
  readonly devPorts: readonly string[];
  readonly healthcheck: Healthcheck;
  readonly dependsOn: readonly Dependency[];
  readonly resources: Resources;
  readonly capAdd: readonly string[];
  readonly readOnly: boolean;
  readonly replicas: number;
  readonly stopGracePeriod: string;
  readonly ulimits: readonly { readonly name: string; readonly soft: number; readonly hard: number }[];
  /** Supplementary groups: 10001 lets non-app images read the group-readable secret files. */
  readonly groupAdd?: readonly string[];
  readonly shmSize?: string;
  /** One-shot jobs (migrations) restart never; long-running services restart unless stopped. */
  readonly restart: 'unless-stopped' | 'no';
  /**
   * What the service is to targets that map it onto other objects (Kubernetes), set by the concern
   * that creates it: a data store keeps state in its volumes (StatefulSet), a one-shot job runs to
   * completion before the applications (Job), the backup job runs its `schedules` (CronJobs).
   * Absent: a long-running stateless service (Deployment).
   */
  readonly role?: 'data-store' | 'one-shot-job' | 'backup-job';
  /** Ports the container listens on, named (compose publishes only some, on 127.0.0.1, for debugging). */
  readonly listens?: readonly { readonly name: string; readonly port: number }[];
  /** The numeric user the image itself runs as, when compose sets no `user` (Kubernetes' runAsNonRoot needs numbers). */
  readonly imageUser?: { readonly uid: number; readonly gid: number };
  /** Scheduled runs (supercronic's crontab in compose; a CronJob each on Kubernetes), UTC. */
  readonly schedules?: readonly { readonly name: string; readonly schedule: string; readonly command: readonly string[]; readonly what: string }[];
  /** Environment values that differ where the container gets no memlock ulimit (a Kubernetes pod, restricted profile). */
  readonly withoutMemlock?: readonly (readonly [string, string])[];
}

export interface Network {
  readonly name: 'edge' | 'app' | 'data' | 'monitoring';
  readonly internal: boolean;
  readonly description: string;
}

export interface Volume {
  readonly name: string;
  readonly description: string;
}

export interface Secret {
  /** Compose secret name and file name under secrets/. */
  readonly name: string;
  readonly description: string;
  /** How `make secrets` creates it: random bytes, derived from another secret, or supplied by the operator. */
  readonly source:
    | { readonly kind: 'random'; readonly bytes: number }
    /** Derived on every `make secrets` from the users' password files (SHA-256 in the file): the Redis ACL file. */
    | { readonly kind: 'redis-acl'; readonly users: readonly { readonly name: string; readonly secret: string; readonly rules: string }[] }
    /** Supplied by the operator. With a placeholder, `make secrets` writes it and warns instead of failing. */
    | { readonly kind: 'operator'; readonly placeholder?: string }
    /** An optional feature's credential: `make secrets` writes it empty (feature off) until the operator fills it. */
    | { readonly kind: 'optional' }
    /** `length` base64 characters of random bytes (a multiple of 4, no padding): for keys upstream uses as raw text bytes. */
    | { readonly kind: 'random-base64'; readonly length: number };
}

// The edge's route facts live in model-edge.ts (kept small); re-exported so importers keep one module.
export type { EdgeLocationFacts, RateLimit, Route } from './model-edge.js';
import type { Route } from './model-edge.js';

/** An image the repo builds (CI builds and pushes each one). */
export interface BuiltImage {
  readonly name: string;
  /** `<registry>/<namespace>/<project>-<name>`, without a tag. */
  readonly repository: string;
  readonly dockerfile: string;
  /** Build context relative to the repo root (`gitmesh` for app services). */
  readonly context: string;
}

export interface MakeTarget {
  readonly name: string;
  readonly help: string;
  readonly recipe: readonly string[];
  readonly deps?: readonly string[];
}

/** What a concern (edge, backup, monitoring, ...) adds to the model. */
export interface Contribution {
  readonly services?: readonly ComposeService[];
  readonly volumes?: readonly Volume[];
  readonly secrets?: readonly Secret[];
  readonly builtImages?: readonly BuiltImage[];
  readonly makeTargets?: readonly MakeTarget[];
  /** Docs pages the generated README links to. */
  readonly docs?: readonly { readonly path: string; readonly title: string }[];
  readonly gitignore?: readonly string[];
  readonly env?: readonly (readonly [string, string, string])[];
}

/** An application service: one GitMesh CE process (or an onboarded one). */
export interface AppService {
  readonly name: string;
  readonly description: string;
  readonly kind: ServiceKind;
  readonly workspace: Workspace;
  readonly source: string;
  readonly port?: number;
  readonly health: Health;
  readonly needs: readonly DataNeed[];
  readonly weight: Weight;
  readonly replicas: number;
  readonly custom: boolean;
  /** `<registry>/<namespace>/<project>-<name>`, without a tag. */
  readonly imageRepository: string;
  /** Present for built kinds: `docker/<name>/Dockerfile`. */
  readonly dockerfile?: string;
  /** Dockerfile template under templates/docker/. */
  readonly dockerTemplate?: string;
  /** Exec-form CMD of the image. */
  readonly command: readonly string[];
  readonly workingDir: string;
  /** Environment baked into the image (non-secret, constant). */
  readonly imageEnv: readonly (readonly [string, string])[];
  readonly healthcheck: Healthcheck;
  readonly routes: readonly Route[];
  /** Variables the service refuses to start without (catalog `requires`). */
  readonly requires: readonly string[];
  /** Python: local packages requirements.txt installs editable, copied before the install. */
  readonly localPackages: readonly string[];
  /** C library of a Node image: glibc (Debian) when a native addon ships no musl build, else musl (Alpine). */
  readonly libc: 'musl' | 'glibc';
  readonly compose: ComposeService;
}

/**
 * The answers every concern reads, as typed facts (issue 20: the model is closed; concerns read
 * these, never `answers`). Each has one meaning, decided here once.
 */
export interface Settings {
  readonly tls: {
    readonly mode: Answers['tlsMode'];
    /** ACME account e-mail (letsencrypt mode). */
    readonly acmeEmail: string;
    /** Host paths of the certificate chain and key (provided mode). */
    readonly certPath: string;
    readonly keyPath: string;
    readonly profile: Answers['tlsProfile'];
    /** HSTS max-age in seconds; 0: no HSTS header. */
    readonly hstsMaxAge: number;
    readonly hstsPreload: boolean;
  };
  readonly sizeProfile: Answers['sizeProfile'];
  /** GitHub environments, in promotion order. */
  readonly environments: Answers['environments'];
  readonly targets: {
    readonly compose: boolean;
    readonly kubernetes: boolean;
  };
  /** The monitoring stack ships (compose.monitoring.yaml, rules, dashboards). */
  readonly monitoring: boolean;
  /** Where critical alerts page someone besides Slack (monitoring on). */
  readonly alertPager: Answers['alertPager'];
  readonly backup: {
    /** 5-field cron (UTC) or a macro. */
    readonly schedule: string;
    readonly keepDaily: number;
    readonly keepWeekly: number;
    readonly offsite: boolean;
    /** Production runs without an offsite copy, and the team recorded that it accepts it (--accept-single-host-backups). */
    readonly singleHostAccepted: boolean;
  };
}

/** Closed (issue 20): no raw answers; prepare/index.ts turns them into `settings`, `project`, `data` and the rest. */
export interface DeploymentModel {
  readonly settings: Settings;
  readonly project: {
    readonly name: string;
    readonly domain: string;
    readonly serverNames: readonly string[];
    readonly registry: string;
    readonly imageNamespace: string;
  };
  readonly source: { readonly repo: string; readonly ref: string; readonly path: string };
  readonly uid: number;
  readonly gid: number;
  readonly services: readonly AppService[];
  /** Every compose service (app, data, edge, ops, monitoring), in render order. */
  readonly composeServices: readonly ComposeService[];
  readonly networks: readonly Network[];
  readonly volumes: readonly Volume[];
  readonly secrets: readonly Secret[];
  readonly routes: readonly Route[];
  /** Which data services run in the stack (false: external, configured in .env). */
  readonly data: {
    readonly postgres: boolean;
    readonly postgresReplica: boolean;
    readonly redis: boolean;
    readonly opensearch: 'single' | 'cluster' | 'none';
    readonly sqs: boolean;
    readonly kafka: boolean;
    readonly temporal: boolean;
  };
  readonly builtImages: readonly BuiltImage[];
  readonly makeTargets: readonly MakeTarget[];
  readonly docs: readonly { readonly path: string; readonly title: string }[];
  readonly gitignore: readonly string[];
  /** SQS queues the stack creates in ElasticMQ. */
  readonly queues: readonly { readonly name: string; readonly fifo: boolean }[];
  /** Variables documented in .env.example, in order: [name, default, comment]. */
  readonly envExample: readonly (readonly [string, string, string])[];
  /** Every pinned third-party image, by its name in versions.ts (PINS). */
  readonly images: Readonly<Record<ImageName, string>>;
  /** Each concern's view, built once by prepare() from the finished model; concerns never rebuild one. */
  readonly views: Views;
}

/** What the templates of a concern print, decided once (prepare/index.ts builds them). */
export interface Views {
  readonly ci: CiView;
  /** Present when the monitoring stack ships. */
  readonly monitoring?: MonitoringView;
}

/**
 * The facts the core of the model (infra, app services, wiring) is built from: decided from the answers
 * once, in prepare/index.ts, before any service exists.
 */
export type CoreFacts = Pick<DeploymentModel, 'settings' | 'project' | 'data'>;
