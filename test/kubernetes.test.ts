/**
 * Kubernetes target: every overlay renders with the real `kubectl kustomize` across the option
 * matrix, every object validates against the Kubernetes API schemas (kubernetes-models, generated
 * from the upstream OpenAPI spec; cert-manager objects against @kubernetes-models/cert-manager),
 * and our own properties hold, each checked mechanically against the deployment model.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { RawAnswers } from '../generators/lib/answers.js';
import type { ServiceKind } from '../generators/lib/catalog.js';
import type { ComposeService, DeploymentModel, RateLimit, Route } from '../generators/lib/model.js';
import { DEFAULT_MAX_BODY_BYTES, RATE_LIMITS, edgeLocations, nginxSize } from '../generators/lib/prepare/edge/index.js';
import { ingressAnnotations, ingressLimit, ingressPath, ingressPlans } from '../generators/lib/prepare/kubernetes/ingress.js';
import { execCommand, k8sCpu, k8sMemory } from '../generators/lib/prepare/kubernetes/index.js';
import { IMAGES } from '../generators/lib/versions.js';
import { generate, modelFrom, type Generated } from './support/generate.js';
import { PROJECT_ROOT } from './support/upstream.js';
import { requireTool, shellcheckErrors } from './support/validators.js';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; namespace?: string }; [k: string]: any };

const K8S = ['compose', 'kubernetes'];
const MATRIX: [string, RawAnswers][] = [
  ['defaults', { targets: K8S }],
  ['kubernetes only, tls provided', { targets: ['kubernetes'], tlsMode: 'provided' }],
  ['tls self-signed, small', { targets: K8S, tlsMode: 'self-signed', sizeProfile: 'small' }],
  ['postgres replica, opensearch cluster, large', { targets: K8S, postgresReplica: true, opensearch: 'cluster', sizeProfile: 'large' }],
  ['opensearch none, monitoring off, kafka', { targets: K8S, opensearch: 'none', monitoring: false, queue: 'sqs+kafka' }],
  ['service subset api,frontend', { targets: K8S, services: ['api', 'frontend'] }],
  ['external data, no temporal', { targets: K8S, postgres: false, redis: false, temporal: false, opensearch: 'none' }],
  [
    'custom service',
    {
      targets: K8S,
      customServices: [{ name: 'hooks', kind: 'node-api', source: 'services/apps/hooks', port: 9100, healthPath: '/ready', routePath: '/hooks/', replicas: 3, size: 'light', needs: ['postgres'], env: ['HOOKS_TOKEN_ISSUER'], secrets: ['hooks_key'] }],
    },
  ],
];

interface Rendered {
  readonly gen: Generated;
  readonly overlays: Readonly<Record<string, Obj[]>>;
  readonly secretValues: Readonly<Record<string, string>>;
}

function kustomize(dir: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out).map((doc) => doc.toJS() as Obj).filter(Boolean);
}

async function render(raw: RawAnswers): Promise<Rendered> {
  requireTool('kubectl');
  const gen = await generate(raw);
  const secretValues: Record<string, string> = {};
  // Stand-ins for `make secrets`: a distinct value per file, so the test can tell where each came from.
  for (const secret of gen.model.secrets) {
    secretValues[secret.name] = `file-value-of-${secret.name}`;
    writeFileSync(join(gen.dir, 'secrets', secret.name), secretValues[secret.name]!);
  }
  const overlays: Record<string, Obj[]> = {};
  for (const env of ['staging', 'production']) overlays[env] = kustomize(join(gen.dir, 'deploy/kubernetes/overlays', env));
  // The base renders on its own too (it is never applied alone).
  kustomize(join(gen.dir, 'deploy/kubernetes/base'));
  return { gen, overlays, secretValues };
}

// ------------------------------------------------------------------ schema validation

const modelCache = new Map<string, Record<string, any>>();
async function modelClass(apiVersion: string, kind: string): Promise<any> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const spec = group === 'cert-manager.io' ? `@kubernetes-models/cert-manager/cert-manager.io/${version}` : group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  if (!modelCache.has(spec)) modelCache.set(spec, (await import(spec)) as Record<string, any>);
  const cls = modelCache.get(spec)![kind];
  if (!cls) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return cls;
}

async function schemaErrors(objects: Obj[]): Promise<string[]> {
  const errors: string[] = [];
  for (const obj of objects) {
    const Cls = await modelClass(obj.apiVersion, obj.kind);
    try {
      new Cls(obj).validate();
    } catch (error) {
      errors.push(`${obj.kind}/${obj.metadata.name}: ${(error as Error).message}`);
    }
  }
  return errors;
}

// ------------------------------------------------------------------ helpers

const byKind = (objects: Obj[], kind: string): Obj[] => objects.filter((o) => o.kind === kind);
const podSpecOf = (o: Obj): any => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);
const podLabelsOf = (o: Obj): Record<string, string> => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.metadata.labels : o.spec.template.metadata.labels);
const workloads = (objects: Obj[]): Obj[] => objects.filter((o) => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(o.kind));

/** Compose services the Kubernetes target stands in for (the edge is the Ingress; monitoring is out of scope). */
const translated = (model: DeploymentModel): ComposeService[] => model.composeServices.filter((s) => s.file === 'main' && s.tier !== 'edge');

