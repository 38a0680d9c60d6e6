/**
 * Feature configuration: the settings GitMesh CE reads for its optional integrations, sign-in
 * providers, email, reports, billing and storage. Each group has one documented place in the
 * generated repo: non-secret values are `.env` keys (compose passes them to the services that read
 * them), credentials are secret files under `secrets/` passed as `<VAR>_FILE` (config/env-from-files.sh
 * exports `<VAR>` from the file at start).
 *
 * Every variable name comes from upstream's own declaration, cited as `path:line` of the pinned tree
 * (test/rehearsal-env.test.ts checks each citation and that each service reads what it is given).
 * An empty value means "feature off": node-config ignores empty variables (config@3 lib/config.js,
 * `vars[value] !== ''`), and upstream's direct reads treat '' as unset.
 */

export type FeatureId = 'github' | 'google' | 'slack' | 'twitter' | 'discord' | 'email' | 'nango' | 'cubejs' | 's3' | 'stripe' | 'signals';

export interface FeatureVariable {
  readonly name: string;
  /** Credentials go to secrets/<lowercase name>, never to .env. */
  readonly secret: boolean;
  /**
   * Value used when a selected service needs the variable non-empty to start (.env.example for
   * settings, the secret file for credentials): the service starts, the feature fails until it is set.
   * A required variable without one (DISCORD_TOKEN: discord-ws logs in with it at start) must be
   * supplied before the stack starts: `make secrets` stops until it is.
   */
  readonly placeholder?: string;
}

export interface FeatureGroup {
  readonly id: FeatureId;
  readonly title: string;
  /** Upstream's declaration of the group (backend/config/custom-environment-variables.json unless noted). */
  readonly source: string;
  /** Text on that line, so a moved declaration fails the citation check. */
  readonly shows: string;
  readonly variables: readonly FeatureVariable[];
}

const v = (name: string, placeholder?: string): FeatureVariable => ({ name, secret: false, ...(placeholder !== undefined ? { placeholder } : {}) });
const s = (name: string, placeholder?: string): FeatureVariable => ({ name, secret: true, ...(placeholder !== undefined ? { placeholder } : {}) });

const CEV = 'backend/config/custom-environment-variables.json';

