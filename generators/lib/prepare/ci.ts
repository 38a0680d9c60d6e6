/** CI/CD concern: what it adds to the model (the workflows themselves come from files/ci.ts). */
import type { Contribution, DeploymentModel } from '../model.js';

export function ciContribution(model: DeploymentModel): Contribution {
  void model;
  return {
    docs: [{ path: 'docs/ci-cd.md', title: 'CI/CD: secrets, environments and reviewers, deploy, promote, roll back, re-run a migration' }],
    // .e2e/: scratch files of scripts/ci/e2e-stack.sh (the CI end-to-end job).
    gitignore: ['/.deploy/', '/.e2e/'],
  };
}

/** Deployment directory on a Docker host: the deploy scripts, the workflows and the provisioning agree on it. */
export const deployPath = (model: DeploymentModel): string => `/srv/${model.project.name}`;
