/**
 * What each service kind implies, in one table: how its image is built, what runs in it, how it is
 * probed, and how its container is hardened. Code asks a trait, never `kind === '...'`, so adding a
 * kind to `ServiceKind` fails to compile until its row here is written.
 */
import type { ServiceKind, Workspace } from './catalog.js';

export interface ServiceKindTraits {
  /** This repo builds the image (CI builds and pushes it); `false`: the image is pulled as given. */
  readonly built: boolean;
  /** What the image offers to probe health with (prepare/health.ts): node, python, busybox wget, or nothing known. */
  readonly runtime: 'node' | 'python' | 'busybox' | 'unknown';
  /** The base image line of the build, for the support table (undefined: not built). */
  readonly buildsOn?: 'node' | 'python';
  /** Healthcheck start period: the Node services connect to every dependency before they answer. */
  readonly startPeriod: string;
  /** The command line a process probe looks for when the service has no port. */
  readonly processMatch: 'node' | 'python';
  /** An onboarded service of this kind: its workspace, Dockerfile template and start command. */
  readonly custom: { readonly workspace: Workspace; readonly dockerTemplate?: string; readonly command: readonly string[] };
  /**
   * Secret files reach the process as variables through config/env-from-files.sh, which needs the image's
   * shell and an entrypoint of ours: not for pulled images (unknown entrypoint) nor the SPA server (reads none).
   */
  readonly secretFiles: boolean;
  /** The SPA server: config/frontend/default.conf is mounted, and upstream's entrypoint rewrites the bundle at start. */
  readonly spaServer: boolean;
  /** The root filesystem is read-only (the SPA server's entrypoint writes into its bundle). */
  readonly readOnlyRoot: boolean;
  /** Size of the /tmp tmpfs. */
  readonly tmpSize: string;
  /** Who the container runs as: the app user (APP_UID:APP_GID), nginx's own (101:101), or whatever the pulled image says. */
  readonly runAs: 'app' | 'nginx' | 'image';
  /** Exports OpenTelemetry traces (compose.tracing.yaml adds the OTLP variables when the collector runs). */
  readonly traced: boolean;
  /** CPU-bound app code: a horizontal autoscaler on CPU fits it (Kubernetes; the SPA server and pulled images do not qualify). */
  readonly cpuAutoscaled: boolean;
}

const NODE_COMMAND = ['node', 'dist/main.js'] as const;

export const SERVICE_KIND_TRAITS: Readonly<Record<ServiceKind, ServiceKindTraits>> = {
  'node-api': {
    built: true,
    runtime: 'node',
    buildsOn: 'node',
    startPeriod: '90s',
    processMatch: 'node',
    custom: { workspace: 'services', dockerTemplate: 'node-custom', command: NODE_COMMAND },
    secretFiles: true,
    spaServer: false,
    readOnlyRoot: true,
    tmpSize: '64m',
    runAs: 'app',
    traced: true,
    cpuAutoscaled: true,
  },
  'node-worker': {
    built: true,
    runtime: 'node',
    buildsOn: 'node',
    startPeriod: '90s',
    processMatch: 'node',
    custom: { workspace: 'services', dockerTemplate: 'node-custom', command: NODE_COMMAND },
    secretFiles: true,
    spaServer: false,
    readOnlyRoot: true,
    tmpSize: '64m',
    runAs: 'app',
    traced: true,
    cpuAutoscaled: true,
  },
  'python-worker': {
    built: true,
    runtime: 'python',
    buildsOn: 'python',
    startPeriod: '20s',
    processMatch: 'python',
    custom: { workspace: 'python', dockerTemplate: 'python', command: ['venv/bin/python', '-u', 'main.py'] },
    secretFiles: true,
    spaServer: false,
    readOnlyRoot: true,
    tmpSize: '64m',
    runAs: 'app',
    traced: false,
    cpuAutoscaled: true,
  },
  'static-frontend': {
    built: true,
    runtime: 'busybox',
    // The bundle is built in a Node stage, then served by nginx.
    buildsOn: 'node',
    startPeriod: '20s',
    processMatch: 'node',
    custom: { workspace: 'frontend', dockerTemplate: 'frontend', command: [] },
    secretFiles: false,
    spaServer: true,
    readOnlyRoot: false,
    tmpSize: '16m',
    runAs: 'nginx',
    traced: false,
    cpuAutoscaled: false,
  },
  image: {
    built: false,
    runtime: 'unknown',
    startPeriod: '20s',
    processMatch: 'node',
    custom: { workspace: 'external', command: [] },
    secretFiles: false,
    spaServer: false,
    readOnlyRoot: true,
    tmpSize: '64m',
    runAs: 'image',
    traced: false,
    cpuAutoscaled: false,
  },
};

export const traitsOf = (kind: ServiceKind): ServiceKindTraits => SERVICE_KIND_TRAITS[kind];