export const FEATURE_GROUPS: Readonly<Record<FeatureId, FeatureGroup>> = {
  github: {
    id: 'github',
    title: 'GitHub integration and sign-in (GitHub App)',
    source: `${CEV}:135`,
    shows: 'GITHUB_APP_ID',
    variables: [v('GITHUB_APP_ID'), v('GITHUB_CLIENT_ID'), v('GITHUB_CALLBACK_URL'), v('GITHUB_IS_COMMIT_DATA_ENABLED'), s('GITHUB_CLIENT_SECRET'), s('GITHUB_PRIVATE_KEY'), s('GITHUB_WEBHOOK_SECRET')],
  },
  google: {
    id: 'google',
    title: 'Google sign-in (OAuth client)',
    source: `${CEV}:126`,
    shows: 'GOOGLE_CLIENT_ID',
    variables: [v('GOOGLE_CLIENT_ID'), v('GOOGLE_CALLBACK_URL'), s('GOOGLE_CLIENT_SECRET')],
  },
  slack: {
    id: 'slack',
    title: 'Slack integration (Slack app)',
    source: `${CEV}:112`,
    shows: 'SLACK_CLIENT_ID',
    variables: [v('SLACK_CLIENT_ID'), v('SLACK_REDIRECT_URL'), s('SLACK_CLIENT_SECRET')],
  },
  twitter: {
    id: 'twitter',
    title: 'Twitter/X integration',
    source: `${CEV}:107`,
    shows: 'TWITTER_CLIENT_ID',
    variables: [v('TWITTER_CLIENT_ID'), v('TWITTER_CALLBACK_URL'), s('TWITTER_CLIENT_SECRET')],
  },
  discord: {
    id: 'discord',
    title: 'Discord integration (bot token)',
    source: `${CEV}:131`,
    shows: 'DISCORD_TOKEN',
    variables: [s('DISCORD_TOKEN')],
  },
  email: {
    id: 'email',
    title: 'Email through Brevo (verification, invitations, password reset, digests)',
    source: `${CEV}:86`,
    shows: 'BREVO_API_KEY',
    variables: [
      v('BREVO_EMAIL_FROM', 'noreply@example.invalid'),
      v('BREVO_NAME_FROM', 'GitMesh'),
      v('BREVO_TEMPLATE_EMAIL_ADDRESS_VERIFICATION'),
      v('BREVO_TEMPLATE_INVITATION'),
      v('BREVO_TEMPLATE_PASSWORD_RESET'),
      // Brevo template ids are numbers (emails_worker parses them with parseInt); 0 is "not set up".
      v('BREVO_TEMPLATE_WEEKLY_ANALYTICS', '0'),
      v('BREVO_TEMPLATE_INTEGRATION_DONE'),
      v('BREVO_TEMPLATE_CSV_EXPORT'),
      v('BREVO_TEMPLATE_SIGNALS_DIGEST', '0'),
      s('BREVO_API_KEY', 'placeholder-set-the-brevo-api-key'),
      s('BREVO_WEBHOOK_SECRET'),
    ],
  },
  nango: {
    id: 'nango',
    title: 'Nango (OAuth broker for Reddit, LinkedIn, HubSpot, ...)',
    source: `${CEV}:150`,
    shows: 'NANGO_URL',
    variables: [v('NANGO_URL'), s('NANGO_SECRET_KEY')],
  },
  cubejs: {
    id: 'cubejs',
    title: 'Cube.js analytics (reports, weekly analytics emails)',
    source: `${CEV}:63`,
    shows: 'CUBEJS_URL',
    // backend/.env.dist.local:72 ships CUBEJS_JWT_EXPIRY=2h.
    variables: [v('CUBEJS_URL', 'https://cubejs.example.invalid/cubejs-api/v1'), v('CUBEJS_JWT_EXPIRY', '2h'), s('CUBEJS_JWT_SECRET', 'placeholder-set-the-cubejs-jwt-secret')],
  },
  s3: {
    id: 's3',
    title: 'S3 object storage (integration assets, CSV exports, email assets)',
    source: `${CEV}:36`,
    shows: 'S3_HOST',
    variables: [v('S3_HOST'), v('S3_PORT'), v('S3_INTEGRATION_ASSETS_BUCKET'), v('S3_MICROSERVICES_ASSETS_BUCKET'), v('S3_AWS_REGION'), v('S3_AWS_ACCESS_KEY_ID'), s('S3_AWS_SECRET_ACCESS_KEY')],
  },
  stripe: {
    id: 'stripe',
    title: 'Stripe billing (plans, checkout webhooks)',
    source: `${CEV}:99`,
    shows: 'STRIPE_PRICE_PREMIUM',
    variables: [v('STRIPE_PRICE_PREMIUM'), v('STRIPE_PRICE_ENTERPRISE'), v('STRIPE_SIGNALS_PLAN_PRODUCT_ID'), v('STRIPE_GROWTH_PLAN_PRODUCT_ID'), s('STRIPE_SECRET_KEY'), s('STRIPE_WEBHOOK_SIGNING_SECRET')],
  },
  signals: {
    id: 'signals',
    title: 'Signals (external signals API for the digest emails)',
    source: `${CEV}:161`,
    shows: 'SIGNALS_URL',
    variables: [v('SIGNALS_URL', 'https://signals.example.invalid'), s('SIGNALS_API_KEY', 'placeholder-set-the-signals-api-key')],
  },
};

export const FEATURE_IDS = Object.keys(FEATURE_GROUPS) as FeatureId[];

/** Which variables of which groups a service reads: every variable of the group, or the listed ones. */
export type FeatureUse = Readonly<Partial<Record<FeatureId, 'all' | readonly string[]>>>;

/** The variables of `use`, in group order. */
export function featureVariables(use: FeatureUse): { group: FeatureGroup; variable: FeatureVariable }[] {
  const out: { group: FeatureGroup; variable: FeatureVariable }[] = [];
  for (const id of FEATURE_IDS) {
    const pick = use[id];
    if (!pick) continue;
    const group = FEATURE_GROUPS[id];
    for (const variable of group.variables) if (pick === 'all' || pick.includes(variable.name)) out.push({ group, variable });
    if (pick !== 'all') for (const name of pick) if (!group.variables.some((x) => x.name === name)) throw new Error(`feature ${id} has no variable ${name}`);
  }
  return out;
}

/** secrets/<name> of a credential. */
export const featureSecretName = (variable: string): string => variable.toLowerCase();
