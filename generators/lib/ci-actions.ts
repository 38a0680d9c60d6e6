/**
 * Every third-party GitHub Action and CI tool image the generated workflows use, pinned in one place.
 *
 * Actions are pinned to the full 40-character commit SHA of a published release; the version goes in a
 * trailing `# vX.Y.Z` comment, which is the format Dependabot reads and rewrites when it proposes a bump
 * in the generated repo. Bump a pin here to change what newly generated repos get.
 *
 * Every action runs on the node24 runtime (GitHub forced JavaScript actions onto Node 24 on 2026-06-02 and
 * removed Node 20 from its runners on 2026-09-16: github.blog changelog 2025-09-19). Each SHA was confirmed
 * against its tag in a snapshot of the action's own repository: `git rev-list -n1 <tag>` (annotated tags
 * peeled to their commit) and `git show <tag>:action.yml` for `runs.using`; `confirmed` records the snapshot.
 * pnpm/action-setup is not used: no snapshot of its repository confirmed a SHA for a node24 release, so the
 * test job installs the pinned pnpm with npm from the Node.js it just set up.
 */

import type { Pin } from './versions.js';

export interface PinnedAction {
  /** `owner/repo` or `owner/repo/path`. */
  readonly uses: string;
  readonly sha: string;
  readonly version: string;
  /** Where the SHA ↔ tag pairing was confirmed, and the action's runtime there. */
  readonly confirmed: string;
}

const MIRROR = (snapshot: string, using: string): string => `repository snapshot of ${snapshot}: git rev-list -n1 <tag>; runs.using ${using}`;

