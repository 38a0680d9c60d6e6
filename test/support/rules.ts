/**
 * Our own checklist rules (../shared/spec/devops-best-practices.md and issue #2) as functions that
 * return problems. Each rule has a test that feeds it a broken input, so a rule that stops
 * detecting its defect fails the suite.
 */
import { parse } from 'yaml';
import { ONE_SHOT_JOBS } from '../../generators/lib/prepare/infra.js';

type Doc = Record<string, any>;

const PINNED = /^[a-z0-9._\/-]+(?::\d+\/[a-z0-9._\/-]+)?:(?!latest$)[A-Za-z0-9_][A-Za-z0-9._-]*\d[A-Za-z0-9._-]*$/;
/** Images we build carry a tag variable that deploys set to a SHA or release; anything else must be an exact version. */
const BUILT_TAG = /:\$\{GITMESH_IMAGE_TAG:\?[^}]*\}$/;

export function parseCompose(text: string): Doc {
  return parse(text, { merge: true }) as Doc;
}

export interface ComposeRuleOptions {
  /** Services allowed to publish ports in this file (the edge proxy). */
  readonly publishers?: readonly string[];
  /** Monitoring files may publish on 127.0.0.1 only. */
  readonly loopbackPortsOnly?: boolean;
  /** Services allowed to wait for dependencies to start rather than be healthy (the edge serves 502s while apps warm up). */
  readonly startedOnly?: readonly string[];
}

export function composeRuleProblems(doc: Doc, options: ComposeRuleOptions = {}): string[] {
  const problems: string[] = [];
  const services = (doc.services ?? {}) as Record<string, Doc>;
  const volumes = Object.keys(doc.volumes ?? {});
  const networks = (doc.networks ?? {}) as Record<string, Doc>;
  if (networks.data && networks.data.internal !== true) problems.push('network data must be internal: true');
  for (const [name, svc] of Object.entries(services)) {
    const where = `service ${name}`;
    if (!svc.image) problems.push(`${where}: no image`);
    else if (!PINNED.test(svc.image) && !BUILT_TAG.test(svc.image)) problems.push(`${where}: image ${svc.image} is not pinned to an exact version`);
    const hc = svc.healthcheck;
    if (!hc || !Array.isArray(hc.test) || hc.test.length < 2 || hc.disable) problems.push(`${where}: no healthcheck`);
    else for (const key of ['interval', 'timeout', 'retries', 'start_period']) if (hc[key] === undefined) problems.push(`${where}: healthcheck without ${key}`);
    const res = svc.deploy?.resources;
    for (const kind of ['limits', 'reservations']) {
      if (!res?.[kind]?.cpus || !res?.[kind]?.memory) problems.push(`${where}: no CPU/memory ${kind}`);
    }
    if (!['unless-stopped', 'no'].includes(svc.restart)) problems.push(`${where}: restart must be unless-stopped (or "no" for one-shot jobs)`);
    if (svc.restart === 'no' && !ONE_SHOT_JOBS.has(name)) problems.push(`${where}: only one-shot jobs may have restart "no"`);
    const opts = svc.logging?.options ?? {};
    if (!opts['max-size'] || !opts['max-file']) problems.push(`${where}: no log rotation`);
    if (!(svc.security_opt ?? []).includes('no-new-privileges:true')) problems.push(`${where}: no no-new-privileges`);
    if (JSON.stringify(svc.cap_drop) !== '["ALL"]') problems.push(`${where}: cap_drop must be [ALL]`);
    for (const cap of svc.cap_add ?? []) if (!['IPC_LOCK', 'NET_BIND_SERVICE', 'CHOWN', 'SETUID', 'SETGID', 'DAC_OVERRIDE', 'SYS_PTRACE'].includes(cap)) problems.push(`${where}: unexpected capability ${cap}`);
    for (const mount of svc.volumes ?? []) {
      if (typeof mount === 'string') {
        problems.push(`${where}: use long-syntax mounts (${mount})`);
        continue;
      }
      if (mount.type === 'bind' && mount.read_only !== true) problems.push(`${where}: bind mount ${mount.source} must be read-only`);
      if (mount.type === 'volume' && !volumes.includes(mount.source)) problems.push(`${where}: volume ${mount.source} is not a declared named volume`);
    }
    for (const [dep, spec] of Object.entries((svc.depends_on ?? {}) as Record<string, Doc>)) {
      const allowed = ['service_healthy', 'service_completed_successfully', ...((options.startedOnly ?? []).includes(name) ? ['service_started'] : [])];
      if (!allowed.includes(spec?.condition)) problems.push(`${where}: depends_on ${dep} must wait for health (or completion)`);
    }
    for (const port of svc.ports ?? []) {
      const text = typeof port === 'string' ? port : JSON.stringify(port);
      if (options.loopbackPortsOnly ? !text.startsWith('127.0.0.1:') : !(options.publishers ?? []).includes(name)) problems.push(`${where}: must not publish port ${text}`);
    }
    const env = (svc.environment ?? {}) as Record<string, string>;
    for (const [key, value] of Object.entries(env)) {
      if (/PASSWORD|SECRET|TOKEN|_KEY$/.test(key) && !/_FILE$/.test(key) && !/^(elasticmq|)$/.test(String(value)) && !String(value).startsWith('${')) problems.push(`${where}: ${key} looks like a secret in plain environment; use a *_FILE secret`);
    }
    const nets = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks ?? {});
    if (nets.length === 0) problems.push(`${where}: joins no network`);
  }
  return problems;
}

