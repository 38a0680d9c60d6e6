/**
 * Kustomize around the base: the generator kustomizations next to the files compose mounts
 * (secrets/, config/, scripts/), the base kustomization, and the staging and production overlays
 * (namespace, settings.env, replicas, autoscaling bounds, resource scaling, hosts, image tags).
 */
import type { DeploymentModel } from '../../model.js';
import { scaling, type Workload } from './classify.js';
import { COMPONENT_LABEL, K8S_DIR, K8S_ENVIRONMENTS, kustomization, labels, pdb, selector, type Environment, type K8sFile, type K8sObject, type Names } from './common.js';
import { k8sResources, type Interpolation } from './convert.js';
import { ingressObject, type IngressPlan } from './ingress.js';
import type { ConfigFile } from './pod.js';
import type { FixedReplicas, Hpa } from './workloads.js';

export interface EnvFile {
  readonly path: string;
  readonly comment: string;
  readonly lines: readonly (readonly [string, string, string])[];
}

/** Secret and ConfigMap generators beside the files compose mounts; returns the files and the dirs the base includes. */
export function generatorKustomizations(model: DeploymentModel, workloads: readonly Workload[], configFiles: readonly ConfigFile[], names: Names): { files: K8sFile[]; dirs: string[] } {
  const pairs = { 'app.kubernetes.io/part-of': names.project, [COMPONENT_LABEL]: 'config' };
  const usedSecrets = model.secrets.filter((s) => workloads.some((w) => w.svc.secrets.includes(s.name)));
  const files: K8sFile[] = [
    {
      path: 'secrets/kustomization.yaml',
      comment: `Kubernetes Secret from the files \`make secrets\` writes here (the same files compose mounts). Never put values in this file.`,
      documents: [kustomization({ labels: [{ pairs }], secretGenerator: [{ name: names.secret, type: 'Opaque', files: usedSecrets.map((s) => s.name) }] })],
    },
  ];
  const dirs = ['secrets'];
  for (const dir of ['config', 'scripts'] as const) {
    const entries = new Map(configFiles.filter((f) => f.dir === dir).map((f) => [f.key, f.path]));
    if (!entries.size) continue;
    files.push({
      path: `${dir}/kustomization.yaml`,
      comment: `ConfigMap for Kubernetes from the files compose bind-mounts from ${dir}/ (keys are paths with / as .).`,
      documents: [kustomization({ labels: [{ pairs }], configMapGenerator: [{ name: dir === 'config' ? names.config : names.scripts, files: [...entries.entries()].sort().map(([key, path]) => `${key}=${path}`) }] })],
    });
    dirs.push(dir);
  }
  return { files, dirs };
}

export function baseKustomization(generatorDirs: readonly string[], resources: readonly string[]): K8sFile {
  return {
    path: `${K8S_DIR}/base/kustomization.yaml`,
    comment: 'Kustomize base: every environment-independent object. Deploy an overlay, not this directory.',
    documents: [kustomization({ labels: [{ pairs: { 'app.kubernetes.io/managed-by': 'kustomize' } }], resources: [...generatorDirs.map((d) => `../../../${d}`), ...resources] })],
  };
}

/** The overlays' settings.env: every `${VAR}` the pods read, with compose's default where it is a literal. */
export function settingsEnvFiles(model: DeploymentModel, interpolations: readonly Interpolation[]): EnvFile[] {
  const envHost: Record<Environment, string> = { production: model.project.domain, staging: `staging.${model.project.domain}` };
  const lines = (env: Environment): [string, string, string][] =>
    [...interpolations]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((i): [string, string, string] => {
        if (i.name === 'GITMESH_PUBLIC_HOST') return [i.name, envHost[env], 'Public host name of this environment'];
        if (i.name === 'BACKUP_ENVIRONMENT') return [i.name, env, 'production makes restore.sh demand --confirm-production'];
        const literal = (i.op === ':-' || i.op === '-') && !i.rest.includes('$') ? i.rest : '';
        const note = i.op.endsWith('?') ? `required: ${i.rest || 'set it'}` : i.rest.includes('$') ? `compose default: ${i.rest}` : 'optional';
        return [i.name, literal, note];
      });
  return K8S_ENVIRONMENTS.map((env) => ({ path: `${K8S_DIR}/overlays/${env}/settings.env`, comment: `Non-secret settings of ${env} (compose reads the same variables from .env).`, lines: lines(env) }));
}

