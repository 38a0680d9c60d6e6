/**
 * Compose concern: which compose files the repo has, which of them a host runs, and what each one
 * declares. CI (prepare/ci.ts), the Makefile and the compose manifest all read these, so they agree.
 */
import type { ComposeFile, DeploymentModel } from '../model.js';
import { traitsOf } from '../service-kinds.js';

/** The monitoring stack runs (its services were contributed to compose.monitoring.yaml). */
export const runsMonitoringStack = (model: DeploymentModel): boolean => model.composeServices.some((svc) => svc.file === 'monitoring');

/** The app services that export traces to the collector (compose.tracing.yaml adds their OTLP variables). */
export function tracedServices(model: DeploymentModel): string[] {
  if (!runsMonitoringStack(model)) return [];
  return model.services.filter((svc) => traitsOf(svc.kind).traced).map((svc) => svc.name);
}

/** The compose files a production host runs together (the development override is not one of them). */
export function productionComposeFiles(model: DeploymentModel): string[] {
  // compose.tracing.yaml adds the OTLP variables to the Node services when the collector runs.
  return ['compose.yaml', ...(runsMonitoringStack(model) ? ['compose.monitoring.yaml'] : []), ...(tracedServices(model).length ? ['compose.tracing.yaml'] : [])];
}

/** The compose files rendered from the model's services: the stack, the development override, the monitoring stack. */
export function composeFileNames(model: DeploymentModel): string[] {
  return ['compose.yaml', 'compose.override.yaml', ...(runsMonitoringStack(model) ? ['compose.monitoring.yaml'] : [])];
}

/** What one compose file declares: its services, and only the volumes, secrets and networks they use. */
export function composeView(model: DeploymentModel, file: ComposeFile) {
  const services = model.composeServices.filter((svc) => svc.file === file);
  const volumeNames = new Set(services.flatMap((svc) => svc.mounts.filter((m) => m.type === 'volume').map((m) => m.source)));
  const secretNames = new Set(services.flatMap((svc) => svc.secrets));
  const networkNames = new Set(services.flatMap((svc) => svc.networks));
  return {
    services,
    volumes: model.volumes.filter((v) => volumeNames.has(v.name)),
    secrets: model.secrets.filter((s) => secretNames.has(s.name)),
    networks: model.networks.filter((n) => networkNames.has(n.name)),
  };
}

export type ComposeView = ReturnType<typeof composeView>;
