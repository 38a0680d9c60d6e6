/**
 * Kubernetes target: a pure, typed "view" of the deployment model as Kustomize files (a base, a
 * staging and a production overlay, and the generator kustomizations next to the files compose
 * mounts). Every object is derived mechanically from the same records compose is rendered from:
 * `model.services` (ports, health, replicas, routes), `model.composeServices` (images, command,
 * env, secrets, mounts, tmpfs, networks, resources, users) and `model.routes`/`model.secrets`, so
 * the two targets cannot disagree. Templates only print the YAML built here.
 *
 * Mapping rules (docs/kubernetes.md prints them):
 *   compose service on `restart: no`           → Job
 *   the backup service (supercronic)           → two CronJobs: backup.sh and the verify-backup.sh drill
 *   compose service with named volumes         → StatefulSet (volumeClaimTemplates) + Service
 *   any other service                          → Deployment (+ Service when it has ports)
 *   the edge proxy (tier `edge`)               → Ingress objects (ingress-nginx) + cert-manager
 *   monitoring file services                   → not rendered (use kube-prometheus-stack; see the docs)
 *   compose network N                          → pod label; a NetworkPolicy lets members of N reach each other
 *   `./config/...`, `./scripts/...` bind mount → key of a ConfigMap generated from that very file
 *   compose secret                             → key of one Secret generated from secrets/<name>, mounted at /run/secrets
 *   `${VAR...}` interpolation in compose env   → `$(VAR)` from the per-environment settings ConfigMap
 */
import type { AppService, ComposeService, DeploymentModel, Healthcheck, Mount, Resources, Route } from '../model.js';
import { BACKUP_SCRIPTS_DIR, VERIFY_SCHEDULE } from './backup.js';
import { RATE_LIMITS } from './edge.js';
import { IMAGES } from '../versions.js';

/** A Kubernetes object as plain data (validated in the tests with the kubernetes-models schemas). */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [key: string]: unknown }; [key: string]: unknown };

export type Environment = 'staging' | 'production';
export const K8S_ENVIRONMENTS: readonly Environment[] = ['staging', 'production'];

/** One YAML file: its objects (one document each) and a comment printed above them. */
export interface K8sFile {
  readonly path: string;
  readonly comment: string;
  readonly documents: readonly unknown[];
}

export interface KubernetesView {
  readonly files: readonly K8sFile[];
  /** Plain-text files (the overlays' settings.env). */
  readonly envFiles: readonly { readonly path: string; readonly comment: string; readonly lines: readonly (readonly [string, string, string])[] }[];
  /** Compose service name → the workload that stands for it. */
  readonly counterparts: readonly { readonly service: string; readonly kind: 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob' | 'Ingress' | 'none'; readonly names: readonly string[]; readonly note: string }[];
  /** The compose network pairs the NetworkPolicies allow (workload names, sorted, a < b). */
  readonly networkPairs: readonly (readonly [string, string])[];
  readonly namespaces: Readonly<Record<Environment, string>>;
  readonly hosts: Readonly<Record<Environment, readonly string[]>>;
  /** Image repositories the overlays tag (built by CI). */
  readonly builtImages: readonly string[];
  readonly initialTag: string;
  readonly ingressNamespace: string;
  readonly secretName: string;
  readonly settingsName: string;
  readonly hpa: readonly { readonly name: string; readonly min: Readonly<Record<Environment, number>>; readonly max: Readonly<Record<Environment, number>> }[];
  readonly replicas: readonly { readonly name: string; readonly replicas: Readonly<Record<Environment, number>> }[];
  readonly tlsMode: DeploymentModel['answers']['tlsMode'];
  readonly tlsSecret: string;
  readonly issuers: readonly string[];
  readonly volumes: readonly { readonly name: string; readonly size: string; readonly access: string; readonly owner: string }[];
  /** Workloads the deploy waits on (and rolls back), data tier first. */
  readonly rollouts: { readonly data: readonly string[]; readonly apps: readonly string[] };
  /** One-shot Jobs (migrations, Temporal schema and namespace) the deploy waits for before the application. */
  readonly migrationJobs: readonly string[];
}

export const K8S_DIR = 'deploy/kubernetes';
/** Namespace of the ingress-nginx controller (allowed in by the NetworkPolicies). */
export const INGRESS_NAMESPACE = 'ingress-nginx';
export const INGRESS_CLASS = 'nginx';
/** Label key prefix marking compose network membership on pods. */
export const NETWORK_LABEL = (network: string): string => `network.gitmesh-devops/${network}`;
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Who an image without a compose `user` runs as (numeric, so runAsNonRoot can be verified by the kubelet). */
const IMAGE_USERS: readonly (readonly [string, number, number])[] = [
  [IMAGES.opensearch, 1000, 1000], // opensearch user of the official image
  [IMAGES.kafka, 1000, 1000], // appuser of apache/kafka (writes its config under /opt/kafka)
  [IMAGES.temporal, 1000, 1000], // temporal user of temporalio/server (docker/targets/server.Dockerfile)
  [IMAGES.temporalAdminTools, 1000, 1000], // the same user in temporalio/admin-tools
  [IMAGES.elasticmq, 10001, 10001], // a static native binary: any uid works; /data is a volume owned by fsGroup
];

/** Ports of the infrastructure images (compose only publishes some of them on 127.0.0.1 for debugging). */
const IMAGE_PORTS: readonly (readonly [string, readonly { name: string; port: number }[]])[] = [
  [IMAGES.postgres, [{ name: 'postgres', port: 5432 }]],
  [IMAGES.redis, [{ name: 'redis', port: 6379 }]],
  [IMAGES.opensearch, [{ name: 'http', port: 9200 }, { name: 'transport', port: 9300 }]],
  [IMAGES.elasticmq, [{ name: 'sqs', port: 9324 }, { name: 'ui', port: 9325 }]],
  [IMAGES.kafka, [{ name: 'kafka', port: 9092 }, { name: 'controller', port: 9093 }]],
  [IMAGES.temporal, [{ name: 'grpc', port: 7233 }]],
];

/** PersistentVolumeClaim sizes per size profile, by volume name prefix. */
const VOLUME_SIZES: readonly (readonly [RegExp, Readonly<Record<'small' | 'medium' | 'large', string>>])[] = [
  [/^postgres/, { small: '20Gi', medium: '50Gi', large: '200Gi' }],
  [/^opensearch-snapshots$/, { small: '20Gi', medium: '50Gi', large: '200Gi' }],
  [/^opensearch/, { small: '20Gi', medium: '50Gi', large: '200Gi' }],
  [/^backups$/, { small: '40Gi', medium: '100Gi', large: '400Gi' }],
  [/^kafka/, { small: '20Gi', medium: '50Gi', large: '100Gi' }],
  [/^redis/, { small: '5Gi', medium: '10Gi', large: '20Gi' }],
  [/.*/, { small: '1Gi', medium: '5Gi', large: '10Gi' }],
];

/** Workers that must run exactly once (a scheduler, a single gateway connection): no HPA, never scaled. */
export const SINGLETONS: ReadonlySet<string> = new Set(['job-generator', 'discord-ws']);

/** HPA ceiling as a multiple of the minimum, per size profile. */
const HPA_FACTOR = { small: 2, medium: 3, large: 4 } as const;

// ---------------------------------------------------------------------------------------------
// Conversions from compose notation

/** "30s", "1m30s", "2h" → seconds. */
export function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(h|m|s)/g)) total += Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
  return total;
}

