/**
 * The end-to-end gate of the generated CI (job `e2e` of ci.yml, scripts/ci/e2e-stack.sh): what it boots,
 * what it leaves out, and what the smoke test expects from the real services.
 */
import type { Evidence } from '../catalog.js';
import type { DeploymentModel } from '../model.js';
import { productionComposeFiles } from './compose.js';

/**
 * What the e2e job's smoke test expects from the real services, each an upstream fact (checked against
 * the pinned tree by test/rehearsal-contract.test.ts).
 */
export const E2E_EXPECTATIONS = {
  /** The SPA's mount point in the built index.html. */
  frontendMarker: { text: '<div id="app">', evidence: { at: 'frontend/index.html:230', shows: '<div id="app"></div>' } },
  /** An unsigned delivery to the webhook API's GitHub route is refused by the route itself. */
  webhook: { path: '/webhooks/github', status: 400, text: 'Missing signature header', evidence: { at: 'services/apps/webhook_api/src/routes/github.ts:20', shows: "Error400BadRequest('Missing signature header!')" } },
  /** The backend queue worker logs every message it receives, payload included. */
  nodejsWorker: { queueVariable: 'SQS_NODEJS_WORKER_QUEUE', evidence: { at: 'backend/src/bin/nodejs-worker.ts:169', shows: "'Received a new queue message!'" } },
  /** The Python worker logs the body of a message it cannot route. */
  pythonWorker: { queueVariable: 'SQS_PYTHON_WORKER_QUEUE', evidence: { at: 'backend/src/serverless/microservices/python/python_worker.py:40', shows: 'Unrecognized message format: {body}' } },
} as const satisfies Record<string, { readonly evidence: Evidence } & Record<string, unknown>>;

/**
 * The end-to-end gate (job `e2e` of ci.yml, scripts/ci/e2e-stack.sh): present when the stack runs every
 * data service itself, so a runner can boot all of it.
 */
export interface E2eView {
  readonly host: string;
  /** Production compose files, plus the job's own override (certbot bootstrap only) where needed. */
  readonly composeFiles: readonly string[];
  readonly override?: { readonly certbotBootstrapOnly: boolean };
  /** Services `docker compose up --wait` starts. */
  readonly services: readonly string[];
  /** Services left out, and why (they need real third-party credentials at start). */
  readonly excluded: readonly { readonly name: string; readonly why: string }[];
  readonly tls: { readonly mode: 'self-signed' } | { readonly mode: 'letsencrypt' } | { readonly mode: 'provided'; readonly certificate: string; readonly key: string };
  /** Operator secrets without a placeholder: throwaway values in the job (their services are excluded or tolerate them). */
  readonly dummySecrets: readonly string[];
  readonly frontend: boolean;
  readonly healthPath?: string;
  readonly webhook: boolean;
  /** A queue consumer to send one message to: the container it runs in, how to reach the queue, the log that proves it. */
  readonly queue?: { readonly service: string; readonly runtime: 'node' | 'python'; readonly queueVariable: string };
  readonly waitTimeoutSeconds: number;
  readonly gid: number;
}

export function e2eView(model: DeploymentModel): E2eView | undefined {
  const { data, settings } = model;
  const needsTemporal = model.services.some((svc) => svc.needs.includes('temporal'));
  if (!data.postgres || !data.redis || data.opensearch === 'none' || (needsTemporal && !data.temporal)) return undefined;
  const hostFiles = productionComposeFiles(model);
  const running = model.composeServices.filter((svc) => hostFiles.includes(svc.file === 'main' ? 'compose.yaml' : 'compose.monitoring.yaml'));
  // A service that needs an operator credential with no usable placeholder cannot start on a runner.
  const noPlaceholder = model.secrets.filter((secret) => secret.source.kind === 'operator' && secret.source.placeholder === undefined).map((s) => s.name);
  const excluded = model.services
    .filter((svc) => svc.compose.secrets.some((secret) => noPlaceholder.includes(secret) && svc.requires.includes(secret.toUpperCase())))
    .map((svc) => ({ name: svc.name, why: `needs a real ${svc.compose.secrets.filter((s) => noPlaceholder.includes(s)).join(', ')} to start` }));
  const letsencrypt = settings.tls.mode === 'letsencrypt';
  const names = new Set(model.services.map((svc) => svc.name));
  const consumer = names.has('nodejs-worker') ? { service: 'nodejs-worker', runtime: 'node' as const, queueVariable: E2E_EXPECTATIONS.nodejsWorker.queueVariable } : names.has('python-worker') ? { service: 'python-worker', runtime: 'python' as const, queueVariable: E2E_EXPECTATIONS.pythonWorker.queueVariable } : undefined;
  const api = model.routes.find((route) => route.service === 'api' && route.healthPath);
  return {
    host: model.project.domain,
    composeFiles: [...hostFiles, ...(letsencrypt ? ['.e2e/compose.e2e.yaml'] : [])],
    ...(letsencrypt ? { override: { certbotBootstrapOnly: true } } : {}),
    services: running.map((svc) => svc.name).filter((name) => !excluded.some((e) => e.name === name)),
    excluded,
    tls: settings.tls.mode === 'provided' ? { mode: 'provided', certificate: settings.tls.certPath, key: settings.tls.keyPath } : { mode: settings.tls.mode },
    dummySecrets: noPlaceholder,
    frontend: names.has('frontend'),
    ...(api ? { healthPath: `${api.path.replace(/\/$/, '')}${api.healthPath}` } : {}),
    webhook: names.has('webhook-api'),
    ...(consumer && data.sqs ? { queue: consumer } : {}),
    waitTimeoutSeconds: 900,
    gid: model.gid,
  };
}
