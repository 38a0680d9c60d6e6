/**
 * The pod template of one workload, converted from its compose service: command, environment
 * (compose `${VAR}` → `$(VAR)` from the settings ConfigMap), secrets, mounts, tmpfs, probes,
 * resources and the restricted security context. Pure: what the pod needs from elsewhere (settings
 * variables, ConfigMap files, built images) is returned, not collected in shared state.
 */
import type { ComposeService, Mount } from '../../model.js';
import type { Workload, VolumePlan } from './classify.js';
import { labels, NETWORK_LABEL, selector, type Names } from './common.js';
import { execCommand, k8sImage, k8sResources, seconds, sizeLimit, translateInterpolation, type Interpolation } from './convert.js';

/** A file compose bind-mounts from config/ or scripts/, as a key of the ConfigMap generated from that directory. */
export interface ConfigFile {
  readonly dir: 'config' | 'scripts';
  readonly key: string;
  readonly path: string;
}

export interface PodResult {
  readonly template: Record<string, unknown>;
  /** `${VAR}` interpolations the pod reads from the settings ConfigMap, in order of appearance. */
  readonly interpolations: readonly Interpolation[];
  readonly configFiles: readonly ConfigFile[];
  /** Repository of an image CI builds (the overlays set its tag). */
  readonly builtImage?: string;
}

export interface PodContext {
  readonly names: Names;
  readonly volumes: VolumePlan;
}

/** Named ports: an application's own port, or the ports a data service says it listens on. */
export function portsOf(w: Workload): { name: string; port: number }[] {
  if (w.app) return w.app.port !== undefined ? [{ name: 'http', port: w.app.port }] : [];
  return (w.svc.listens ?? []).map((p) => ({ name: p.name, port: p.port }));
}

function userOf(svc: ComposeService): { uid?: number; gid?: number } {
  if (svc.user) {
    const [uid, gid] = svc.user.split(':').map(Number);
    return { uid: uid!, gid: gid ?? uid! };
  }
  return svc.imageUser ? { uid: svc.imageUser.uid, gid: svc.imageUser.gid } : {};
}

function probes(w: Workload) {
  const health = w.app?.health;
  const port = w.app?.port;
  const action =
    health?.kind === 'http' && port !== undefined
      ? { httpGet: { path: health.path, port } }
      : health?.kind === 'tcp' && port !== undefined
        ? { tcpSocket: { port } }
        : { exec: { command: execCommand(w.svc.healthcheck) } };
  const check = w.svc.healthcheck;
  const period = seconds(check.interval);
  const timeout = seconds(check.timeout);
  return {
    startupProbe: { ...action, periodSeconds: 10, timeoutSeconds: timeout, failureThreshold: Math.ceil(seconds(check.startPeriod) / 10) + check.retries },
    readinessProbe: { ...action, periodSeconds: Math.min(period, 10), timeoutSeconds: timeout, failureThreshold: check.retries },
    livenessProbe: { ...action, periodSeconds: period, timeoutSeconds: timeout, failureThreshold: check.retries },
  };
}

/** Kubernetes adaptations of a compose service where the platform differs (each one stated by the service). */
function environmentOf(svc: ComposeService): [string, string][] {
  // No memlock ulimit in Kubernetes pods (and no IPC_LOCK under the restricted profile).
  const override = new Map(svc.withoutMemlock ?? []);
  return svc.environment.map(([name, value]): [string, string] => [name, override.get(name) ?? value]);
}

