/** CI/CD concern: what it adds to the model (the workflows themselves come from files/ci.ts). */
import type { Contribution, DeploymentModel } from '../model.js';

export function ciContribution(model: DeploymentModel): Contribution {
  void model;
  return {
    docs: [{ path: 'docs/ci-cd.md', title: 'CI/CD: secrets, environments and reviewers, deploy, promote, roll back, re-run a migration' }],
    // .e2e/: scratch files of scripts/ci/e2e-stack.sh (the CI end-to-end job); images.lock: written by CI per deploy.
    gitignore: ['/.deploy/', '/.e2e/', '/images.lock'],
    // Hosts verify every image signature against this repository's CI before a release runs (scripts/deploy/lib.sh).
    env: [['GITMESH_SIGNER_REPOSITORY', 'your-org/your-deployment-repo', 'GitHub owner/name of this repository: a host runs only digests its CI signed (docs/ci-cd.md)']],
  };
}

/** Deployment directory on a Docker host: the deploy scripts, the workflows and the provisioning agree on it. */
export const deployPath = (model: DeploymentModel): string => `/srv/${model.project.name}`;
