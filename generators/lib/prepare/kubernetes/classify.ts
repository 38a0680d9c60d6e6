/**
 * Which Kubernetes workload stands for each compose service, which volumes become claims, and how
 * each workload scales. Decided from the services' typed facts (`role`, mounts, replicas, kind).
 */
import type { AppService, ComposeService, DeploymentModel, Settings } from '../../model.js';
import type { Environment } from './common.js';

export interface Workload {
  readonly svc: ComposeService;
  readonly app?: AppService;
  readonly kind: 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob';
  readonly component: string;
}

export interface Skipped {
  readonly svc: ComposeService;
  readonly note: string;
}

export function classify(model: DeploymentModel): { workloads: Workload[]; skipped: Skipped[] } {
  const apps = new Map(model.services.map((svc) => [svc.name, svc]));
  const workloads: Workload[] = [];
  const skipped: Skipped[] = [];
  for (const svc of model.composeServices) {
    if (svc.file !== 'main') {
      skipped.push({ svc, note: 'monitoring stack: use kube-prometheus-stack / the Grafana LGTM charts (docs/kubernetes.md)' });
      continue;
    }
    if (svc.tier === 'edge') {
      skipped.push({ svc, note: 'replaced by the Ingress objects (ingress-nginx) and cert-manager' });
      continue;
    }
    const app = apps.get(svc.name);
    // The role is set by the concern that creates the service; absent, a stateless long-running one.
    if (svc.role === 'backup-job') workloads.push({ svc, kind: 'CronJob', component: 'backup' });
    else if (svc.role === 'one-shot-job') workloads.push({ svc, kind: 'Job', component: 'migration' });
    else if (svc.role === 'data-store') workloads.push({ svc, kind: 'StatefulSet', component: svc.tier });
    else workloads.push({ svc, ...(app ? { app } : {}), kind: 'Deployment', component: svc.tier });
  }
  return { workloads, skipped };
}

/** PersistentVolumeClaim sizes per size profile, by volume name prefix. */
const VOLUME_SIZES: readonly (readonly [RegExp, Readonly<Record<Settings['sizeProfile'], string>>])[] = [
  [/^postgres/, { small: '20Gi', medium: '50Gi', large: '200Gi' }],
  [/^opensearch-snapshots$/, { small: '20Gi', medium: '50Gi', large: '200Gi' }],
  [/^opensearch/, { small: '20Gi', medium: '50Gi', large: '200Gi' }],
  [/^backups$/, { small: '40Gi', medium: '100Gi', large: '400Gi' }],
  [/^kafka/, { small: '20Gi', medium: '50Gi', large: '100Gi' }],
  [/^redis/, { small: '5Gi', medium: '10Gi', large: '20Gi' }],
  [/.*/, { small: '1Gi', medium: '5Gi', large: '10Gi' }],
];

export interface VolumeInfo {
  readonly name: string;
  readonly size: string;
  /** A volume shared by several pods (the OpenSearch cluster's snapshot repository) needs ReadWriteMany. */
  readonly access: string;
  readonly owner: string;
}

export interface VolumePlan {
  readonly volumes: readonly VolumeInfo[];
  /** Volumes some StatefulSet mounts (a CronJob cannot share them). */
  readonly statefulVolumes: ReadonlySet<string>;
  /** Volumes a single StatefulSet owns through its volumeClaimTemplates. */
  readonly statefulOwned: ReadonlySet<string>;
  readonly sizeOf: (volume: string) => string;
  /** The volume is a claim template of this workload (not a standalone PVC). */
  readonly claimTemplate: (volume: string, w: Workload) => boolean;
}

/**
 * Volumes: owned by the only StatefulSet that mounts them (volumeClaimTemplates), otherwise a
 * standalone PVC. The backup CronJobs cannot mount a StatefulSet's volume (compose mounts
 * redis-data for `make restore`): restores on Kubernetes are run as documented in docs/kubernetes.md.
 */
export function planVolumes(workloads: readonly Workload[], sizeProfile: Settings['sizeProfile']): VolumePlan {
  const named = (w: Workload): string[] => w.svc.mounts.filter((m) => m.type === 'volume').map((m) => m.source);
  const statefulVolumes = new Set(workloads.filter((w) => w.kind === 'StatefulSet').flatMap(named));
  const users: [string, string][] = [
    ...workloads.filter((w) => w.kind !== 'CronJob').flatMap((w) => named(w).map((v): [string, string] => [v, w.svc.name])),
    ...workloads.filter((w) => w.kind === 'CronJob').flatMap((w) => named(w).filter((v) => !statefulVolumes.has(v)).map((v): [string, string] => [v, w.svc.name])),
  ];
  const volumeUsers = new Map<string, string[]>();
  for (const [volume, user] of users) volumeUsers.set(volume, [...(volumeUsers.get(volume) ?? []), user]);
  const sizeOf = (name: string): string => VOLUME_SIZES.find(([re]) => re.test(name))![1][sizeProfile];
  const claimTemplate = (volume: string, w: Workload): boolean => w.kind === 'StatefulSet' && (volumeUsers.get(volume) ?? []).length === 1;
  const statefulOwned = new Set(workloads.flatMap((w) => named(w).filter((v) => claimTemplate(v, w))));
  const volumes = [...volumeUsers.entries()].map(([name, names]) => ({
    name,
    size: sizeOf(name),
    access: names.length > 1 ? 'ReadWriteMany' : 'ReadWriteOnce',
    owner: statefulOwned.has(name) ? `${names[0]} (volumeClaimTemplate)` : names.join(', '),
  }));
  return { volumes, statefulVolumes, statefulOwned, sizeOf, claimTemplate };
}

/** Workers that must run exactly once (a scheduler, a single gateway connection): no HPA, never scaled. */
export const SINGLETONS: ReadonlySet<string> = new Set(['job-generator', 'discord-ws']);

/** HPA ceiling as a multiple of the minimum, per size profile. */
const HPA_FACTOR = { small: 2, medium: 3, large: 4 } as const;

export const isSingleton = (w: Workload): boolean => SINGLETONS.has(w.svc.name);

/** Replicas and autoscaling per environment. */
export function scaling(sizeProfile: Settings['sizeProfile']) {
  const hpaManaged = (w: Workload): boolean =>
    w.kind === 'Deployment' && !!w.app && !isSingleton(w) && (w.app.kind === 'node-api' || w.app.kind === 'node-worker' || w.app.kind === 'python-worker');
  const scalable = (w: Workload): boolean => w.kind === 'Deployment' && !!w.app && !isSingleton(w) && w.app.kind !== 'image';
  const replicasFor = (w: Workload, env: Environment): number => (env === 'production' && scalable(w) ? Math.max(2, w.svc.replicas) : w.svc.replicas);
  const hpaMax = (min: number): number => Math.max(min + 1, min * HPA_FACTOR[sizeProfile]);
  return { hpaManaged, replicasFor, hpaMax };
}
