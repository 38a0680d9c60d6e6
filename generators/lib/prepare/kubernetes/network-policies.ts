/**
 * NetworkPolicies: default deny, DNS, and exactly the pairs the compose networks allow (pods on
 * the same compose network reach each other; `internal` networks get no egress), plus the ingress
 * controller to the routed services and to cert-manager's ACME solver.
 */
import type { DeploymentModel } from '../../model.js';
import type { Workload } from './classify.js';
import { INGRESS_NAMESPACE, labels, NETWORK_LABEL, type K8sObject, type Names } from './common.js';

const fromIngressController = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': INGRESS_NAMESPACE } } };

export function networkPolicies(model: DeploymentModel, workloads: readonly Workload[], names: Names): K8sObject[] {
  const policy = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): K8sObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, labels: labels(names, name, 'network'), ...(annotations ? { annotations } : {}) },
    spec,
  });
  const docs: K8sObject[] = [
    policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
    }),
  ];
  const used = new Set(workloads.flatMap((w) => w.svc.networks));
  for (const network of model.networks) {
    if (!used.has(network.name)) continue;
    const sel = { matchLabels: { [NETWORK_LABEL(network.name)]: 'member' } };
    docs.push(
      policy(
        `network-${network.name}`,
        {
          podSelector: sel,
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ podSelector: sel }] }],
          // `internal` compose networks have no route out; the others reach the internet (integrations, ACME, webhooks).
          egress: [{ to: [{ podSelector: sel }] }, ...(network.internal ? [] : [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }] }])],
        },
        { 'gitmesh-devops/compose-network': `${network.name}: ${network.description}` },
      ),
    );
  }
  const routed = [...new Map(model.routes.map((r) => [r.service, r.port])).entries()];
  if (routed.length) {
    docs.push(
      policy('allow-ingress-controller', {
        podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: routed.map(([s]) => s) }] },
        policyTypes: ['Ingress'],
        ingress: [{ from: [fromIngressController], ports: [...new Set(routed.map(([, p]) => p))].map((port) => ({ protocol: 'TCP', port })) }],
      }),
    );
  }
  if (model.settings.tls.mode === 'letsencrypt') {
    docs.push(
      policy('allow-acme-solver', {
        podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [fromIngressController], ports: [{ protocol: 'TCP', port: 8089 }] }],
      }),
    );
  }
  return docs;
}

/** The workload pairs the policies let talk (names sorted, a < b): those sharing a compose network. */
export function networkPairs(workloads: readonly Workload[]): [string, string][] {
  const pairs: [string, string][] = [];
  const sorted = [...workloads].sort((a, b) => (a.svc.name < b.svc.name ? -1 : a.svc.name > b.svc.name ? 1 : 0));
  for (const a of sorted) for (const b of sorted) if (a.svc.name < b.svc.name && a.svc.networks.some((n) => b.svc.networks.includes(n))) pairs.push([a.svc.name, b.svc.name]);
  return pairs;
}