export interface OverlayInput {
  readonly model: DeploymentModel;
  readonly names: Names;
  readonly workloads: readonly Workload[];
  readonly hpa: readonly Hpa[];
  readonly replicas: readonly FixedReplicas[];
  readonly ingressPlans: readonly IngressPlan[];
  readonly hosts: Readonly<Record<Environment, readonly string[]>>;
  readonly namespaces: Readonly<Record<Environment, string>>;
  readonly builtImages: readonly string[];
  readonly initialTag: string;
}

export function overlayFiles(input: OverlayInput): K8sFile[] {
  const { model, names, workloads, hpa, replicas, hosts, namespaces } = input;
  const { hpaMax } = scaling(model.settings.sizeProfile);
  const files: K8sFile[] = [];
  for (const env of K8S_ENVIRONMENTS) {
    const dir = `${K8S_DIR}/overlays/${env}`;
    const patches: unknown[] = [];
    const extra: K8sObject[] = [];
    for (const w of workloads.filter((x) => x.kind === 'Deployment')) {
      const reps = replicas.find((r) => r.name === w.svc.name);
      const container = env === 'staging' ? [{ name: w.svc.name, resources: k8sResources(w.svc.resources, 0.5) }] : undefined;
      const effective = reps ? reps.replicas[env] : hpa.find((h) => h.name === w.svc.name)!.min[env];
      if (effective > 1 && w.svc.replicas <= 1) extra.push(pdb(w.svc.name, labels(names, w.svc.name, w.component), selector(names, w.svc.name)));
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
      for (const plan of input.ingressPlans) {
        const full = ingressObject(plan, hosts[env], names);
        patches.push({ apiVersion: full.apiVersion, kind: full.kind, metadata: { name: full.metadata.name }, spec: { tls: (full['spec'] as { tls: unknown }).tls, rules: (full['spec'] as { rules: unknown }).rules } });
      }
      if (model.settings.tls.mode !== 'provided') patches.push({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: names.tlsSecret }, spec: { dnsNames: [...hosts[env]] } });
    }
    const namespaceDoc: K8sObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespaces[env],
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' },
      },
    };
    files.push({ path: `${dir}/namespace.yaml`, comment: `The ${env} namespace, enforcing the restricted Pod Security Standard.`, documents: [namespaceDoc] });
    if (extra.length) files.push({ path: `${dir}/disruption-budgets.yaml`, comment: `PodDisruptionBudgets for the services ${env} runs with more than one replica.`, documents: extra });
    if (patches.length) files.push({ path: `${dir}/patches.yaml`, comment: `${env}: replicas, autoscaling bounds, resource scaling and hosts.`, documents: patches });
    files.push({
      path: `${dir}/kustomization.yaml`,
      comment: `${env} overlay: \`kubectl apply -k ${dir}\` (or scripts/k8s-deploy.sh ${env} <tag>). The image tags below are set by \`make k8s-set-tag ENV=${env} TAG=<tag>\`.`,
      documents: [
        kustomization({
          namespace: namespaces[env],
          labels: [{ pairs: { 'app.kubernetes.io/environment': env } }],
          resources: ['namespace.yaml', '../../base', ...(extra.length ? ['disruption-budgets.yaml'] : [])],
          configMapGenerator: [{ name: names.settings, envs: ['settings.env'] }],
          images: input.builtImages.map((name) => ({ name, newTag: input.initialTag })),
          ...(patches.length ? { patches: [{ path: 'patches.yaml' }] } : {}),
        }),
      ],
    });
  }
  return files;
}