/** Dockerfile rules from the checklist. `healthTool` is the binary the final image must contain for its HEALTHCHECK. */
export function dockerfileRuleProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const froms = lines.filter((l) => /^FROM\s/i.test(l));
  for (const from of froms) {
    const image = from.split(/\s+/)[1] ?? '';
    if (!/:[^:]*\d/.test(image) || /:latest$/.test(image)) problems.push(`base image ${image} is not pinned to an exact version`);
  }
  const final = stages.at(-1) ?? [];
  const isJob = final.some((l) => /^ENTRYPOINT \["flyway"\]/.test(l));
  if (stages.length < 2 && !isJob) problems.push('not a multi-stage build');
  // The effective user is the last USER (images may switch to root to install, then drop).
  const userIndex = final.map((l) => /^USER\s/.test(l)).lastIndexOf(true);
  const cmdIndex = final.findIndex((l) => /^(CMD|ENTRYPOINT)\s/.test(l));
  if (userIndex < 0) problems.push('final stage has no USER');
  else {
    const user = final[userIndex]!.split(/\s+/)[1] ?? '';
    if (!/^[1-9]\d*(:\d+)?$/.test(user)) problems.push(`USER ${user} must be a fixed non-root numeric UID[:GID]`);
  }
  if (cmdIndex < 0 || userIndex > cmdIndex) problems.push('USER must come before CMD');
  const copies = final.filter((l) => /^COPY\s/.test(l));
  if (copies.length === 0 || copies.some((l) => !/--chown=\d+:\d+/.test(l))) problems.push('every COPY in the final stage must use --chown with a fixed UID:GID');
  const health = final.find((l) => /^HEALTHCHECK\s/.test(l));
  if (!health || /HEALTHCHECK\s+NONE/.test(health)) problems.push('no HEALTHCHECK');
  else {
    const tool = /CMD \["([^"]+)"/.exec(health)?.[1];
    const base = final[0]!.split(/\s+/)[1] ?? '';
    const available: Record<string, RegExp> = { node: /^node:/, python: /^python:/, wget: /alpine/, pgrep: /alpine/, flyway: /^flyway\//, 'pg_isready': /^postgres:/ };
    if (!tool || !available[tool]?.test(base)) problems.push(`HEALTHCHECK tool ${tool} is not known to exist in ${base}`);
    if (tool === 'node' && final.some((l) => /rm -rf.*\/usr\/local\/bin\/node\b/.test(l))) problems.push('HEALTHCHECK uses node but the final stage removes it');
  }
  const buildTools = /\b(g\+\+|gcc|make|build-base|build-essential|python3-dev|libpq-dev)\b/;
  for (const line of final) if (/^RUN\s/.test(line) && /(apk add|apt-get install)/.test(line) && buildTools.test(line)) problems.push(`build tools installed in the final stage: ${line}`);
  const expose = final.some((l) => /^EXPOSE\s/.test(l));
  const healthPort = /127\.0\.0\.1:(\d+)|connect\((\d+)/.exec(health ?? '');
  if (healthPort && !expose) problems.push('serves a port but does not EXPOSE it');
  // Layer caching: every dependency install follows a COPY of manifests only (package.json, lockfiles,
  // requirements, setup.py), so source edits do not invalidate the dependency layers.
  const build = stages[0] ?? [];
  const manifestOnly = (copy: string): boolean =>
    copy
      .split(/\s+/)
      .slice(1, -1)
      .filter((arg) => !arg.startsWith('--'))
      .every((src) => /(package\.json|package-lock\.json|pnpm-lock\.yaml|pnpm-workspace\.yaml|requirements[^/]*\.txt|setup\.py)$/.test(src));
  build.forEach((line, index) => {
    if (!/(pnpm install|npm ci|pip install)/.test(line)) return;
    // Re-installing local packages from their sources without dependencies downloads nothing.
    if (/pip install --no-deps\b/.test(line) && !/-r\s/.test(line)) return;
    const copy = build.slice(0, index).reverse().find((l) => /^COPY\s/.test(l));
    if (!copy || !manifestOnly(copy)) problems.push(`"${line}" does not follow a manifest-only COPY (layer caching)`);
  });
  const lastInstall = build.map((l) => /(pnpm install|npm ci|pip install)/.test(l)).lastIndexOf(true);
  if (lastInstall >= 0 && !build.slice(lastInstall).some((l) => /^COPY\s/.test(l))) problems.push('sources are not copied after the dependency install');
  return problems;
}