function quantityCpu(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}
function quantityMiB(q: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  assert.ok(m, `unexpected quantity ${q}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

function matches(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Pairs of compose services whose pods the NetworkPolicies let talk (ingress allowed at the target AND egress at the source, both ways). */
function allowedPairs(objects: Obj[]): Set<string> {
  const policies = byKind(objects, 'NetworkPolicy');
  const pods = workloads(objects).map((w) => ({ service: podSpecOf(w).containers[0].name as string, labels: podLabelsOf(w) }));
  const peerAllows = (rules: any[] | undefined, key: 'from' | 'to', other: Record<string, string>): boolean =>
    (rules ?? []).some((rule) => (rule[key] === undefined ? true : rule[key].some((peer: any) => peer.podSelector && !peer.namespaceSelector && matches(peer.podSelector, other))));
  const allows = (dir: 'Ingress' | 'Egress', pod: Record<string, string>, other: Record<string, string>): boolean =>
    policies.some((p) => p.spec.policyTypes.includes(dir) && matches(p.spec.podSelector, pod) && peerAllows(dir === 'Ingress' ? p.spec.ingress : p.spec.egress, dir === 'Ingress' ? 'from' : 'to', other));
  const pairs = new Set<string>();
  for (const a of pods) for (const b of pods) {
    if (a.service >= b.service) continue;
    if (allows('Ingress', b.labels, a.labels) && allows('Egress', a.labels, b.labels) && allows('Ingress', a.labels, b.labels) && allows('Egress', b.labels, a.labels)) pairs.add(`${a.service}<->${b.service}`);
  }
  return pairs;
}

function composePairs(model: DeploymentModel): Set<string> {
  const services = translated(model);
  const pairs = new Set<string>();
  for (const a of services) for (const b of services) if (a.name < b.name && a.networks.some((n) => b.networks.includes(n))) pairs.add(`${a.name}<->${b.name}`);
  return pairs;
}

/** The HTTPS locations of the generated nginx.conf, with what each enforces (the defaults of the http block filled in). */
function parseNginxEdge(conf: string) {
  const zones = new Map([...conf.matchAll(/limit_req_zone \S+ zone=(\w+):\S+ rate=(\S+);/g)].map((m) => [m[1]!, m[2]!]));
  const defaultBody = /^\s{4}client_max_body_size (\S+);/m.exec(conf)![1]!;
  const seconds = (t: string): number => Number(t.slice(0, -1)) * (t.endsWith('h') ? 3600 : t.endsWith('m') ? 60 : 1);
  const locations = [...conf.matchAll(/^ {8}location (?:\^~ )?(\/\S*) \{\n([\s\S]*?)^ {8}\}/gm)]
    .filter((m) => /proxy_pass /.test(m[2]!))
    .map((m) => {
      const body = m[2]!;
      const limit = /limit_req zone=(\w+) burst=(\d+)/.exec(body);
      return {
        path: m[1]!,
        limit: limit ? { zone: limit[1]!, burst: Number(limit[2]) } : undefined,
        body: /client_max_body_size (\S+);/.exec(body)?.[1] ?? defaultBody,
        timeout: seconds(/proxy_read_timeout (\S+);/.exec(body)![1]!),
        cacheControl: /add_header Cache-Control/.test(body),
      };
    });
  return { zones, locations };
}

/** The Ingress ingress-nginx picks for a request path: the longest path (regex paths by their literal prefix) that matches. */
function servingIngress(ingresses: Obj[], requestPath: string): Obj | undefined {
  const candidates = ingresses.flatMap((ing) =>
    (ing as any).spec.rules[0].http.paths.map((p: any) => {
      const prefix = p.pathType === 'ImplementationSpecific' ? p.path.replace(/\(\/\|\$\)\(\.\*\)$/, '') : p.path;
      const hit = p.pathType === 'ImplementationSpecific' ? new RegExp(`^${p.path}`).test(requestPath) : requestPath.startsWith(prefix);
      return hit ? { ing, length: prefix.length } : undefined;
    }),
  ).filter(Boolean) as { ing: Obj; length: number }[];
  return candidates.sort((x, y) => y.length - x.length)[0]?.ing;
}

// ------------------------------------------------------------------ tests

describe('kubernetes target', function () {
  this.timeout(120_000);
  const rendered = new Map<string, Rendered>();
  before(async function () {
    // Eight full generations and kubectl renders: on a shared 2-core machine this alone can take minutes.
    this.timeout(900_000);
    for (const [name, raw] of MATRIX) rendered.set(name, await render(raw));
  });

  for (const [name] of MATRIX) {
    describe(name, () => {
      const get = (): Rendered => rendered.get(name)!;

      it('every rendered object of both overlays validates against the Kubernetes API schemas', async () => {
        for (const [env, objects] of Object.entries(get().overlays)) {
          assert.ok(objects.length > 10, `${env} rendered only ${objects.length} objects`);
          assert.deepEqual(await schemaErrors(objects), [], env);
        }
      });

      it('every Deployment has probes, requests/limits and the restricted security context', () => {
        for (const [env, objects] of Object.entries(get().overlays)) {
          const deployments = byKind(objects, 'Deployment');
          assert.ok(deployments.length > 0);
          for (const d of deployments) {
            const pod = podSpecOf(d);
            const where = `${env} ${d.metadata.name}`;
            assert.equal(pod.securityContext.runAsNonRoot, true, where);
            assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', where);
            assert.ok(pod.topologySpreadConstraints?.length, `${where}: topologySpreadConstraints`);
            for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
              for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) assert.ok(c.resources?.[kind]?.[r], `${where}/${c.name}: ${kind}.${r}`);
              assert.equal(c.securityContext.allowPrivilegeEscalation, false, where);
              assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] }, where);
              assert.equal(c.securityContext.runAsNonRoot, true, where);
            }
            const main = pod.containers[0];
            for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) assert.ok(main[probe], `${where}: ${probe}`);
          }
          // Every pod of the application tier also has a read-only root filesystem.
          for (const d of deployments.filter((x) => x.metadata.labels?.['app.kubernetes.io/component'] === 'app')) {
            for (const c of [...(podSpecOf(d).initContainers ?? []), ...podSpecOf(d).containers]) assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${d.metadata.name}/${c.name}`);
          }
          // The restricted Pod Security Standard holds for every other workload too, and the namespace enforces it.
          for (const w of workloads(objects)) {
            const pod = podSpecOf(w);
            assert.equal(pod.securityContext.runAsNonRoot, true, w.metadata.name);
            for (const c of pod.containers) assert.deepEqual([c.securityContext.allowPrivilegeEscalation, c.securityContext.capabilities], [false, { drop: ['ALL'] }], w.metadata.name);
          }
          assert.equal(byKind(objects, 'Namespace')[0]!.metadata.labels!['pod-security.kubernetes.io/enforce'], 'restricted');
        }
      });

      it('every compose service has a Kubernetes counterpart with the same port, health check, resources and secrets', () => {
        const { gen, overlays } = get();
        const objects = overlays.production!;
        const model = gen.model;
        for (const app of model.services) {
          const d = byKind(objects, 'Deployment').find((x) => x.metadata.name === app.name);
          assert.ok(d, `no Deployment for ${app.name}`);
          const c = podSpecOf(d).containers[0];
          for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
            const p = c[probe];
            if (app.health.kind === 'http' && app.port !== undefined) assert.deepEqual(p.httpGet, { path: app.health.path, port: app.port }, `${app.name} ${probe}`);
            else if (app.health.kind === 'tcp' && app.port !== undefined) assert.deepEqual(p.tcpSocket, { port: app.port }, `${app.name} ${probe}`);
            else assert.deepEqual(p.exec.command, execCommand(app.compose.healthcheck), `${app.name} ${probe}`);
          }
          if (app.port !== undefined) {
            assert.deepEqual(c.ports.map((p: any) => p.containerPort), [app.port], app.name);
            const svc = byKind(objects, 'Service').find((x) => x.metadata.name === app.name);
            assert.ok(svc, `no Service for ${app.name}`);
            assert.deepEqual(svc.spec.ports.map((p: any) => p.port), [app.port]);
          }
          const r = app.compose.resources;
          assert.equal(quantityCpu(c.resources.limits.cpu), Number(r.limits.cpus), app.name);
          assert.equal(quantityCpu(c.resources.requests.cpu), Number(r.reservations.cpus), app.name);
          assert.equal(quantityMiB(c.resources.limits.memory), r.memoryMiB, app.name);
          assert.equal(quantityMiB(c.resources.requests.memory), r.memoryMiB / 2, app.name);
          assert.equal(c.resources.limits.memory, k8sMemory(r.limits.memory));
          assert.equal(c.resources.limits.cpu, k8sCpu(r.limits.cpus));
          const uid = Number((app.compose.user ?? '').split(':')[0]);
          if (app.compose.user) assert.equal(podSpecOf(d).securityContext.runAsUser, uid, app.name);
        }
        // Every translated compose service (data tier, jobs) has a workload whose container carries its name,
        // its exact secret files and its command.
        for (const svc of translated(model)) {
          const ws = workloads(objects).filter((w) => podSpecOf(w).containers[0].name === svc.name);
          assert.ok(ws.length, `no workload for compose service ${svc.name}`);
          for (const w of ws) {
            const pod = podSpecOf(w);
            const secretVolume = (pod.volumes ?? []).find((v: any) => v.secret);
            assert.deepEqual(secretVolume ? secretVolume.secret.items.map((i: any) => i.key) : [], [...svc.secrets], svc.name);
            if (w.kind !== 'CronJob') assert.deepEqual(pod.containers[0].args ?? [], [...(svc.command ?? [])], svc.name);
            if (svc.user) assert.equal(pod.securityContext.runAsUser, Number(svc.user.split(':')[0]), svc.name);
          }
        }
        // Staging halves the requests and keeps the limits.
        const api = byKind(overlays.staging!, 'Deployment').find((x) => x.metadata.name === model.services[0]!.name)!;
        const r = model.services[0]!.compose.resources;
        assert.equal(quantityMiB(podSpecOf(api).containers[0].resources.requests.memory), r.memoryMiB / 4);
        assert.equal(quantityMiB(podSpecOf(api).containers[0].resources.limits.memory), r.memoryMiB);
      });

      it('NetworkPolicies allow exactly the pairs the compose networks allow', () => {
        const { gen, overlays } = get();
        const expected = composePairs(gen.model);
        for (const [env, objects] of Object.entries(overlays)) {
          assert.deepEqual([...allowedPairs(objects)].sort(), [...expected].sort(), env);
          const policies = byKind(objects, 'NetworkPolicy');
          assert.ok(policies.some((p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress && p.spec.policyTypes.length === 2), 'default deny');
          // Internal compose networks get no route out: a pod only on internal networks matches no ipBlock egress.
          const internal = new Set<string>(gen.model.networks.filter((n) => n.internal).map((n) => n.name));
          for (const w of workloads(objects)) {
            const labels = podLabelsOf(w);
            const svc = translated(gen.model).find((s) => s.name === podSpecOf(w).containers[0].name)!;
            const outside = policies.some((p) => matches(p.spec.podSelector, labels) && (p.spec.egress ?? []).some((rule: any) => (rule.to ?? []).some((peer: any) => peer.ipBlock)));
            assert.equal(outside, svc.networks.some((n) => !internal.has(n)), `${svc.name} egress to the internet`);
          }
          // Only routed services accept traffic from the ingress controller.
          const fromController = workloads(objects).filter((w) => policies.some((p) => matches(p.spec.podSelector, podLabelsOf(w)) && (p.spec.ingress ?? []).some((rule: any) => (rule.from ?? []).some((peer: any) => peer.namespaceSelector))));
          assert.deepEqual(fromController.map((w) => w.metadata.name).sort(), [...new Set(gen.model.routes.map((r) => r.service))].sort());
        }
      });

      it('no Secret holds a literal value: the Secret comes from the secrets/ files only', async () => {
        const { gen, overlays, secretValues } = get();
        const generator = parseAllDocuments(await gen.read('secrets/kustomization.yaml')).map((d) => d.toJS());
        for (const k of generator) for (const g of k.secretGenerator ?? []) {
          assert.equal(g.literals, undefined);
          assert.equal(g.envs, undefined);
          for (const f of g.files) assert.match(f, /^[a-z0-9_]+$/, 'a bare file name under secrets/');
        }
        const files = readdirSync(join(gen.dir, 'deploy'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).map((f) => join('deploy', f));
        for (const f of files) {
          const docs = parseAllDocuments(readFileSync(join(gen.dir, f), 'utf8')).map((d) => d.toJS());
          for (const doc of docs) {
            assert.notEqual(doc?.kind, 'Secret', `${f} declares a Secret`);
            for (const g of doc?.secretGenerator ?? []) assert.fail(`${f} generates a secret`);
          }
        }
        for (const [env, objects] of Object.entries(overlays)) {
          const secrets = byKind(objects, 'Secret');
          assert.equal(secrets.length, 1, env);
          for (const [key, value] of Object.entries(secrets[0]!.data as Record<string, string>)) {
            assert.equal(Buffer.from(value, 'base64').toString('utf8'), secretValues[key], `${env} ${key} comes from secrets/${key}`);
          }
          assert.equal(secrets[0]!.stringData, undefined);
          // No secret value reaches a plain env var or a ConfigMap.
          const text = JSON.stringify(objects.filter((o) => o.kind !== 'Secret'));
          for (const value of Object.values(secretValues)) assert.ok(!text.includes(value), `${env}: a secret value leaked`);
        }
      });

      it('image tags are pinned: third-party images to versions.ts, built images to the overlay tag', () => {
        const { gen, overlays } = get();
        const pinned = new Set(Object.values(IMAGES));
        const built = new Set([...gen.model.builtImages.map((b) => b.repository), ...gen.model.services.map((s) => s.imageRepository)]);
        for (const [env, objects] of Object.entries(overlays)) {
          for (const w of workloads(objects)) {
            for (const c of [...(podSpecOf(w).initContainers ?? []), ...podSpecOf(w).containers]) {
              const at = c.image.lastIndexOf(':');
              assert.ok(at > c.image.lastIndexOf('/'), `${env} ${c.image} has no tag`);
              const [repo, tag] = [c.image.slice(0, at), c.image.slice(at + 1)];
              assert.notEqual(tag, 'latest');
              // The overlay's placeholder tag is .env.example's (issue 15: `local`, no floating `main`); deploys set the real one.
              const initialTag = gen.model.envExample.find(([name]) => name === 'GITMESH_IMAGE_TAG')?.[1];
              if (built.has(repo)) assert.equal(tag, initialTag, `${env} ${c.image}: the overlay's tag`);
              else assert.ok(pinned.has(c.image), `${env} ${c.image} is not a pinned version from versions.ts`);
            }
          }
        }
      });
    });
  }

  it('the schema check rejects an invalid object (it can fail)', async () => {
    const d = structuredClone(byKind(rendered.get('defaults')!.overlays.production!, 'Deployment')[0]!);
    podSpecOf(d).containers[0].ports = [{ containerPort: 'http' }];
    assert.equal((await schemaErrors([d])).length, 1);
    await assert.rejects(schemaErrors([{ apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } }]));
  });

  it('HPAs cover the API and the stateless workers, never the singletons; production PDBs cover every service it runs twice', () => {
    const { gen, overlays } = rendered.get('defaults')!;
    const prod = overlays.production!;
    const hpas = byKind(prod, 'HorizontalPodAutoscaler').map((h) => h.metadata.name);
    assert.ok(hpas.includes('api'));
    assert.ok(!hpas.includes('job-generator'));
    assert.ok(gen.model.services.filter((s) => s.kind === 'node-worker' && s.name !== 'job-generator').every((s) => hpas.includes(s.name)));
    for (const h of byKind(prod, 'HorizontalPodAutoscaler')) assert.ok(h.spec.minReplicas >= 2 && h.spec.maxReplicas > h.spec.minReplicas);
    const pdbs = new Set(byKind(prod, 'PodDisruptionBudget').map((p) => p.metadata.name));
    for (const d of byKind(prod, 'Deployment')) {
      const replicas = d.spec.replicas ?? byKind(prod, 'HorizontalPodAutoscaler').find((h) => h.metadata.name === d.metadata.name)?.spec.minReplicas;
      assert.equal(pdbs.has(d.metadata.name), replicas > 1, d.metadata.name);
    }
    assert.equal(byKind(overlays.staging!, 'PodDisruptionBudget').length, 0);
  });

  it('the Ingress mirrors the edge routes: /api/ prefix stripped, hosts per environment, TLS from cert-manager', () => {
    const { gen, overlays } = rendered.get('defaults')!;
    for (const [env, objects] of Object.entries(overlays)) {
      const ingresses = byKind(objects, 'Ingress');
      // One per route, plus one per location with a policy of its own (sign-in, Socket.IO).
      assert.ok(ingresses.length >= gen.model.routes.length);
      for (const route of gen.model.routes) {
        const ing = ingresses.find((i) => i.metadata.name === route.name)!;
        const path = ing.spec.rules[0].http.paths[0];
        assert.equal(path.backend.service.name, route.service);
        assert.equal(path.backend.service.port.number, route.port);
        if (route.stripPrefix) {
          // The prefix is replaced by the path the service expects (/ for /api/, /discourse/ for /api/webhooks/discourse/).
          const target = `${route.upstreamPath}$2`;
          assert.equal((ing.metadata as any).annotations['nginx.ingress.kubernetes.io/rewrite-target'], target);
          const prefix = route.path.replace(/\/$/, '');
          const re = new RegExp(`^${path.path}`);
          assert.equal(`${prefix}/health`.replace(re, target), `${route.upstreamPath}health`);
          assert.equal(prefix.replace(re, target), route.upstreamPath);
        }
        const hosts = env === 'production' ? gen.model.project.serverNames : gen.model.project.serverNames.map((n) => `staging.${n}`);
        assert.deepEqual(ing.spec.rules.map((r: any) => r.host), hosts, env);
        assert.deepEqual(ing.spec.tls[0].hosts, hosts, env);
      }
      assert.deepEqual(byKind(objects, 'Issuer').map((i) => i.spec.acme.server.includes('staging')).sort(), [false, true]);
      assert.equal(byKind(objects, 'Certificate')[0]!.spec.issuerRef.name, 'letsencrypt-production');
    }
  });

  for (const name of ['defaults', 'service subset api,frontend', 'custom service']) {
    it(`${name}: every nginx location and the Ingress that serves it agree on rate, unit, burst, body size and timeouts; what cannot agree is in docs/kubernetes.md`, async () => {
      const { gen, overlays } = rendered.get(name)!;
      const nginx = parseNginxEdge(await gen.read('config/nginx/nginx.conf'));
      const docs = await gen.read('docs/kubernetes.md');
      const documented = (path: string, what: string): boolean => docs.split('\n').some((line) => line.startsWith(`| \`${path}\` | ${what} |`));
      const ingresses = byKind(overlays.production!, 'Ingress');
      assert.ok(nginx.locations.length >= gen.model.routes.length);
      for (const loc of nginx.locations) {
        const ing = servingIngress(ingresses, loc.path);
        assert.ok(ing, `no Ingress serves ${loc.path}`);
        const a = (ing.metadata as any).annotations as Record<string, string>;
        const where = `${loc.path} (Ingress ${ing.metadata.name})`;
        assert.equal(a['nginx.ingress.kubernetes.io/proxy-body-size'], loc.body, `body size of ${where}`);
        assert.equal(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']), loc.timeout, `read timeout of ${where}`);
        assert.equal(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout']), loc.timeout, `send timeout of ${where}`);
        const rps = a['nginx.ingress.kubernetes.io/limit-rps'];
        const rpm = a['nginx.ingress.kubernetes.io/limit-rpm'];
        const ingressRate = rps ? `${rps}r/s` : rpm ? `${rpm}r/m` : undefined;
        assert.equal(ingressRate, loc.limit ? nginx.zones.get(loc.limit.zone) : undefined, `rate of ${where}`);
        if (loc.limit) {
          const burst = Number(rps ?? rpm) * Number(a['nginx.ingress.kubernetes.io/limit-burst-multiplier']);
          assert.ok(burst === loc.limit.burst || documented(loc.path, 'rate-limit burst'), `burst of ${where}: nginx ${loc.limit.burst}, ingress ${burst}, and no documented difference`);
        }
        if (loc.cacheControl) assert.ok(documented(loc.path, 'Cache-Control'), `Cache-Control of ${loc.path} is neither on the Ingress nor documented as a difference`);
      }
    });
  }

  it('the compose services say what they are (role, ports, user, schedules), and the converter keeps no tables keyed by image or mount path', () => {
    for (const [name, { gen, overlays }] of rendered) {
      for (const svc of translated(gen.model)) {
        const where = `${name}: ${svc.name}`;
        assert.equal(svc.role === 'one-shot-job', svc.restart === 'no', `${where}: one-shot jobs and only they never restart`);
        if (svc.role === 'data-store') assert.ok(svc.mounts.some((m) => m.type === 'volume'), `${where}: a data store keeps its state in a volume`);
        assert.equal(svc.role === 'backup-job', (svc.schedules ?? []).length > 0, `${where}: the backup job and only it has schedules`);
        // Every port compose publishes for debugging is one the service says it listens on.
        const app = gen.model.services.find((a) => a.name === svc.name);
        const listens = app ? (app.port === undefined ? [] : [app.port]) : (svc.listens ?? []).map((p) => p.port);
        for (const published of svc.devPorts) assert.ok(listens.includes(Number(published.split(':').pop())), `${where}: publishes ${published} but listens on ${listens.join(', ')}`);
        // A service without a compose user runs as the image's user, stated by the service.
        const w = workloads(overlays.production!).find((o) => podSpecOf(o).containers[0].name === svc.name);
        if (w && !svc.user && svc.imageUser) assert.equal(podSpecOf(w).securityContext.runAsUser, svc.imageUser.uid, where);
      }
      const cron = byKind(overlays.production!, 'CronJob');
      const backup = gen.model.composeServices.find((s) => s.role === 'backup-job');
      assert.deepEqual(cron.map((c) => [c.metadata.name, c.spec.schedule]), (backup?.schedules ?? []).map((j) => [j.name, j.schedule]), name);
    }
    const dir = join(PROJECT_ROOT, 'generators/lib/prepare');
    const sources = readdirSync(join(dir, 'kubernetes')).map((f) => `kubernetes/${f}`);
    assert.ok(sources.length >= 6);
    for (const file of sources) {
      const text = readFileSync(join(dir, file), 'utf8');
      assert.doesNotMatch(text, /\bIMAGES\./, `${file} decides by image name`);
      assert.doesNotMatch(text, /BACKUP_SCRIPTS_DIR|\.target === /, `${file} finds a service by a mount path`);
      assert.doesNotMatch(text, /\banswers\b/, `${file} reads answers`);
    }
  });

  it('the backup CronJobs run backup.sh and the restore drill from the backup image', () => {
    const { gen, overlays } = rendered.get('defaults')!;
    const cron = byKind(overlays.production!, 'CronJob');
    assert.deepEqual(cron.map((c) => podSpecOf(c).containers[0].command[0].split('/').pop()).sort(), ['backup.sh', 'verify-backup.sh']);
    assert.equal(cron.find((c) => c.metadata.name === 'backup')!.spec.schedule, gen.answers.backupSchedule);
    for (const c of cron) assert.match(podSpecOf(c).containers[0].image, new RegExp(`/${gen.answers.projectName}-backup:`));
  });

  it('make targets and the deploy script: k8s-render renders, the script passes shellcheck', async () => {
    const { gen } = rendered.get('defaults')!;
    const makefile = await gen.read('Makefile');
    for (const target of ['k8s-render', 'k8s-diff', 'k8s-set-tag', 'k8s-deploy']) assert.match(makefile, new RegExp(`^${target}:`, 'm'));
    const out = execFileSync('make', ['--no-print-directory', '-s', '-o', 'secrets', 'k8s-render', 'ENV=staging'], { cwd: gen.dir, encoding: 'utf8' });
    assert.match(out, /namespace: gitmesh-staging/);
    execFileSync('make', ['-s', 'k8s-set-tag', 'ENV=staging', 'TAG=sha-0123abc'], { cwd: gen.dir });
    assert.match(await gen.read('deploy/kubernetes/overlays/staging/kustomization.yaml'), /newTag: sha-0123abc/);
    assert.throws(() => execFileSync('make', ['-s', 'k8s-set-tag', 'ENV=staging', 'TAG=a;b'], { cwd: gen.dir, stdio: 'ignore' }));
    assert.deepEqual(await shellcheckErrors([join(gen.dir, 'scripts/k8s-deploy.sh')]), []);
    assert.match(await gen.read('.gitignore'), /^!\/secrets\/kustomization\.yaml$/m);
  });

  it('a pinned tag survives regeneration (the planner merges the overlay like any other file)', async () => {
    const { gen } = rendered.get('defaults')!;
    await generate({ targets: K8S }, gen.dir);
    assert.match(await gen.read('deploy/kubernetes/overlays/staging/kustomization.yaml'), /newTag: sha-0123abc/);
  });

  it('compose-only answers produce no Kubernetes files or make targets', () => {
    const model = modelFrom({});
    assert.equal(model.makeTargets.some((t) => t.name.startsWith('k8s-')), false);
    assert.equal(model.docs.some((d) => d.path === 'docs/kubernetes.md'), false);
  });
});