export const CI_ACTIONS = {
  checkout: { uses: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1', confirmed: MIRROR('2026-07-20', 'node24') },
  setupNode: { uses: 'actions/setup-node', sha: '820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0', confirmed: MIRROR('2026-08-18', 'node24') },
  setupPython: { uses: 'actions/setup-python', sha: '5fda3b95a4ea91299a34e894583c3862153e4b97', version: 'v7.0.0', confirmed: MIRROR('2026-07-19', 'node24') },
  cache: { uses: 'actions/cache', sha: '27d5ce7f107fe9357f9df03efb73ab90386fccae', version: 'v5.0.5', confirmed: MIRROR('2026-04-13', 'node24') },
  setupBuildx: { uses: 'docker/setup-buildx-action', sha: '37fe631027851001ddb9b187196cc803df7f5f0e', version: 'v4.3.0', confirmed: MIRROR('2026-08-17', 'node24') },
  // v4.2.0 exists (2026-06), but no snapshot holds its SHA: v4.1.0 is the newest confirmed.
  login: { uses: 'docker/login-action', sha: '4907a6ddec9925e35a0a9e82d7399ccc52663121', version: 'v4.1.0', confirmed: MIRROR('2026-04-27', 'node24') },
  metadata: { uses: 'docker/metadata-action', sha: 'dc802804100637a589fabce1cb79ff13a1411302', version: 'v6.2.0', confirmed: MIRROR('2026-07-02', 'node24') },
  buildPush: { uses: 'docker/build-push-action', sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', version: 'v7.3.0', confirmed: MIRROR('2026-07-09', 'node24') },
  // The newest tag (a signed annotated tag), cut after the March 2026 tag hijack; a composite action that
  // installs Trivy through aquasecurity/setup-trivy pinned by SHA. The Trivy binary is pinned in TRIVY_VERSION.
  trivy: { uses: 'aquasecurity/trivy-action', sha: 'ed142fd0673e97e23eac54620cfb913e5ce36c25', version: 'v0.36.0', confirmed: MIRROR('2026-06-30', 'composite') },
  // v4.37.x exists (2026-08), but no snapshot holds its SHA: v4.36.2 is the newest confirmed.
  uploadSarif: { uses: 'github/codeql-action/upload-sarif', sha: '8aad20d150bbac5944a9f9d289da16a4b0d87c1e', version: 'v4.36.2', confirmed: MIRROR('2026-06-13', 'node24 (upload-sarif/action.yml)') },
  // Installs cosign (v3.0.6 by default) to sign each pushed digest keyless with the job's GitHub OIDC token.
  cosignInstaller: { uses: 'sigstore/cosign-installer', sha: '6f9f17788090df1f26f669e9d70d6ae9567deba6', version: 'v4.1.2', confirmed: MIRROR('2026-05-07', 'composite') },
} as const satisfies Record<string, PinnedAction>;

/**
 * The Trivy binary trivy-action installs (its `version` input; v0.36.0 would default to v0.70.0). v0.72.0 is the
 * release trivy-action's main branch moved to on 2026-06-30 (commit df678db). Never v0.69.4-v0.69.6: the
 * malicious releases of the 2026-03-19 attack (GHSA-69fq-xp46-6x23). Dependabot does not bump `with:` inputs:
 * bump this by hand.
 */
export const TRIVY_VERSION = 'v0.72.0';

export type ActionName = keyof typeof CI_ACTIONS;

/** The `uses:` value: `owner/repo@<sha> # vX.Y.Z`. */
export function pinned(name: ActionName): string {
  const action: PinnedAction = CI_ACTIONS[name];
  return `${action.uses}@${action.sha} # ${action.version}`;
}

/**
 * Linters the lint job runs as containers (no install step, same version on every runner), from
 * compose.tools.yaml so that Dependabot's docker-compose updates keep them current.
 */
export const CI_TOOL_PINS = {
  hadolint: { image: 'hadolint/hadolint:v2.15.1', line: 'hadolint 2.x', eol: null, policy: 'no LTS: only the newest release gets fixes', source: 'hadolint/hadolint tag v2.15.1 (2026-07-31); image tag in public pins' },
  shellcheck: { image: 'koalaman/shellcheck:v0.11.0', line: 'ShellCheck 0.11', eol: null, policy: 'no LTS: only the newest release gets fixes', source: 'koalaman/shellcheck tag v0.11.0 (2025-08-03); image tag in public pins' },
  /** The image bundles shellcheck, so `run:` scripts are checked too. */
  actionlint: { image: 'rhysd/actionlint:1.7.12', line: 'actionlint 1.7', eol: null, policy: 'no LTS: only the newest release gets fixes', source: 'rhysd/actionlint tag v1.7.12 (2026-03-31); image tag in public pins' },
} as const satisfies Record<string, Pin>;

export const CI_TOOL_IMAGES = Object.fromEntries(Object.entries(CI_TOOL_PINS).map(([name, pin]) => [name, pin.image])) as { readonly [K in keyof typeof CI_TOOL_PINS]: (typeof CI_TOOL_PINS)[K]['image'] };

/**
 * The compose file of the tool containers CI and `make monitoring-check` run (linters, promtool, amtool,
 * `alloy validate`, `nginx -t`, the test job's PostgreSQL and Redis). It sits beside compose.yaml, so
 * Dependabot's docker-compose ecosystem watches it and bumps a pin shared with compose.yaml in the same PR.
 */
export const TOOLS_COMPOSE_FILE = 'compose.tools.yaml';

/** Service names in compose.tools.yaml. */
export const TOOL = {
  hadolint: 'hadolint',
  shellcheck: 'shellcheck',
  actionlint: 'actionlint',
  nginx: 'nginx-check',
  promtool: 'promtool',
  amtool: 'amtool',
  alloy: 'alloy-validate',
  postgres: 'test-postgres',
  redis: 'test-redis',
} as const;

/** `docker compose -f compose.tools.yaml run --rm -T <tool>`: stdin passes through, no TTY. */
export const toolRun = (tool: (typeof TOOL)[keyof typeof TOOL]): string => `docker compose -f ${TOOLS_COMPOSE_FILE} run --rm -T ${tool}`;

/** GitHub-hosted runner image every job uses: a fixed Ubuntu release rather than `ubuntu-latest`. */
export const CI_RUNNER = 'ubuntu-24.04';
