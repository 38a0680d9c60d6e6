/** What the Kubernetes target adds to the model: make targets, the docs page and the git-ignore exception for secrets/kustomization.yaml. */
import type { Contribution, DeploymentModel, MakeTarget } from '../../model.js';
import { K8S_DIR } from './common.js';

/** `$(ENV)` checked against the overlays before it reaches a path. */
const ENV_CHECK = `@case "$(or $(ENV),production)" in staging|production) ;; *) echo "ENV must be staging or production" >&2; exit 2 ;; esac`;
const OVERLAY = `${K8S_DIR}/overlays/$(or $(ENV),production)`;

export function kubernetesContribution(model: DeploymentModel): Contribution {
  if (!model.settings.targets.kubernetes) return {};
  const makeTargets: MakeTarget[] = [
    { name: 'k8s-render', help: 'Render the Kubernetes manifests of ENV (staging|production, default production)', deps: ['secrets'], recipe: [ENV_CHECK, `kubectl kustomize ${OVERLAY}`] },
    {
      name: 'k8s-diff',
      help: 'Diff ENV against the cluster (the migration Job, immutable, is left out)',
      deps: ['secrets'],
      // kubectl diff exits 1 when there are differences: only >1 is an error.
      recipe: [ENV_CHECK, `kubectl diff -k ${OVERLAY} --selector 'app.kubernetes.io/component!=migration' || [ $$? -eq 1 ]`],
    },
    {
      name: 'k8s-set-tag',
      help: 'Pin the image tag of ENV: make k8s-set-tag ENV=staging TAG=sha-<commit>',
      recipe: [ENV_CHECK, `@[[ "$(TAG)" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$$ ]] || { echo "TAG must be an image tag" >&2; exit 2; }`, `sed -i -E 's/^([[:space:]]+newTag:).*/\\1 $(TAG)/' ${OVERLAY}/kustomization.yaml`],
    },
    { name: 'k8s-deploy', help: 'Deploy TAG to ENV on Kubernetes (migrations, rollout wait, automatic rollback)', deps: ['secrets'], recipe: [ENV_CHECK, `./scripts/k8s-deploy.sh "$(or $(ENV),production)" "$(TAG)"`] },
  ];
  return {
    makeTargets,
    docs: [{ path: 'docs/kubernetes.md', title: 'Kubernetes: Kustomize base and overlays, first deploy, upgrades, rollback, scaling' }],
    // The generator kustomization is committed; the secret files beside it never are.
    gitignore: ['!/secrets/kustomization.yaml'],
  };
}
