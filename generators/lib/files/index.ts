/** All concerns' manifests, rendered into the desired file set the planner works from. */
import type { DeploymentModel } from '../model.js';
import type { DesiredFile } from '../planner.js';
import { render } from '../render.js';
import { backupFiles } from './backup.js';
import { baseFiles } from './base.js';
import { ciFiles } from './ci.js';
import { composeFiles } from './compose.js';
import { dockerFiles } from './docker.js';
import { docsFiles } from './docs.js';
import { identityFiles } from './identities.js';
import { kubernetesFiles } from './kubernetes.js';
import { monitoringFiles } from './monitoring.js';
import { nginxFiles } from './nginx.js';
import { provisioningFiles } from './provisioning.js';
import { runbookFiles } from './runbooks.js';
import type { FileSpec, Manifest } from './types.js';

/** One manifest per concern. A new concern (kubernetes, ...) registers here. */
export const MANIFESTS: readonly Manifest[] = [baseFiles, dockerFiles, composeFiles, identityFiles, nginxFiles, ciFiles, backupFiles, monitoringFiles, runbookFiles, kubernetesFiles, provisioningFiles, docsFiles];

export function fileSpecs(model: DeploymentModel): FileSpec[] {
  const specs = MANIFESTS.flatMap((manifest) => manifest(model));
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.path)) throw new Error(`two manifests produce ${spec.path}`);
    seen.add(spec.path);
  }
  return specs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function renderFiles(model: DeploymentModel): DesiredFile[] {
  return fileSpecs(model).map((spec) => ({
    path: spec.path,
    content: render(spec.template, model, spec.locals),
    ...(spec.executable ? { executable: true } : {}),
    ...(spec.policy ? { policy: spec.policy } : {}),
  }));
}