/** Compose `cpus` ("0.25") → Kubernetes millicores ("250m"). */
export const k8sCpu = (cpus: string): string => `${Math.round(Number(cpus) * 1000)}m`;
/** Compose memory ("512M", "2G"; binary units) → Kubernetes quantity ("512Mi", "2Gi"). */
export function k8sMemory(memory: string): string {
  const match = /^(\d+)([MG])$/.exec(memory);
  if (!match) throw new Error(`unexpected compose memory ${memory}`);
  return `${match[1]}${match[2]}i`;
}

function k8sResources(resources: Resources, requestScale = 1) {
  const scaleCpu = (cpus: string): string => k8sCpu(String(Number(cpus) * requestScale));
  const scaleMem = (memory: string): string => (requestScale === 1 ? k8sMemory(memory) : `${Math.round(mib(memory) * requestScale)}Mi`);
  return {
    requests: { cpu: scaleCpu(resources.reservations.cpus), memory: scaleMem(resources.reservations.memory) },
    limits: { cpu: k8sCpu(resources.limits.cpus), memory: k8sMemory(resources.limits.memory) },
  };
}

const mib = (memory: string): number => {
  const match = /^(\d+)([MG])$/.exec(memory);
  return match ? Number(match[1]) * (match[2] === 'G' ? 1024 : 1) : 0;
};

/** One `${NAME...}` compose interpolation: its name, operator and default text. */
interface Interpolation { readonly name: string; readonly op: string; readonly rest: string }

/** Replaces compose `${VAR}`, `${VAR:-default}` and `${VAR:?message}` with Kubernetes `$(VAR)`, collecting the variables. */
export function translateInterpolation(value: string, found: Map<string, Interpolation>): string {
  let out = '';
  for (let i = 0; i < value.length; ) {
    if (value.startsWith('$$', i)) {
      out += '$$';
      i += 2;
      continue;
    }
    if (!value.startsWith('${', i)) {
      out += value[i];
      i += 1;
      continue;
    }
    let depth = 0;
    let end = i;
    for (; end < value.length; end += 1) {
      if (value.startsWith('${', end)) depth += 1;
      if (value[end] === '}' && --depth === 0) break;
    }
    const body = value.slice(i + 2, end);
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([\s\S]*)$/.exec(body);
    if (!match) throw new Error(`cannot translate ${value}`);
    const [, name, op = '', rest = ''] = match;
    if (!found.has(name!)) found.set(name!, { name: name!, op, rest });
    out += `$(${name})`;
    i = end + 1;
  }
  return out;
}

/** Exec-form command of a compose healthcheck test. */
export function execCommand(check: Healthcheck): string[] {
  const [form, ...rest] = check.test;
  return form === 'CMD-SHELL' ? ['/bin/sh', '-c', rest.join(' ')] : rest;
}

// ---------------------------------------------------------------------------------------------

interface Workload {
  readonly svc: ComposeService;
  readonly app?: AppService;
  readonly kind: 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob';
  readonly component: string;
}

const isBackup = (svc: ComposeService): boolean => svc.mounts.some((m) => m.target === `${BACKUP_SCRIPTS_DIR}/backup.sh`);

