/**
 * Kubernetes target: a pure, typed "view" of the deployment model as Kustomize files (a base, a
 * staging and a production overlay, and the generator kustomizations next to the files compose
 * mounts). Every object is derived from the same records compose is rendered from:
 * `model.services` (ports, health, replicas, routes), `model.composeServices` (images, command,
 * env, secrets, mounts, tmpfs, networks, resources, users, role, listen ports, schedules) and
 * `model.routes` (their typed edge facts) / `model.secrets`, so the two targets cannot disagree.
 * Templates only print the YAML built here.
 *
 * Mapping rules (docs/kubernetes.md prints them), one module each:
 *   classify.ts          role `one-shot-job` → Job; `backup-job` → one CronJob per schedule;
 *                        `data-store` → StatefulSet (volumeClaimTemplates); other services → Deployment;
 *                        the edge proxy → Ingress; monitoring services → not rendered (kube-prometheus-stack)
 *   pod.ts, workloads.ts the pod template and the workload objects (+ Service on the ports, HPA, PDB)
 *   ingress.ts           one Ingress per edge location with a policy of its own, cert-manager for TLS
 *   network-policies.ts  compose network N → pod label; members of N reach each other
 *   overlays.ts          `./config/...`, `./scripts/...` bind mounts and secrets → generated ConfigMaps and
 *                        Secret; `${VAR...}` → `$(VAR)` from the per-environment settings ConfigMap
 *   convert.ts           compose notation → Kubernetes notation
 */
import type { ComposeService, DeploymentModel, Settings } from '../../model.js';
import { classify, planVolumes, type VolumeInfo } from './classify.js';
import { hostsOf, INGRESS_NAMESPACE, K8S_DIR, labels, namesOf, type Environment, type K8sFile } from './common.js';
import type { Interpolation } from './convert.js';
import { edgeRows, ingressObject, ingressPlans, tlsObjects, type EdgeDifference, type EdgeRow } from './ingress.js';
import { networkPairs, networkPolicies } from './network-policies.js';
import { baseKustomization, generatorKustomizations, overlayFiles, settingsEnvFiles, type EnvFile } from './overlays.js';
import { workloadObjects, type Counterpart, type FixedReplicas, type Hpa } from './workloads.js';

export { COMPONENT_LABEL, INGRESS_CLASS, INGRESS_NAMESPACE, K8S_DIR, K8S_ENVIRONMENTS, NETWORK_LABEL, type Environment, type K8sFile, type K8sObject } from './common.js';
export { execCommand, k8sCpu, k8sMemory, seconds, translateInterpolation } from './convert.js';

export interface KubernetesView {
  readonly files: readonly K8sFile[];
  /** Plain-text files (the overlays' settings.env). */
  readonly envFiles: readonly EnvFile[];
  /** Compose service name → the workload that stands for it. */
  readonly counterparts: readonly Counterpart[];
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
  readonly hpa: readonly Hpa[];
  readonly replicas: readonly FixedReplicas[];
  readonly tlsMode: Settings['tls']['mode'];
  /** Each edge location and the Ingress that serves it, with the numbers both edges print. */
  readonly edge: readonly EdgeRow[];
  /** What the nginx edge does that ingress-nginx cannot express per Ingress. */
  readonly edgeDifferences: readonly EdgeDifference[];
  readonly tlsSecret: string;
  readonly issuers: readonly string[];
  readonly volumes: readonly VolumeInfo[];
  /** Workloads the deploy waits on (and rolls back), data tier first. */
  readonly rollouts: {
    readonly data: readonly string[];
    readonly apps: readonly string[];
    /** Data workloads that wait for a one-shot job (Temporal for its schema): checked after the jobs. */
    readonly dataAfterJobs: readonly string[];
  };
  /** One-shot Jobs (migrations, Temporal schema and namespace) the deploy waits for before the application. */
  readonly migrationJobs: readonly string[];
}

