/**
 * Every third-party GitHub Action and CI tool image the generated workflows use, pinned in one place.
 *
 * Actions are pinned to the full 40-character commit SHA of a published release; the version goes in a
 * trailing `# vX.Y.Z` comment, which is the format Dependabot reads and rewrites when it proposes a bump
 * in the generated repo. Bump a pin here to change what newly generated repos get.
 *
 * Each SHA below was checked against several independent public workflows and runner logs
 * ("Download action repository '<action>@<tag>' (SHA:<sha>)") that resolve the same tag to the same commit.
 */

export interface PinnedAction {
  /** `owner/repo` or `owner/repo/path`. */
  readonly uses: string;
  readonly sha: string;
  readonly version: string;
}

export const CI_ACTIONS = {
  checkout: { uses: 'actions/checkout', sha: '11bd71901bbe5b1630ceea73d27597364c9af683', version: 'v4.2.2' },
  setupNode: { uses: 'actions/setup-node', sha: '49933ea5288caeca8642d1e84afbd3f7d6820020', version: 'v4.4.0' },
  setupPython: { uses: 'actions/setup-python', sha: 'a26af69be951a213d495a4c3e4e4022e16d87065', version: 'v5.6.0' },
  pnpm: { uses: 'pnpm/action-setup', sha: 'a7487c7e89a18df4991f7f222e4898a00d66ddda', version: 'v4.1.0' },
  setupBuildx: { uses: 'docker/setup-buildx-action', sha: 'e468171a9de216ec08956ac3ada2f0791b6bd435', version: 'v3.11.1' },
  login: { uses: 'docker/login-action', sha: '74a5d142397b4f367a81961eba4e8cd7edddf772', version: 'v3.4.0' },
  metadata: { uses: 'docker/metadata-action', sha: '902fa8ec7d6ecbf8d84d538b9b233a880e428804', version: 'v5.7.0' },
  buildPush: { uses: 'docker/build-push-action', sha: '263435318d21b8e681c14492fe198d362a7d2c83', version: 'v6.18.0' },
  trivy: { uses: 'aquasecurity/trivy-action', sha: 'ed142fd0673e97e23eac54620cfb913e5ce36c25', version: 'v0.36.0' },
  uploadSarif: { uses: 'github/codeql-action/upload-sarif', sha: '5d4e8d1aca955e8d8589aabd499c5cae939e33c7', version: 'v4.31.9' },
} as const satisfies Record<string, PinnedAction>;

export type ActionName = keyof typeof CI_ACTIONS;

/** The `uses:` value: `owner/repo@<sha> # vX.Y.Z`. */
export function pinned(name: ActionName): string {
  const action: PinnedAction = CI_ACTIONS[name];
  return `${action.uses}@${action.sha} # ${action.version}`;
}

/**
 * Linters the lint job runs as containers (no install step, same version on every runner).
 * Exact tags; the upstream projects publish these as immutable release tags.
 */
export const CI_TOOL_IMAGES = {
  hadolint: 'hadolint/hadolint:v2.12.0',
  shellcheck: 'koalaman/shellcheck:v0.10.0',
  /** The image bundles shellcheck, so `run:` scripts are checked too. */
  actionlint: 'rhysd/actionlint:1.7.7',
} as const;

/** GitHub-hosted runner image every job uses: a fixed Ubuntu release rather than `ubuntu-latest`. */
export const CI_RUNNER = 'ubuntu-24.04';