describe('edge facts -> ingress-nginx annotations (pure, issue 20)', () => {
  const route = (over: Partial<Route> & Pick<Route, 'path' | 'upstreamPath' | 'rateLimit'>, owner: { name: string; kind: ServiceKind } = { name: 'api', kind: 'node-api' }): Route => {
    const base = { name: over.name ?? owner.name, service: owner.name, port: 8080, stripPrefix: over.upstreamPath !== over.path, websocket: false, socketIo: false, ...over };
    return { ...base, locations: edgeLocations(base, owner) };
  };

  it('a per-minute rate becomes limit-rpm and a per-second one limit-rps; nothing is re-parsed or dropped', () => {
    const perMinute: RateLimit = { zone: 'z', rate: 30, unit: 'r/m', burst: 10 };
    const perSecond: RateLimit = { zone: 'z', rate: 20, unit: 'r/s', burst: 100 };
    const at = (limit: RateLimit) => ingressAnnotations({ purpose: 'route', path: '/x/', upstreamPath: '/x/', websocket: false, limit, maxBodyBytes: 25 * 1024 * 1024, readTimeoutSeconds: 60 });
    assert.equal(at(perMinute)['nginx.ingress.kubernetes.io/limit-rpm'], '30');
    assert.equal(at(perMinute)['nginx.ingress.kubernetes.io/limit-rps'], undefined);
    assert.equal(at(perSecond)['nginx.ingress.kubernetes.io/limit-rps'], '20');
    assert.equal(at(perSecond)['nginx.ingress.kubernetes.io/limit-burst-multiplier'], '5');
    assert.equal(at(perSecond)['nginx.ingress.kubernetes.io/proxy-body-size'], '25m');
    assert.equal(ingressLimit(perMinute).burst, 30, 'the whole multiple ingress-nginx can express');
  });

  it('the /api/ route: its own Ingress, a stricter /api/auth/ and a long-lived /api/socket.io/; the burst ingress-nginx cannot match is a listed difference', () => {
    const api = route({ path: '/api/', upstreamPath: '/', rateLimit: 'api', websocket: true });
    const { plans, differences } = ingressPlans([api]);
    assert.deepEqual(plans.map((p) => [p.name, p.location.path]), [['api-ws', '/api/socket.io/'], ['api-auth', '/api/auth/'], ['api', '/api/']]);
    const auth = plans.find((p) => p.name === 'api-auth')!.location;
    assert.deepEqual([auth.upstreamPath, auth.limit], ['/auth/', RATE_LIMITS.auth]);
    assert.deepEqual(ingressPath(auth), { path: '/api/auth(/|$)(.*)', pathType: 'ImplementationSpecific' });
    assert.equal(ingressAnnotations(auth)['nginx.ingress.kubernetes.io/rewrite-target'], '/auth/$2');
    assert.equal(ingressAnnotations(plans.find((p) => p.name === 'api')!.location)['nginx.ingress.kubernetes.io/proxy-read-timeout'], '60');
    assert.equal(ingressAnnotations(plans.find((p) => p.name === 'api-ws')!.location)['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
    assert.deepEqual(differences.map((d) => [d.path, d.what]), [['/api/auth/', 'rate-limit burst']]);
  });

  it('the frontend: assets share the route Ingress, and both Cache-Control policies are listed as differences', () => {
    const frontend = route({ path: '/', upstreamPath: '/', rateLimit: 'none' }, { name: 'frontend', kind: 'static-frontend' });
    const { plans, differences } = ingressPlans([frontend]);
    assert.deepEqual(plans.map((p) => p.name), ['frontend']);
    assert.deepEqual(differences.map((d) => [d.path, d.what]), [['/assets/', 'Cache-Control'], ['/', 'Cache-Control']]);
    assert.equal(nginxSize(DEFAULT_MAX_BODY_BYTES), '10m');
  });
});