function classify(model: DeploymentModel): { workloads: Workload[]; skipped: { svc: ComposeService; note: string }[] } {
  const apps = new Map(model.services.map((svc) => [svc.name, svc]));
  const workloads: Workload[] = [];
  const skipped: { svc: ComposeService; note: string }[] = [];
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
    if (isBackup(svc)) workloads.push({ svc, kind: 'CronJob', component: 'backup' });
    else if (svc.restart === 'no') workloads.push({ svc, kind: 'Job', component: 'migration' });
    else if (svc.mounts.some((m) => m.type === 'volume')) workloads.push({ svc, kind: 'StatefulSet', component: svc.tier });
    else workloads.push({ svc, ...(app ? { app } : {}), kind: 'Deployment', component: svc.tier });
  }
  return { workloads, skipped };
}

export function kubernetesView(model: DeploymentModel): KubernetesView {
  const { answers } = model;
  const project = model.project.name;
  const secretName = `${project}-secrets`;
  const settingsName = `${project}-settings`;
  const configName = `${project}-config`;
  const scriptsName = `${project}-scripts`;
  const tlsSecret = `${project}-tls`;
  const { workloads, skipped } = classify(model);
  const interpolations = new Map<string, Interpolation>();
  const builtImages = new Set<string>();

  const namespaces: Record<Environment, string> = { staging: `${project}-staging`, production: `${project}-production` };
  const hosts: Record<Environment, readonly string[]> = {
    production: model.project.serverNames,
    staging: model.project.serverNames.map((name) => `staging.${name}`),
  };
  const envHost: Record<Environment, string> = { production: model.project.domain, staging: `staging.${model.project.domain}` };

  // Volumes: owned by the only StatefulSet that mounts them (volumeClaimTemplates), otherwise a standalone PVC.
  // The backup CronJobs cannot mount a StatefulSet's volume (compose mounts redis-data for `make restore`):
  // restores on Kubernetes are run as documented in docs/kubernetes.md.
  const volumeUsers = new Map<string, string[]>();
  for (const w of workloads) for (const m of w.svc.mounts) if (m.type === 'volume' && w.kind !== 'CronJob') volumeUsers.set(m.source, [...(volumeUsers.get(m.source) ?? []), w.svc.name]);
  const statefulVolumes = new Set(workloads.filter((w) => w.kind === 'StatefulSet').flatMap((w) => w.svc.mounts.filter((m) => m.type === 'volume').map((m) => m.source)));
  for (const w of workloads) for (const m of w.svc.mounts) if (m.type === 'volume' && w.kind === 'CronJob' && !statefulVolumes.has(m.source)) volumeUsers.set(m.source, [...(volumeUsers.get(m.source) ?? []), w.svc.name]);
  const sizeOf = (name: string): string => VOLUME_SIZES.find(([re]) => re.test(name))![1][answers.sizeProfile];
  const claimTemplate = (volume: string, w: Workload): boolean => w.kind === 'StatefulSet' && (volumeUsers.get(volume) ?? []).length === 1;
  const statefulOwned = new Set(workloads.flatMap((w) => w.svc.mounts.filter((m) => m.type === 'volume' && claimTemplate(m.source, w)).map((m) => m.source)));
  const volumes = [...volumeUsers.entries()].map(([name, users]) => ({
    name,
    size: sizeOf(name),
    // A volume shared by several pods (the OpenSearch cluster's snapshot repository) needs ReadWriteMany.
    access: users.length > 1 ? 'ReadWriteMany' : 'ReadWriteOnce',
    owner: statefulOwned.has(name) ? `${users[0]} (volumeClaimTemplate)` : users.join(', '),
  }));

  const labels = (name: string, component: string) => ({
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': project,
    'app.kubernetes.io/part-of': project,
    [COMPONENT_LABEL]: component,
  });
  const selector = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': project });

  /** Image reference: built images lose the compose `${GITMESH_IMAGE_TAG}` (the overlays tag them); third-party images keep their pin. */
  const imageOf = (image: string): string => {
    const at = image.indexOf(':${');
    if (at < 0) return image;
    builtImages.add(image.slice(0, at));
    return image.slice(0, at);
  };

  const userOf = (svc: ComposeService): { uid?: number; gid?: number } => {
    if (svc.user) {
      const [uid, gid] = svc.user.split(':').map(Number);
      return { uid: uid!, gid: gid ?? uid! };
    }
    const known = IMAGE_USERS.find(([image]) => image === svc.image);
    return known ? { uid: known[1], gid: known[2] } : {};
  };

  const portsOf = (w: Workload): { name: string; port: number }[] => {
    if (w.app) return w.app.port !== undefined ? [{ name: 'http', port: w.app.port }] : [];
    return [...(IMAGE_PORTS.find(([image]) => image === w.svc.image)?.[1] ?? [])];
  };

  const probeAction = (w: Workload): Record<string, unknown> => {
    const health = w.app?.health;
    const port = w.app?.port;
    if (health?.kind === 'http' && port !== undefined) return { httpGet: { path: health.path, port } };
    if (health?.kind === 'tcp' && port !== undefined) return { tcpSocket: { port } };
    return { exec: { command: execCommand(w.svc.healthcheck) } };
  };

  const probes = (w: Workload) => {
    const check = w.svc.healthcheck;
    const action = probeAction(w);
    const period = seconds(check.interval);
    const timeout = seconds(check.timeout);
    return {
      startupProbe: { ...action, periodSeconds: 10, timeoutSeconds: timeout, failureThreshold: Math.ceil(seconds(check.startPeriod) / 10) + check.retries },
      readinessProbe: { ...action, periodSeconds: Math.min(period, 10), timeoutSeconds: timeout, failureThreshold: check.retries },
      livenessProbe: { ...action, periodSeconds: period, timeoutSeconds: timeout, failureThreshold: check.retries },
    };
  };

  const configMapFor = (source: string): { name: string; key: string } => {
    const match = /^\.\/(config|scripts)\/(.+)$/.exec(source);
    if (!match) throw new Error(`bind mount ${source} has no Kubernetes counterpart`);
    return { name: match[1] === 'config' ? configName : scriptsName, key: match[2]!.replace(/\//g, '.') };
  };
  const generatorFiles = { config: new Map<string, string>(), scripts: new Map<string, string>() };
  const executable = (source: string): boolean => /\.sh$/.test(source);

  /** Kubernetes adaptations of a compose service where the platform differs (each one documented). */
  const environmentOf = (svc: ComposeService): [string, string][] =>
    svc.environment.map(([name, value]): [string, string] =>
      // No memlock ulimit in Kubernetes pods (and no IPC_LOCK under the restricted profile); nodes run without swap.
      svc.image === IMAGES.opensearch && name === 'bootstrap.memory_lock' ? [name, 'false'] : [name, value],
    );

  const podTemplate = (w: Workload, opts: { command?: readonly string[]; skipVolumes?: boolean } = {}) => {
    const { svc } = w;
    const { uid, gid } = userOf(svc);
    const podVolumes: Record<string, unknown>[] = [];
    const mounts: Record<string, unknown>[] = [];
    const initContainers: Record<string, unknown>[] = [];
    const env: Record<string, unknown>[] = [];
    const local = new Map<string, Interpolation>();
    const translated = environmentOf(svc).map(([name, value]) => ({ name, value: translateInterpolation(value, local) }));
    for (const [name, info] of local) {
      interpolations.set(name, interpolations.get(name) ?? info);
      env.push({ name, valueFrom: { configMapKeyRef: { name: settingsName, key: name } } });
    }
    env.push(...translated.filter((e) => !local.has(e.name)));
    if (svc.secrets.length) {
      podVolumes.push({ name: 'secrets', secret: { secretName, defaultMode: 0o440, items: svc.secrets.map((key) => ({ key, path: key })) } });
      mounts.push({ name: 'secrets', mountPath: '/run/secrets', readOnly: true });
    }
    const configVolumes = new Map<string, { key: string; mode: number }[]>();
    svc.mounts.forEach((m: Mount) => {
      if (m.type === 'volume') {
        if (opts.skipVolumes && statefulVolumes.has(m.source)) return;
        if (!claimTemplate(m.source, w)) podVolumes.push({ name: m.source, persistentVolumeClaim: { claimName: m.source } });
        mounts.push({ name: m.source, mountPath: m.target, ...(m.readOnly ? { readOnly: true } : {}) });
        return;
      }
      const { name, key } = configMapFor(m.source);
      const dir = name === configName ? 'config' : 'scripts';
      generatorFiles[dir].set(key, m.source.replace(/^\.\/(config|scripts)\//, ''));
      configVolumes.set(name, [...(configVolumes.get(name) ?? []), { key, mode: executable(m.source) ? 0o555 : 0o444 }]);
      mounts.push({ name: name === configName ? 'config' : 'scripts', mountPath: m.target, subPath: key, readOnly: true });
    });
    for (const [name, items] of configVolumes) {
      podVolumes.push({ name: name === configName ? 'config' : 'scripts', configMap: { name, items: items.map((i) => ({ key: i.key, path: i.key, mode: i.mode })) } });
    }
    svc.tmpfs.forEach((entry, index) => {
      const [path, opt = ''] = entry.split(':');
      const size = /size=(\d+)([mg])/.exec(opt);
      const volume = `tmp-${index}`;
      podVolumes.push({ name: volume, emptyDir: { medium: 'Memory', ...(size ? { sizeLimit: `${size[1]}${size[2] === 'g' ? 'Gi' : 'Mi'}` } : {}) } });
      mounts.push({ name: volume, mountPath: path });
    });
    if (svc.shmSize) {
      const size = /^(\d+)([mg])$/.exec(svc.shmSize);
      podVolumes.push({ name: 'dshm', emptyDir: { medium: 'Memory', ...(size ? { sizeLimit: `${size[1]}${size[2] === 'g' ? 'Gi' : 'Mi'}` } : {}) } });
      mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
    }
    const containerSecurity = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: svc.readOnly || w.app?.kind === 'static-frontend',
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    };
    const image = imageOf(svc.image);
    // The frontend entrypoint writes the VUE_APP_* values into the bundle at start: serve a writable copy
    // of the bundle from an emptyDir so the root filesystem stays read-only.
    if (w.app?.kind === 'static-frontend') {
      podVolumes.push({ name: 'html', emptyDir: { sizeLimit: '256Mi' } });
      mounts.push({ name: 'html', mountPath: w.app.workingDir });
      initContainers.push({
        name: 'copy-bundle',
        image,
        command: ['cp', '-a', `${w.app.workingDir}/.`, '/html/'],
        volumeMounts: [{ name: 'html', mountPath: '/html' }],
        resources: k8sResources(svc.resources),
        securityContext: containerSecurity,
      });
    }
    const ports = portsOf(w);
    const command = opts.command ?? svc.entrypoint;
    const args = opts.command ? undefined : svc.command;
    const container = {
      name: svc.name,
      image,
      imagePullPolicy: 'IfNotPresent',
      ...(command ? { command: [...command] } : {}),
      ...(args ? { args: [...args] } : {}),
      ...(svc.workingDir ? { workingDir: svc.workingDir } : {}),
      ...(env.length ? { env } : {}),
      ...(ports.length ? { ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })) } : {}),
      ...(w.kind === 'Job' || w.kind === 'CronJob' ? {} : probes(w)),
      resources: k8sResources(svc.resources),
      securityContext: containerSecurity,
      ...(mounts.length ? { volumeMounts: mounts } : {}),
    };
    const spreads = ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector(svc.name) },
    }));
    return {
      metadata: { labels: { ...labels(svc.name, w.component), ...Object.fromEntries(svc.networks.map((n) => [NETWORK_LABEL(n), 'member'])) } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: seconds(svc.stopGracePeriod),
        securityContext: {
          runAsNonRoot: true,
          ...(uid !== undefined ? { runAsUser: uid, runAsGroup: gid, fsGroup: gid, fsGroupChangePolicy: 'OnRootMismatch' } : {}),
          ...(svc.groupAdd?.length ? { supplementalGroups: svc.groupAdd.map(Number) } : {}),
          seccompProfile: { type: 'RuntimeDefault' },
        },
        ...(w.kind === 'Deployment' || w.kind === 'StatefulSet' ? { topologySpreadConstraints: spreads } : {}),
        ...(initContainers.length ? { initContainers } : {}),
        containers: [container],
        ...(w.kind === 'Job' || w.kind === 'CronJob' ? { restartPolicy: 'Never' } : {}),
        ...(podVolumes.length ? { volumes: podVolumes } : {}),
      },
    };
  };

  // Replicas and autoscaling per environment.
  const hpaManaged = (w: Workload): boolean =>
    w.kind === 'Deployment' && !!w.app && !SINGLETONS.has(w.svc.name) && (w.app.kind === 'node-api' || w.app.kind === 'node-worker' || w.app.kind === 'python-worker');
  const scalable = (w: Workload): boolean => w.kind === 'Deployment' && !!w.app && !SINGLETONS.has(w.svc.name) && w.app.kind !== 'image';
  const replicasFor = (w: Workload, env: Environment): number => (env === 'production' && scalable(w) ? Math.max(2, w.svc.replicas) : w.svc.replicas);
  const hpaMax = (min: number): number => Math.max(min + 1, min * HPA_FACTOR[answers.sizeProfile]);

  const base: K8sFile[] = [];
  const baseResources: string[] = [];
  const add = (dir: string, file: K8sFile): void => {
    base.push({ ...file, path: `${K8S_DIR}/base/${dir}${file.path}` });
    baseResources.push(`${dir}${file.path}`);
  };

  const hpa: { name: string; min: Record<Environment, number>; max: Record<Environment, number> }[] = [];
  const replicaTable: { name: string; replicas: Record<Environment, number> }[] = [];
  const counterparts: { service: string; kind: KubernetesView['counterparts'][number]['kind']; names: string[]; note: string }[] = [];

  for (const w of workloads) {
    const { svc } = w;
    const name = svc.name;
    const meta = { name, labels: labels(name, w.component) };
    const docs: K8sObject[] = [];
    const ports = portsOf(w);
    if (w.kind === 'CronJob') {
      const jobs: [string, string, string][] = [
        [name, answers.backupSchedule, 'backup.sh'],
        [`verify-${name}`, VERIFY_SCHEDULE, 'verify-backup.sh'],
      ];
      for (const [jobName, schedule, script] of jobs) {
        docs.push({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: jobName, labels: labels(jobName, w.component) },
          spec: {
            schedule,
            timeZone: 'Etc/UTC',
            concurrencyPolicy: 'Forbid',
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: { spec: { backoffLimit: 1, activeDeadlineSeconds: 6 * 3600, template: podTemplate(w, { command: [`${BACKUP_SCRIPTS_DIR}/${script}`], skipVolumes: true }) } },
          },
        });
      }
      counterparts.push({ service: name, kind: 'CronJob', names: jobs.map((j) => j[0]), note: `schedules ${answers.backupSchedule} (backup) and ${VERIFY_SCHEDULE} (restore drill), UTC` });
    } else if (w.kind === 'Job') {
      docs.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: { backoffLimit: 3, activeDeadlineSeconds: 1800, template: podTemplate(w) } });
      counterparts.push({ service: name, kind: 'Job', names: [name], note: 'deleted and re-created by each deploy (a Job template is immutable)' });
    } else if (w.kind === 'StatefulSet') {
      const claims = svc.mounts.filter((m) => m.type === 'volume' && claimTemplate(m.source, w));
      docs.push({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta,
        spec: {
          serviceName: name,
          replicas: svc.replicas,
          podManagementPolicy: 'OrderedReady',
          selector: { matchLabels: selector(name) },
          template: podTemplate(w),
          volumeClaimTemplates: claims.map((m) => ({
            metadata: { name: m.source, labels: labels(name, w.component) },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: sizeOf(m.source) } } },
          })),
        },
      });
      counterparts.push({ service: name, kind: 'StatefulSet', names: [name], note: 'simple single-pod StatefulSet; prefer an operator or a managed service in production' });
    } else {
      const managed = hpaManaged(w);
      docs.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta,
        spec: {
          // An autoscaled Deployment leaves replicas to its HPA (kubectl apply would otherwise reset them).
          ...(managed ? {} : { replicas: svc.replicas }),
          revisionHistoryLimit: 10,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          selector: { matchLabels: selector(name) },
          template: podTemplate(w),
        },
      });
      if (managed) {
        const min = { staging: replicasFor(w, 'staging'), production: replicasFor(w, 'production') };
        const max = { staging: hpaMax(min.staging), production: hpaMax(min.production) };
        hpa.push({ name, min, max });
        docs.push({
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: meta,
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
            minReplicas: svc.replicas,
            maxReplicas: hpaMax(svc.replicas),
            metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
            behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
          },
        });
      } else {
        replicaTable.push({ name, replicas: { staging: replicasFor(w, 'staging'), production: replicasFor(w, 'production') } });
      }
      if (svc.replicas > 1) docs.push(pdb(name, meta.labels, selector(name)));
      counterparts.push({ service: name, kind: 'Deployment', names: [name], note: managed ? 'autoscaled (HPA on CPU)' : SINGLETONS.has(name) ? 'singleton: exactly one replica' : 'fixed replicas' });
    }
    if (ports.length && w.kind !== 'Job' && w.kind !== 'CronJob') {
      docs.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta,
        spec: { type: 'ClusterIP', selector: selector(name), ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })) },
      });
    }
    const dir = w.component === 'app' ? 'apps/' : w.component === 'data' ? 'data/' : 'jobs/';
    add(dir, { path: `${name}.yaml`, comment: `${svc.description} (compose service \`${name}\`).`, documents: docs });
  }
  for (const { svc, note } of skipped) counterparts.push({ service: svc.name, kind: svc.tier === 'edge' ? 'Ingress' : 'none', names: [], note });

  // Standalone claims (volumes not owned by one StatefulSet).
  const standalone = volumes.filter((v) => !statefulOwned.has(v.name));
  if (standalone.length) {
    add('', {
      path: 'volumes.yaml',
      comment: 'PersistentVolumeClaims for volumes mounted by more than one pod or by jobs (compose named volumes).',
      documents: standalone.map((v) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: v.name, labels: labels(v.name, 'storage') },
        spec: { accessModes: [v.access], resources: { requests: { storage: v.size } } },
      })),
    });
  }

  // Ingress: one object per edge route (ingress-nginx annotations apply per object).
  const ingressFor = (route: Route, routeHosts: readonly string[]): K8sObject => {
    const limit = route.rateLimit === 'none' ? undefined : RATE_LIMITS[route.rateLimit];
    const rps = limit ? Number(/^(\d+)r\/s$/.exec(limit.rate)?.[1] ?? 0) : 0;
    const prefix = route.path.replace(/\/$/, '');
    const annotations: Record<string, string> = {
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/proxy-body-size': '16m',
      ...(route.stripPrefix ? { 'nginx.ingress.kubernetes.io/use-regex': 'true', 'nginx.ingress.kubernetes.io/rewrite-target': `${route.upstreamPath}$2` } : {}),
      ...(route.websocket ? { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600', 'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600' } : {}),
      ...(rps ? { 'nginx.ingress.kubernetes.io/limit-rps': String(rps), 'nginx.ingress.kubernetes.io/limit-burst-multiplier': String(Math.max(1, Math.round(limit!.burst / rps))) } : {}),
    };
    const path = route.stripPrefix ? `${prefix}(/|$)(.*)` : route.path;
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: route.name, labels: labels(route.name, 'edge'), annotations },
      spec: {
        ingressClassName: INGRESS_CLASS,
        tls: [{ hosts: [...routeHosts], secretName: tlsSecret }],
        rules: routeHosts.map((host) => ({
          host,
          http: { paths: [{ path, pathType: route.stripPrefix ? 'ImplementationSpecific' : 'Prefix', backend: { service: { name: route.service, port: { number: route.port } } } }] },
        })),
      },
    };
  };
  if (model.routes.length) add('', { path: 'ingress.yaml', comment: 'Edge routes (the same table the nginx edge is rendered from), served by ingress-nginx.', documents: model.routes.map((r) => ingressFor(r, hosts.production)) });

  // TLS: cert-manager.
  const issuers: string[] = [];
  const tlsDocs: K8sObject[] = [];
  if (answers.tlsMode === 'letsencrypt') {
    for (const [name, server] of [
      ['letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory'],
      ['letsencrypt-production', 'https://acme-v02.api.letsencrypt.org/directory'],
    ] as const) {
      issuers.push(name);
      tlsDocs.push({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Issuer',
        metadata: { name, labels: labels(name, 'tls') },
        spec: { acme: { server, email: answers.acmeEmail, privateKeySecretRef: { name: `${name}-account` }, solvers: [{ http01: { ingress: { ingressClassName: INGRESS_CLASS } } }] } },
      });
    }
  } else if (answers.tlsMode === 'self-signed') {
    issuers.push('self-signed');
    tlsDocs.push({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'self-signed', labels: labels('self-signed', 'tls') }, spec: { selfSigned: {} } });
  }
  const certificate = (certHosts: readonly string[], issuer: string): K8sObject => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: tlsSecret, labels: labels(tlsSecret, 'tls') },
    spec: { secretName: tlsSecret, dnsNames: [...certHosts], issuerRef: { kind: 'Issuer', name: issuer }, privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' } },
  });
  const certIssuer = answers.tlsMode === 'letsencrypt' ? 'letsencrypt-production' : 'self-signed';
  if (answers.tlsMode !== 'provided' && model.routes.length) tlsDocs.push(certificate(hosts.production, certIssuer));
  if (tlsDocs.length) add('', { path: 'tls.yaml', comment: answers.tlsMode === 'letsencrypt' ? "cert-manager: Let's Encrypt staging and production Issuers and the edge certificate (HTTP-01 through ingress-nginx)." : 'cert-manager: a self-signed Issuer and the edge certificate (development only).', documents: tlsDocs });

  // NetworkPolicies: default deny, DNS, and one policy per compose network.
  const members = new Map<string, string[]>();
  for (const w of workloads) for (const n of w.svc.networks) members.set(n, [...(members.get(n) ?? []), w.svc.name]);
  const netDocs: K8sObject[] = [
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', labels: labels('default-deny', 'network') }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns', labels: labels('allow-dns', 'network') },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
      },
    },
  ];
  for (const network of model.networks) {
    if (!members.has(network.name)) continue;
    const sel = { matchLabels: { [NETWORK_LABEL(network.name)]: 'member' } };
    netDocs.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `network-${network.name}`, labels: labels(`network-${network.name}`, 'network'), annotations: { 'gitmesh-devops/compose-network': `${network.name}: ${network.description}` } },
      spec: {
        podSelector: sel,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: sel }] }],
        // `internal` compose networks have no route out; the others reach the internet (integrations, ACME, webhooks).
        egress: [{ to: [{ podSelector: sel }] }, ...(network.internal ? [] : [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }] }])],
      },
    });
  }
  const routed = [...new Map(model.routes.map((r) => [r.service, r.port])).entries()];
  if (routed.length) {
    netDocs.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-ingress-controller', labels: labels('allow-ingress-controller', 'network') },
      spec: {
        podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: routed.map(([s]) => s) }] },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': INGRESS_NAMESPACE } } }], ports: [...new Set(routed.map(([, p]) => p))].map((port) => ({ protocol: 'TCP', port })) }],
      },
    });
  }
  if (answers.tlsMode === 'letsencrypt') {
    netDocs.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-acme-solver', labels: labels('allow-acme-solver', 'network') },
      spec: {
        podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': INGRESS_NAMESPACE } } }], ports: [{ protocol: 'TCP', port: 8089 }] }],
      },
    });
  }
  add('', { path: 'network-policies.yaml', comment: 'Default deny, DNS, and exactly the pairs the compose networks allow: pods on the same compose network reach each other.', documents: netDocs });

  const networkPairs: [string, string][] = [];
  const names = workloads.map((w) => w.svc.name).sort();
  for (const a of names) for (const b of names) {
    if (a >= b) continue;
    const na = workloads.find((w) => w.svc.name === a)!.svc.networks;
    const nb = workloads.find((w) => w.svc.name === b)!.svc.networks;
    if (na.some((n) => nb.includes(n))) networkPairs.push([a, b]);
  }

  // Generator kustomizations next to the files compose mounts.
  const generators: K8sFile[] = [];
  const kustomization = (extra: Record<string, unknown>) => ({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...extra });
  const generatorDirs: string[] = [];
  const usedSecrets = model.secrets.filter((s) => workloads.some((w) => w.svc.secrets.includes(s.name)));
  generators.push({
    path: 'secrets/kustomization.yaml',
    comment: `Kubernetes Secret from the files \`make secrets\` writes here (the same files compose mounts). Never put values in this file.`,
    documents: [kustomization({ labels: [{ pairs: { 'app.kubernetes.io/part-of': project, [COMPONENT_LABEL]: 'config' } }], secretGenerator: [{ name: secretName, type: 'Opaque', files: usedSecrets.map((s) => s.name) }] })],
  });
  generatorDirs.push('secrets');
  for (const dir of ['config', 'scripts'] as const) {
    const files = generatorFiles[dir];
    if (!files.size) continue;
    generators.push({
      path: `${dir}/kustomization.yaml`,
      comment: `ConfigMap for Kubernetes from the files compose bind-mounts from ${dir}/ (keys are paths with / as .).`,
      documents: [kustomization({ labels: [{ pairs: { 'app.kubernetes.io/part-of': project, [COMPONENT_LABEL]: 'config' } }], configMapGenerator: [{ name: dir === 'config' ? configName : scriptsName, files: [...files.entries()].sort().map(([key, path]) => `${key}=${path}`) }] })],
    });
    generatorDirs.push(dir);
  }

  base.unshift({
    path: `${K8S_DIR}/base/kustomization.yaml`,
    comment: 'Kustomize base: every environment-independent object. Deploy an overlay, not this directory.',
    documents: [kustomization({ labels: [{ pairs: { 'app.kubernetes.io/managed-by': 'kustomize' } }], resources: [...generatorDirs.map((d) => `../../../${d}`), ...baseResources] })],
  });

  // Overlays.
  const settingsLines = (env: Environment): [string, string, string][] =>
    [...interpolations.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((i): [string, string, string] => {
        if (i.name === 'GITMESH_PUBLIC_HOST') return [i.name, envHost[env], 'Public host name of this environment'];
        if (i.name === 'BACKUP_ENVIRONMENT') return [i.name, env, 'production makes restore.sh demand --confirm-production'];
        const literal = (i.op === ':-' || i.op === '-') && !i.rest.includes('$') ? i.rest : '';
        const note = i.op.endsWith('?') ? `required: ${i.rest || 'set it'}` : i.rest.includes('$') ? `compose default: ${i.rest}` : 'optional';
        return [i.name, literal, note];
      });
  const envFiles = K8S_ENVIRONMENTS.map((env) => ({ path: `${K8S_DIR}/overlays/${env}/settings.env`, comment: `Non-secret settings of ${env} (compose reads the same variables from .env).`, lines: settingsLines(env) }));
  const initialTag = model.envExample.find(([name]) => name === 'GITMESH_IMAGE_TAG')?.[1] ?? 'main';
  const overlays: K8sFile[] = [];
  for (const env of K8S_ENVIRONMENTS) {
    const dir = `${K8S_DIR}/overlays/${env}`;
    const patches: unknown[] = [];
    const extra: K8sObject[] = [];
    for (const w of workloads.filter((x) => x.kind === 'Deployment')) {
      const reps = replicaTable.find((r) => r.name === w.svc.name);
      const container = env === 'staging' ? [{ name: w.svc.name, resources: k8sResources(w.svc.resources, 0.5) }] : undefined;
      const effective = reps ? reps.replicas[env] : hpa.find((h) => h.name === w.svc.name)!.min[env];
      if (effective > 1 && w.svc.replicas <= 1) extra.push(pdb(w.svc.name, labels(w.svc.name, w.component), selector(w.svc.name)));
      if (!container && !(reps && reps.replicas[env] !== w.svc.replicas)) continue;
      patches.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: w.svc.name },
        spec: { ...(reps ? { replicas: reps.replicas[env] } : {}), ...(container ? { template: { spec: { containers: container } } } : {}) },
      });
    }
    for (const h of hpa) {
      const base = workloads.find((w) => w.svc.name === h.name)!.svc.replicas;
      if (h.min[env] !== base || h.max[env] !== hpaMax(base)) patches.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: h.name }, spec: { minReplicas: h.min[env], maxReplicas: h.max[env] } });
    }
    if (env !== 'production' && model.routes.length) {
      for (const route of model.routes) {
        const full = ingressFor(route, hosts[env]);
        patches.push({ apiVersion: full.apiVersion, kind: full.kind, metadata: { name: full.metadata.name }, spec: { tls: (full['spec'] as { tls: unknown }).tls, rules: (full['spec'] as { rules: unknown }).rules } });
      }
      if (answers.tlsMode !== 'provided') patches.push({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: tlsSecret }, spec: { dnsNames: [...hosts[env]] } });
    }
    const namespaceDoc: K8sObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespaces[env],
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' },
      },
    };
    overlays.push({ path: `${dir}/namespace.yaml`, comment: `The ${env} namespace, enforcing the restricted Pod Security Standard.`, documents: [namespaceDoc] });
    if (extra.length) overlays.push({ path: `${dir}/disruption-budgets.yaml`, comment: `PodDisruptionBudgets for the services ${env} runs with more than one replica.`, documents: extra });
    if (patches.length) overlays.push({ path: `${dir}/patches.yaml`, comment: `${env}: replicas, autoscaling bounds, resource scaling and hosts.`, documents: patches });
    overlays.push({
      path: `${dir}/kustomization.yaml`,
      comment: `${env} overlay: \`kubectl apply -k ${dir}\` (or scripts/k8s-deploy.sh ${env} <tag>). The image tags below are set by \`make k8s-set-tag ENV=${env} TAG=<tag>\`.`,
      documents: [
        kustomization({
          namespace: namespaces[env],
          labels: [{ pairs: { 'app.kubernetes.io/environment': env } }],
          resources: ['namespace.yaml', '../../base', ...(extra.length ? ['disruption-budgets.yaml'] : [])],
          configMapGenerator: [{ name: settingsName, envs: ['settings.env'] }],
          images: [...builtImages].sort().map((name) => ({ name, newTag: initialTag })),
          ...(patches.length ? { patches: [{ path: 'patches.yaml' }] } : {}),
        }),
      ],
    });
  }

  return {
    files: [...base, ...overlays, ...generators],
    envFiles,
    counterparts,
    networkPairs,
    namespaces,
    hosts,
    builtImages: [...builtImages].sort(),
    initialTag,
    ingressNamespace: INGRESS_NAMESPACE,
    secretName,
    settingsName,
    hpa,
    replicas: replicaTable,
    tlsMode: answers.tlsMode,
    tlsSecret,
    issuers,
    volumes,
    rollouts: {
      data: workloads.filter((w) => w.kind === 'StatefulSet' || (w.kind === 'Deployment' && !w.app)).map((w) => `${w.kind === 'StatefulSet' ? 'statefulset' : 'deployment'}/${w.svc.name}`),
      apps: workloads.filter((w) => w.kind === 'Deployment' && w.app).map((w) => `deployment/${w.svc.name}`),
    },
    migrationJobs: workloads.filter((w) => w.kind === 'Job').map((w) => w.svc.name),
  };
}

function pdb(name: string, labels: Record<string, string>, matchLabels: Record<string, string>): K8sObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, labels }, spec: { maxUnavailable: 1, selector: { matchLabels } } };
}