function configFileOf(source: string): ConfigFile {
  const match = /^\.\/(config|scripts)\/(.+)$/.exec(source);
  if (!match) throw new Error(`bind mount ${source} has no Kubernetes counterpart`);
  return { dir: match[1] as ConfigFile['dir'], key: match[2]!.replace(/\//g, '.'), path: match[2]! };
}

export function podTemplate(w: Workload, ctx: PodContext, opts: { command?: readonly string[]; skipVolumes?: boolean } = {}): PodResult {
  const { svc } = w;
  const { names, volumes } = ctx;
  const { uid, gid } = userOf(svc);
  const podVolumes: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  const initContainers: Record<string, unknown>[] = [];
  const env: Record<string, unknown>[] = [];
  const local = new Map<string, Interpolation>();
  const translated = environmentOf(svc).map(([name, value]) => ({ name, value: translateInterpolation(value, local) }));
  for (const name of local.keys()) env.push({ name, valueFrom: { configMapKeyRef: { name: names.settings, key: name } } });
  env.push(...translated.filter((e) => !local.has(e.name)));
  if (svc.secrets.length) {
    podVolumes.push({ name: 'secrets', secret: { secretName: names.secret, defaultMode: 0o440, items: svc.secrets.map((key) => ({ key, path: key })) } });
    mounts.push({ name: 'secrets', mountPath: '/run/secrets', readOnly: true });
  }
  const configFiles: ConfigFile[] = [];
  const configVolumes = new Map<ConfigFile['dir'], { key: string; mode: number }[]>();
  svc.mounts.forEach((m: Mount) => {
    if (m.type === 'volume') {
      if (opts.skipVolumes && volumes.statefulVolumes.has(m.source)) return;
      if (!volumes.claimTemplate(m.source, w)) podVolumes.push({ name: m.source, persistentVolumeClaim: { claimName: m.source } });
      mounts.push({ name: m.source, mountPath: m.target, ...(m.readOnly ? { readOnly: true } : {}) });
      return;
    }
    const file = configFileOf(m.source);
    configFiles.push(file);
    configVolumes.set(file.dir, [...(configVolumes.get(file.dir) ?? []), { key: file.key, mode: /\.sh$/.test(m.source) ? 0o555 : 0o444 }]);
    mounts.push({ name: file.dir, mountPath: m.target, subPath: file.key, readOnly: true });
  });
  for (const [dir, items] of configVolumes) {
    podVolumes.push({ name: dir, configMap: { name: dir === 'config' ? names.config : names.scripts, items: items.map((i) => ({ key: i.key, path: i.key, mode: i.mode })) } });
  }
  svc.tmpfs.forEach((entry, index) => {
    const [path, opt = ''] = entry.split(':');
    const volume = `tmp-${index}`;
    podVolumes.push({ name: volume, emptyDir: { medium: 'Memory', ...sizeLimit(/size=(\d+[mg])/.exec(opt)?.[1]) } });
    mounts.push({ name: volume, mountPath: path });
  });
  if (svc.shmSize) {
    podVolumes.push({ name: 'dshm', emptyDir: { medium: 'Memory', ...sizeLimit(/^\d+[mg]$/.test(svc.shmSize) ? svc.shmSize : undefined) } });
    mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
  }
  const containerSecurity = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: svc.readOnly || w.app?.kind === 'static-frontend',
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
  const { image, built } = k8sImage(svc.image);
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
  const job = w.kind === 'Job' || w.kind === 'CronJob';
  const container = {
    name: svc.name,
    image,
    imagePullPolicy: 'IfNotPresent',
    ...(command ? { command: [...command] } : {}),
    ...(args ? { args: [...args] } : {}),
    ...(svc.workingDir ? { workingDir: svc.workingDir } : {}),
    ...(env.length ? { env } : {}),
    ...(ports.length ? { ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })) } : {}),
    ...(job ? {} : probes(w)),
    resources: k8sResources(svc.resources),
    securityContext: containerSecurity,
    ...(mounts.length ? { volumeMounts: mounts } : {}),
  };
  const spreads = ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector(names, svc.name) },
  }));
  const template = {
    metadata: { labels: { ...labels(names, svc.name, w.component), ...Object.fromEntries(svc.networks.map((n) => [NETWORK_LABEL(n), 'member'])) } },
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
      ...(job ? { restartPolicy: 'Never' } : {}),
      ...(podVolumes.length ? { volumes: podVolumes } : {}),
    },
  };
  return { template, interpolations: [...local.values()], configFiles, ...(built ? { builtImage: built } : {}) };
}
