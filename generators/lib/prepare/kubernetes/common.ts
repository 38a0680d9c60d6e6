/** Names, labels and shapes every part of the Kubernetes target shares (pure values, no state). */
import type { DeploymentModel } from '../../model.js';

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

export const K8S_DIR = 'deploy/kubernetes';
/** Namespace of the ingress-nginx controller (allowed in by the NetworkPolicies). */
export const INGRESS_NAMESPACE = 'ingress-nginx';
export const INGRESS_CLASS = 'nginx';
/** Label key prefix marking compose network membership on pods. */
export const NETWORK_LABEL = (network: string): string => `network.gitmesh-devops/${network}`;
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Object names derived from the project name. */
export interface Names {
  readonly project: string;
  readonly secret: string;
  readonly settings: string;
  readonly config: string;
  readonly scripts: string;
  readonly tlsSecret: string;
}

export function namesOf(model: DeploymentModel): Names {
  const project = model.project.name;
  return { project, secret: `${project}-secrets`, settings: `${project}-settings`, config: `${project}-config`, scripts: `${project}-scripts`, tlsSecret: `${project}-tls` };
}

export const labels = (names: Names, name: string, component: string): Record<string, string> => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/instance': names.project,
  'app.kubernetes.io/part-of': names.project,
  [COMPONENT_LABEL]: component,
});

export const selector = (names: Names, name: string): Record<string, string> => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': names.project });

export const kustomization = (extra: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...extra });

/** Public host names per environment (staging prefixes each name). */
export function hostsOf(model: DeploymentModel): Record<Environment, readonly string[]> {
  return { production: model.project.serverNames, staging: model.project.serverNames.map((name) => `staging.${name}`) };
}

export function pdb(name: string, objectLabels: Record<string, string>, matchLabels: Record<string, string>): K8sObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, labels: objectLabels }, spec: { maxUnavailable: 1, selector: { matchLabels } } };
}
