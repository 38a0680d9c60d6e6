/**
 * Operations runbooks that are not about one alert: scaling and incident response
 * (docs/runbooks/scaling.md, docs/runbooks/incident-response.md), and the operator's `make deploy` /
 * `make rollback`, thin wrappers over the deploy scripts the CD workflows run (scripts/deploy/remote.sh).
 */
import type { Contribution, DeploymentModel } from '../model.js';
import { EDGE_STUB_STATUS } from './edge/index.js';
import { SINGLETONS } from './kubernetes/classify.js';

export interface ScalingView {
  /** Stateless app services that may run several replicas (compose --scale, Kubernetes HPA). */
  readonly horizontal: readonly { readonly name: string; readonly replicas: number; readonly routed: boolean }[];
  /** App services that must run exactly once. */
  readonly singletons: readonly string[];
  readonly edge?: string;
  readonly data: { readonly postgres: boolean; readonly redis: boolean; readonly opensearch: string; readonly sqs: boolean; readonly temporal: boolean };
  readonly sizeProfile: string;
  readonly kubernetes: boolean;
  readonly monitoring: boolean;
  readonly environments: readonly string[];
  /** The compose command on the host (the monitoring file merged when it ships). */
  readonly dc: string;
}

const HORIZONTAL_KINDS = new Set(['node-api', 'node-worker', 'python-worker', 'static-frontend']);

export function scalingView(model: DeploymentModel): ScalingView {
  const routed = new Set(model.routes.map((route) => route.service));
  const apps = model.services.filter((svc) => svc.kind !== 'image');
  const edge = model.composeServices.find((svc) => svc.name === EDGE_STUB_STATUS.service);
  return {
    horizontal: apps.filter((svc) => HORIZONTAL_KINDS.has(svc.kind) && !SINGLETONS.has(svc.name)).map((svc) => ({ name: svc.name, replicas: svc.replicas, routed: routed.has(svc.name) })),
    singletons: apps.filter((svc) => SINGLETONS.has(svc.name)).map((svc) => svc.name),
    ...(edge ? { edge: edge.name } : {}),
    data: { postgres: model.data.postgres, redis: model.data.redis, opensearch: model.data.opensearch, sqs: model.data.sqs, temporal: model.data.temporal },
    sizeProfile: model.settings.sizeProfile,
    kubernetes: model.settings.targets.kubernetes,
    monitoring: model.settings.monitoring,
    environments: model.settings.environments,
    dc: `docker compose -f compose.yaml${model.settings.monitoring ? ' -f compose.monitoring.yaml' : ''}`,
  };
}

export function runbooksContribution(model: DeploymentModel): Contribution {
  const envs = model.settings.environments.join(' ');
  const checkEnv = `@case " ${envs} " in *" $(ENV) "*) ;; *) echo "ENV must be one of: ${envs}" >&2; exit 2;; esac`;
  return {
    makeTargets: [
      {
        name: 'deploy',
        help: `Deploy an image tag to an environment's host over SSH, as the deploy workflow does (make deploy ENV=<${model.settings.environments.join('|')}> TAG=<tag>; DEPLOY_* as in docs/ci-cd.md)`,
        recipe: [checkEnv, '@test -n "$(TAG)" || { echo "usage: make deploy ENV=<environment> TAG=<image-tag>" >&2; exit 2; }', 'scripts/deploy/remote.sh deploy $(TAG)'],
      },
      {
        name: 'rollback',
        help: `Roll an environment back to its previous deployment, or to TAG (make rollback ENV=<${model.settings.environments.join('|')}> [TAG=<tag>]; DEPLOY_* as in docs/ci-cd.md)`,
        recipe: [checkEnv, 'scripts/deploy/remote.sh rollback $(TAG)'],
      },
    ],
    docs: [
      { path: 'docs/runbooks/scaling.md', title: 'Runbook: scaling (what scales horizontally, the data tier limits, when to move to Kubernetes)' },
      { path: 'docs/runbooks/incident-response.md', title: 'Runbook: incident response (severities, first five minutes, where to look, communication, postmortem)' },
    ],
  };
}