export function kubernetesView(model: DeploymentModel): KubernetesView {
  const names = namesOf(model);
  const { workloads, skipped } = classify(model);
  const volumes = planVolumes(workloads, model.settings.sizeProfile);
  const hosts = hostsOf(model);
  const namespaces: Record<Environment, string> = { staging: `${names.project}-staging`, production: `${names.project}-production` };

  // The base: one file per workload, then the shared claims, the edge, TLS and the network policies.
  const base: { dir: string; file: K8sFile }[] = [];
  const objects = workloads.map((w) => workloadObjects(w, { names, volumes }, model.settings.sizeProfile));
  workloads.forEach((w, i) => base.push({ dir: objects[i]!.dir, file: { path: `${w.svc.name}.yaml`, comment: `${w.svc.description} (compose service \`${w.svc.name}\`).`, documents: objects[i]!.documents } }));
  const standalone = volumes.volumes.filter((v) => !volumes.statefulOwned.has(v.name));
  if (standalone.length) {
    base.push({
      dir: '',
      file: {
        path: 'volumes.yaml',
        comment: 'PersistentVolumeClaims for volumes mounted by more than one pod or by jobs (compose named volumes).',
        documents: standalone.map((v) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: v.name, labels: labels(names, v.name, 'storage') }, spec: { accessModes: [v.access], resources: { requests: { storage: v.size } } } })),
      },
    });
  }
  const { plans, differences } = ingressPlans(model.routes);
  if (plans.length) base.push({ dir: '', file: { path: 'ingress.yaml', comment: 'Edge routes (the same edge facts the nginx edge is rendered from), served by ingress-nginx.', documents: plans.map((p) => ingressObject(p, hosts.production, names)) } });
  const tls = tlsObjects(model, names, hosts.production);
  if (tls.documents.length) base.push({ dir: '', file: { path: 'tls.yaml', comment: tls.comment, documents: tls.documents } });
  base.push({ dir: '', file: { path: 'network-policies.yaml', comment: 'Default deny, DNS, and exactly the pairs the compose networks allow: pods on the same compose network reach each other.', documents: networkPolicies(model, workloads, names) } });

  // What the pods read from elsewhere: settings variables (first definition wins), config files, built images.
  const pods = objects.flatMap((o) => o.pods);
  const interpolations = new Map<string, Interpolation>();
  for (const i of pods.flatMap((p) => p.interpolations)) if (!interpolations.has(i.name)) interpolations.set(i.name, i);
  const builtImages = [...new Set(pods.flatMap((p) => (p.builtImage ? [p.builtImage] : [])))].sort();
  const generators = generatorKustomizations(model, workloads, pods.flatMap((p) => p.configFiles), names);

  const hpa = objects.flatMap((o) => (o.hpa ? [o.hpa] : []));
  const replicas = objects.flatMap((o) => (o.replicas ? [o.replicas] : []));
  const initialTag = model.envExample.find(([name]) => name === 'GITMESH_IMAGE_TAG')?.[1] ?? 'main';
  const overlays = overlayFiles({ model, names, workloads, hpa, replicas, ingressPlans: plans, hosts, namespaces, builtImages, initialTag });
  const skippedCounterparts: Counterpart[] = skipped.map(({ svc, note }) => ({ service: svc.name, kind: svc.tier === 'edge' ? 'Ingress' : 'none', names: [], note }));

  const jobNames = new Set(workloads.filter((w) => w.kind === 'Job').map((w) => w.svc.name));
  const waitsForJob = (w: { readonly svc: ComposeService }): boolean => w.svc.dependsOn.some((d) => jobNames.has(d.name));
  const dataWorkloads = workloads.filter((w) => w.kind === 'StatefulSet' || (w.kind === 'Deployment' && !w.app));
  const rolloutName = (w: { readonly kind: string; readonly svc: ComposeService }): string => `${w.kind === 'StatefulSet' ? 'statefulset' : 'deployment'}/${w.svc.name}`;
  return {
    files: [
      baseKustomization(generators.dirs, base.map((b) => `${b.dir}${b.file.path}`)),
      ...base.map((b) => ({ ...b.file, path: `${K8S_DIR}/base/${b.dir}${b.file.path}` })),
      ...overlays,
      ...generators.files,
    ],
    envFiles: settingsEnvFiles(model, [...interpolations.values()]),
    counterparts: [...objects.map((o) => o.counterpart), ...skippedCounterparts],
    networkPairs: networkPairs(workloads),
    namespaces,
    hosts,
    builtImages,
    initialTag,
    ingressNamespace: INGRESS_NAMESPACE,
    secretName: names.secret,
    settingsName: names.settings,
    hpa,
    replicas,
    tlsMode: model.settings.tls.mode,
    edge: edgeRows(model.routes, plans),
    edgeDifferences: differences,
    tlsSecret: names.tlsSecret,
    issuers: tls.issuers,
    volumes: volumes.volumes,
    rollouts: {
      data: dataWorkloads.filter((w) => !waitsForJob(w)).map(rolloutName),
      dataAfterJobs: dataWorkloads.filter(waitsForJob).map(rolloutName),
      apps: workloads.filter((w) => w.kind === 'Deployment' && w.app).map((w) => `deployment/${w.svc.name}`),
    },
    // In dependency order (issue 18: postgres-roles, then migrate, then postgres-grants): the deploy runs them one by one.
    migrationJobs: jobOrder(workloads.filter((w) => w.kind === 'Job').map((w) => w.svc)),
  };
}

/** One-shot jobs ordered so each comes after the jobs it waits for (compose `service_completed_successfully`). */
function jobOrder(jobs: readonly ComposeService[]): string[] {
  const names = new Set(jobs.map((j) => j.name));
  const done: string[] = [];
  const visit = (job: ComposeService, path: readonly string[]): void => {
    if (done.includes(job.name)) return;
    if (path.includes(job.name)) throw new Error(`one-shot jobs wait for each other in a cycle: ${[...path, job.name].join(' -> ')}`);
    for (const dep of job.dependsOn) if (names.has(dep.name)) visit(jobs.find((j) => j.name === dep.name)!, [...path, job.name]);
    done.push(job.name);
  };
  for (const job of jobs) visit(job, []);
  return done;
}

