/** Monitoring concern: what it adds to the deployment model. */
import type { Contribution, DeploymentModel } from '../model.js';

export function monitoringContribution(model: DeploymentModel): Contribution {
  void model;
  return {};
}
