/**
 * The Kubernetes objects of one workload: a Deployment (+ HPA or fixed replicas, PDB), a
 * StatefulSet, a Job or the CronJobs of a backup job's schedules, and a Service on its ports.
 */
import type { Settings } from '../../model.js';
import { isSingleton, scaling, type Workload } from './classify.js';
import { labels, pdb, selector, type Environment, type K8sObject } from './common.js';
import { portsOf, podTemplate, type PodContext, type PodResult } from './pod.js';

export interface Counterpart {
  readonly service: string;
  readonly kind: 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob' | 'Ingress' | 'none';
  readonly names: readonly string[];
  readonly note: string;
}

export interface Hpa {
  readonly name: string;
  readonly min: Readonly<Record<Environment, number>>;
  readonly max: Readonly<Record<Environment, number>>;
}

export interface FixedReplicas {
  readonly name: string;
  readonly replicas: Readonly<Record<Environment, number>>;
}

export interface WorkloadObjects {
  /** Base directory (`apps/`, `data/`, `jobs/`) and the file's documents. */
  readonly dir: string;
  readonly documents: readonly K8sObject[];
  readonly counterpart: Counterpart;
  readonly hpa?: Hpa;
  readonly replicas?: FixedReplicas;
  /** Every pod template rendered, for what the pods read from elsewhere. */
  readonly pods: readonly PodResult[];
}

export function workloadObjects(w: Workload, ctx: PodContext, sizeProfile: Settings['sizeProfile']): WorkloadObjects {
  const { svc } = w;
  const { names } = ctx;
  const name = svc.name;
  const meta = { name, labels: labels(names, name, w.component) };
  const docs: K8sObject[] = [];
  const pods: PodResult[] = [];
  const pod = (opts?: Parameters<typeof podTemplate>[2]): Record<string, unknown> => {
    const result = podTemplate(w, ctx, opts);
    pods.push(result);
    return result.template;
  };
  const { hpaManaged, replicasFor, hpaMax } = scaling(sizeProfile);
  let counterpart: Counterpart;
  let hpa: Hpa | undefined;
  let replicas: FixedReplicas | undefined;
  if (w.kind === 'CronJob') {
    const jobs = svc.schedules ?? [];
    for (const { name: jobName, schedule, command } of jobs) {
      docs.push({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: jobName, labels: labels(names, jobName, w.component) },
        spec: {
          schedule,
          timeZone: 'Etc/UTC',
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: { spec: { backoffLimit: 1, activeDeadlineSeconds: 6 * 3600, template: pod({ command, skipVolumes: true }) } },
        },
      });
    }
    counterpart = { service: name, kind: 'CronJob', names: jobs.map((j) => j.name), note: `schedules ${jobs.map((j) => `${j.schedule} (${j.what})`).join(' and ')}, UTC` };
  } else if (w.kind === 'Job') {
    docs.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: { backoffLimit: 3, activeDeadlineSeconds: 1800, template: pod() } });
    counterpart = { service: name, kind: 'Job', names: [name], note: 'deleted and re-created by each deploy (a Job template is immutable)' };
  } else if (w.kind === 'StatefulSet') {
    const claims = svc.mounts.filter((m) => m.type === 'volume' && ctx.volumes.claimTemplate(m.source, w));
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta,
      spec: {
        serviceName: name,
        replicas: svc.replicas,
        podManagementPolicy: 'OrderedReady',
        selector: { matchLabels: selector(names, name) },
        template: pod(),
        volumeClaimTemplates: claims.map((m) => ({
          metadata: { name: m.source, labels: labels(names, name, w.component) },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: ctx.volumes.sizeOf(m.source) } } },
        })),
      },
    });
    counterpart = { service: name, kind: 'StatefulSet', names: [name], note: 'simple single-pod StatefulSet; prefer an operator or a managed service in production' };
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
        selector: { matchLabels: selector(names, name) },
        template: pod(),
      },
    });
    if (managed) {
      const min = { staging: replicasFor(w, 'staging'), production: replicasFor(w, 'production') };
      hpa = { name, min, max: { staging: hpaMax(min.staging), production: hpaMax(min.production) } };
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
      replicas = { name, replicas: { staging: replicasFor(w, 'staging'), production: replicasFor(w, 'production') } };
    }
    if (svc.replicas > 1) docs.push(pdb(name, meta.labels, selector(names, name)));
    counterpart = { service: name, kind: 'Deployment', names: [name], note: managed ? 'autoscaled (HPA on CPU)' : isSingleton(w) ? 'singleton: exactly one replica' : 'fixed replicas' };
  }
  const ports = portsOf(w);
  if (ports.length && w.kind !== 'Job' && w.kind !== 'CronJob') {
    docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta,
      spec: { type: 'ClusterIP', selector: selector(names, name), ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })) },
    });
  }
  const dir = w.component === 'app' ? 'apps/' : w.component === 'data' ? 'data/' : 'jobs/';
  return { dir, documents: docs, counterpart, ...(hpa ? { hpa } : {}), ...(replicas ? { replicas } : {}), pods };
}
