/**
 * compose.tools.yaml and the nginx check: every container the generated CI runs (linters, promtool,
 * the unit tests' throwaway servers), pinned in one file Dependabot watches.
 */
import { posix } from 'node:path';
import { CI_TOOL_IMAGES, TOOL } from '../ci-actions.js';
import type { DeploymentModel } from '../model.js';
import { IMAGES } from '../versions.js';
import { EDGE_PATHS, edgeView } from './edge/index.js';

export interface NginxCheck {
  readonly image: string;
  /** Host dir (repo-relative) → container dir of the config. */
  readonly configDir: string;
  readonly mountTarget: string;
  /** Container dir the certificate files are mounted at, and their paths inside it. */
  readonly tlsDir: string;
  readonly certificate: string;
  readonly key: string;
  /** Upstream host names: resolved when nginx loads its config, so the check maps them to loopback. */
  readonly hosts: readonly string[];
  readonly args: readonly string[];
}

/** One service of compose.tools.yaml. */
export interface ToolService {
  readonly name: string;
  readonly description: string;
  readonly image: string;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  /** `host path (repo-relative) → container path`, read-only. */
  readonly volumes: readonly (readonly [string, string])[];
  readonly workingDir?: string;
  readonly networkNone?: boolean;
  readonly extraHosts?: readonly string[];
  readonly tmpfs?: readonly string[];
  readonly environment?: readonly (readonly [string, string])[];
  readonly ports?: readonly string[];
  readonly healthcheck?: readonly string[];
}

/** The test job's throwaway database and cache, with the stack's own pins (same directory: one Dependabot PR bumps both). */
const TEST_DB = { user: 'postgres', password: 'postgres', database: 'gitmesh-test' } as const;

/**
 * compose.tools.yaml: every container CI (and `make monitoring-check`) runs, so that each image pin sits in a file
 * Dependabot watches. GitHub's workflow parser has no way to update `docker run <image>` or job `services:` images.
 */
export function toolServices(model: DeploymentModel): ToolService[] {
  const tools: ToolService[] = [
    { name: TOOL.hadolint, description: 'hadolint: lints a Dockerfile read from stdin', image: CI_TOOL_IMAGES.hadolint, entrypoint: ['hadolint'], volumes: [], networkNone: true },
    { name: TOOL.shellcheck, description: 'ShellCheck: lints the scripts given as arguments (repo mounted read-only at /mnt)', image: CI_TOOL_IMAGES.shellcheck, volumes: [['.', '/mnt']], workingDir: '/mnt', networkNone: true },
    { name: TOOL.actionlint, description: 'actionlint: lints .github/workflows (bundles shellcheck for run: scripts)', image: CI_TOOL_IMAGES.actionlint, volumes: [['.', '/repo']], workingDir: '/repo', networkNone: true },
  ];
  const nginx = nginxCheck(model);
  if (nginx) {
    tools.push({
      name: TOOL.nginx,
      description: 'nginx -t of the edge configuration in the pinned nginx image (certificate directory mounted by the caller)',
      image: nginx.image,
      entrypoint: ['nginx'],
      command: [...nginx.args],
      volumes: [[`./${nginx.configDir}`, nginx.mountTarget]],
      networkNone: true,
      // Upstream host names are resolved when nginx loads its config: they point at loopback here.
      extraHosts: nginx.hosts.map((host) => `${host}:127.0.0.1`),
      tmpfs: ['/tmp'],
    });
  }
  if (model.settings.monitoring) {
    tools.push(
      { name: TOOL.promtool, description: 'promtool: checks the Prometheus config, the alert rules and their unit tests', image: IMAGES.prometheus, entrypoint: ['promtool'], volumes: [['./config/prometheus', '/etc/prometheus']], networkNone: true },
      { name: TOOL.amtool, description: 'amtool: checks the Alertmanager config', image: IMAGES.alertmanager, entrypoint: ['amtool'], volumes: [['./config/alertmanager', '/etc/alertmanager']], networkNone: true },
      { name: TOOL.alloy, description: 'alloy validate: syntax, components, required and unknown arguments of the log shipping config', image: IMAGES.alloy, entrypoint: ['/bin/alloy'], command: ['validate', '/etc/alloy/config.alloy'], volumes: [['./config/alloy', '/etc/alloy']], networkNone: true },
    );
  }
  if (model.services.some((svc) => svc.dockerfile && svc.workspace === 'backend')) {
    tools.push(
      {
        name: TOOL.postgres,
        description: "Throwaway PostgreSQL for the backend's unit tests (CI test job)",
        image: IMAGES.postgres,
        volumes: [],
        environment: [['POSTGRES_USER', TEST_DB.user], ['POSTGRES_PASSWORD', TEST_DB.password], ['POSTGRES_DB', TEST_DB.database]],
        ports: ['127.0.0.1:5432:5432'],
        tmpfs: ['/var/lib/postgresql/data'],
        healthcheck: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', TEST_DB.user, '-d', TEST_DB.database],
      },
      { name: TOOL.redis, description: "Throwaway Redis for the backend's unit tests (CI test job)", image: IMAGES.redis, volumes: [], ports: ['127.0.0.1:6379:6379'], healthcheck: ['CMD', 'redis-cli', '-h', '127.0.0.1', 'ping'] },
    );
  }
  return tools;
}

export function nginxCheck(model: DeploymentModel): NginxCheck | undefined {
  const svc = model.composeServices.find((s) => s.name === 'nginx');
  const mount = svc ? mountFrom(model, svc.name, EDGE_PATHS.configDir) : undefined;
  if (!svc || !mount) return undefined;
  const edge = edgeView(model);
  // Certificate paths are relative to the config dir; the check needs them relative to the TLS dir.
  const inTls = (relative: string): string => posix.relative(EDGE_PATHS.tlsDir, posix.resolve(EDGE_PATHS.configDir, relative));
  return {
    image: svc.image,
    configDir: mount.source,
    mountTarget: mount.target,
    tlsDir: EDGE_PATHS.tlsDir,
    certificate: inTls(edge.tls.certificate),
    key: inTls(edge.tls.key),
    hosts: [...new Set(edge.upstreams.map((up) => up.server.replace(/:\d+$/, '')))].sort(),
    args: ['-t', '-p', EDGE_PATHS.prefix, '-c', EDGE_PATHS.conf],
  };
}

function mountFrom(model: DeploymentModel, service: string, targetPrefix: string): { source: string; target: string } | undefined {
  const svc = model.composeServices.find((s) => s.name === service);
  const mount = svc?.mounts.find((m) => m.type === 'bind' && m.source.startsWith('./config/') && m.target.startsWith(targetPrefix));
  return mount ? { source: mount.source.replace(/^\.\//, ''), target: mount.target } : undefined;
}
