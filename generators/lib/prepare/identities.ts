/**
 * One identity per role (issue 18): the PostgreSQL roles and Redis ACL users of the stack, their secret
 * files, and what each may do. Everything here is data: the compose services pick a user and a secret from
 * it, the role setup script (config/postgres/roles.sh) and `make secrets` (the Redis ACL file) render it.
 *
 * Paths cited are relative to the pinned GitMesh CE tree (see /work/shared/upstream).
 */
import type { Secret } from '../model.js';

/** The PostgreSQL roles of a stack-managed database. */
export const PG_ROLES = {
  /**
   * The bootstrap superuser (POSTGRES_USER of the image, so an existing data directory keeps it). Only the
   * postgres server and the role setup jobs use it; no application connects with it.
   */
  superuser: 'gitmesh',
  /** Owns the schemas and every object in them; Flyway runs as it. No SUPERUSER, CREATEROLE or CREATEDB. */
  owner: 'gitmesh_owner',
  /** API, job-generator, Node workers and services: DML on every table, the sequences, and the five refreshed views. */
  app: 'gitmesh_app',
  /**
   * The Python worker: SELECT only. Its engine is read-only (`postgresql_readonly`,
   * backend/src/serverless/microservices/python/gitmesh-backend/gitmesh/backend/repository/repository.py:63)
   * and it writes through SQS (members_controller.py:33-44).
   */
  readonly: 'gitmesh_readonly',
  /**
   * NOLOGIN owner of the materialized views upstream refreshes at runtime: PostgreSQL 15 lets only the owner
   * (or a member of the owning role) REFRESH, and a SECURITY DEFINER function cannot help because upstream
   * issues the literal statement. The app and the migrator (whose repeatable migrations drop and recreate
   * them) are members; the role owns nothing else and has SELECT on the tables the views read.
   */
  refresher: 'gitmesh_mv_owner',
  /** postgres_exporter: pg_monitor and CONNECT, nothing else. */
  monitor: 'gitmesh_monitor',
  /** Temporal server and its schema job: owns the two Temporal databases, cannot connect to GitMesh's. */
  temporal: 'gitmesh_temporal',
  /** Backup and replication role of issue 16 (its concern creates it); here it only gets CONNECT when it exists. */
  backup: 'gitmesh_backup',
} as const;

/**
 * Materialized views upstream refreshes at runtime, each with the code that does it (REFRESH ... CONCURRENTLY):
 * - the four cube views: backend/src/bin/jobs/refreshMaterializedViewsForCube.ts:19-24,56 (job-generator, cron
 *   line 12) and backend/src/services/materializedViewService.ts:18,30,51 (API,
 *   backend/src/api/organization/organizationRefreshCounts.ts:11-12);
 * - memberActivityAggregatesMVs: backend/src/bin/jobs/refreshMaterializedViews.ts:19-21 (job-generator).
 * They are created by the repeatable migrations R__cubejs-materialized-views.sql and
 * R__memberActivityAggregatesMVs.sql, so the grants step re-assigns them after every migration.
 */
export const REFRESHED_VIEWS = ['mv_members_cube', 'mv_activities_cube', 'mv_organizations_cube', 'mv_segments_cube', 'memberActivityAggregatesMVs'] as const;

/** The secret file of each login role (the superuser keeps `postgres_password`, its name since the first release). */
export const PG_SECRETS = {
  superuser: 'postgres_password',
  owner: 'postgres_owner_password',
  app: 'postgres_app_password',
  readonly: 'postgres_readonly_password',
  monitor: 'postgres_monitor_password',
  temporal: 'postgres_temporal_password',
} as const;

/** The one-shot jobs that create the roles (before Flyway) and grant on what the migrations created (after it). */
export const PG_SETUP_JOBS = { roles: 'postgres-roles', grants: 'postgres-grants' } as const;

/** Secrets of a stack-managed PostgreSQL's roles (hex: safe in URLs, DSNs and psql variables). */
export function postgresRoleSecrets(temporal: boolean): Secret[] {
  const random = { kind: 'random', bytes: 32 } as const;
  return [
    { name: PG_SECRETS.owner, description: `PostgreSQL password of ${PG_ROLES.owner} (schema owner; Flyway migrations)`, source: random },
    { name: PG_SECRETS.app, description: `PostgreSQL password of ${PG_ROLES.app} (API, workers: DML, no DDL)`, source: random },
    { name: PG_SECRETS.readonly, description: `PostgreSQL password of ${PG_ROLES.readonly} (Python worker: SELECT only)`, source: random },
    { name: PG_SECRETS.monitor, description: `PostgreSQL password of ${PG_ROLES.monitor} (postgres_exporter: pg_monitor)`, source: random },
    ...(temporal ? [{ name: PG_SECRETS.temporal, description: `PostgreSQL password of ${PG_ROLES.temporal} (Temporal: its two databases only)`, source: random }] : []),
  ];
}

/** A Redis ACL user: its name, the secret holding its password, and its rules after `on #<sha256>`. */
export interface RedisUser {
  readonly name: string;
  readonly secret: string;
  readonly rules: string;
  readonly why: string;
}

/**
 * Redis users per client class. Commands the app user needs, from the upstream client code
 * (services/libs/redis/src/*.ts, node-redis 4): GET/SET/SETEX/SETNX/DEL/INCRBY/DECRBY/EXPIRE, MULTI/EXEC
 * (cache.ts:31-99), HGET/HSET/HGETALL (cache.ts:89-99), KEYS (cache.ts:136;
 * backend/src/services/signalsCacheInvalidationService.ts:27; services/libs/deduplication/src/lshDetector.ts:68),
 * EVAL whose scripts call keys/del/mget/get (cache.ts:107-179, mutex.ts:41-47: Redis checks a script's calls
 * against the caller's ACL), PUBLISH/PSUBSCRIBE on `api-pubsub:*` (pubsub.ts:19,46,105; backend/src/api/index.ts:108-109).
 * FLUSHALL (client.ts:60) runs only in development and tests and is never called, so it is not granted.
 */
export const REDIS_USERS: readonly RedisUser[] = [
  {
    name: 'gitmesh_app',
    secret: 'redis_password',
    rules: 'resetchannels &api-pubsub:* resetkeys ~* -@all +ping +quit +get +set +setex +setnx +del +incrby +decrby +multi +exec +discard +expire +hget +hset +hgetall +keys +mget +eval +publish +psubscribe +punsubscribe +subscribe +unsubscribe',
    why: 'API, job-generator, Node workers and services (the commands upstream calls)',
  },
  {
    // redis_exporter's documented ACL (README.md:277 at v1.88.0) without CONFIG (REDIS_EXPORTER_CONFIG_COMMAND=-),
    // CLIENT (kill, pause) and the +@connection category; nothing that reads or writes a value but its own probes.
    name: 'monitor',
    secret: 'redis_monitor_password',
    rules: 'resetchannels resetkeys ~* -@all +ping +info +latency|latest +latency|histogram +slowlog|get +slowlog|len +memory|usage +strlen +pfcount +zcard +type +xlen +scard +llen +hlen +scan',
    why: 'redis_exporter: INFO and its probes',
  },
  {
    // The backup job: INFO server/keyspace and `redis-cli --rdb` (SYNC, REPLCONF): templates/scripts/backup.sh backup_redis.
    name: 'backup',
    secret: 'redis_backup_password',
    rules: 'resetchannels resetkeys -@all +ping +info +sync +replconf',
    why: 'the backup job: INFO and an RDB transfer',
  },
  {
    // For the operator only (`redis-cli --user admin`, password in secrets/redis_admin_password): no container mounts it.
    name: 'admin',
    secret: 'redis_admin_password',
    rules: 'resetchannels &* resetkeys ~* +@all',
    why: 'the operator (maintenance); no service uses it',
  },
];

/** The ACL file `make secrets` derives from the users' passwords; the default user is off. */
export const REDIS_ACL_SECRET = 'redis_users_acl';

/** A PostgreSQL identifier, double-quoted (database names such as gitmesh-web need it). */
export const sqlIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** What config/postgres/roles.sh renders from: the roles, their secret files, the databases and views. */
export function postgresRolesView(database: string, temporalDatabases: readonly string[]) {
  const logins: { role: string; secret: string; variable: string }[] = [
    { role: PG_ROLES.owner, secret: PG_SECRETS.owner, variable: 'owner_password' },
    { role: PG_ROLES.app, secret: PG_SECRETS.app, variable: 'app_password' },
    { role: PG_ROLES.readonly, secret: PG_SECRETS.readonly, variable: 'readonly_password' },
    { role: PG_ROLES.monitor, secret: PG_SECRETS.monitor, variable: 'monitor_password' },
    ...(temporalDatabases.length ? [{ role: PG_ROLES.temporal, secret: PG_SECRETS.temporal, variable: 'temporal_password' }] : []),
  ];
  return {
    ...PG_ROLES,
    database,
    databases: [database, ...temporalDatabases],
    temporalDatabases,
    logins,
    allRoles: [...logins.map((l) => l.role), PG_ROLES.refresher],
    refreshedViews: REFRESHED_VIEWS,
    ident: sqlIdent,
  };
}

/** The compose pieces a job needs; infra.ts passes its own defaults (sizes, networks, restart policy). */
export interface SetupJobParts {
  readonly image: string;
  readonly group: string;
  readonly temporal: boolean;
}

/**
 * The two one-shot jobs around Flyway: `postgres-roles` before it, `postgres-grants` after it. Both run
 * config/postgres/roles.sh as the superuser, from the postgres image (psql of the server's own version).
 */
export function postgresSetupJobs(parts: SetupJobParts) {
  const script = { type: 'bind', source: './config/postgres/roles.sh', target: '/usr/local/bin/gitmesh-roles.sh', readOnly: true } as const;
  const env: [string, string][] = [
    ['PGHOST', 'postgres'],
    ['PGPORT', '5432'],
    ['PGUSER', PG_ROLES.superuser],
    ['PGPASSWORD_FILE', `/run/secrets/${PG_SECRETS.superuser}`],
  ];
  const roleSecrets = postgresRoleSecrets(parts.temporal).map((s) => s.name);
  const job = (name: string, phase: 'roles' | 'grants', description: string, secrets: string[]) => ({
    name,
    description,
    tier: 'ops' as const,
    role: 'one-shot-job' as const,
    image: parts.image,
    user: `10001:${parts.group}`,
    command: ['/bin/sh', script.target, phase],
    environment: env,
    secrets,
    mounts: [script],
    restart: 'no' as const,
  });
  return {
    roles: job(PG_SETUP_JOBS.roles, 'roles', 'One-shot job: creates and updates the PostgreSQL roles, their passwords and default privileges before Flyway runs', [PG_SECRETS.superuser, ...roleSecrets]),
    grants: job(PG_SETUP_JOBS.grants, 'grants', 'One-shot job: grants the app roles their rights on what the migrations created, and hands the refreshed views to their role', [PG_SECRETS.superuser]),
  };
}

/**
 * The PostgreSQL login and secret of an app service: the Python worker reads only, everything else is the
 * app role. An external database keeps the operator's one role (`postgres_password`).
 */
export function appPostgresIdentity(workspace: string, managed: boolean, fallbackUser: string): { user: string; secret: string } {
  if (!managed) return { user: fallbackUser, secret: PG_SECRETS.superuser };
  return workspace === 'python' ? { user: PG_ROLES.readonly, secret: PG_SECRETS.readonly } : { user: PG_ROLES.app, secret: PG_SECRETS.app };
}

/** The Redis user of the app services (REDIS_USERNAME, services/libs/redis/src/client.ts:20-22); `default` on an external Redis. */
export const appRedisUser = (managed: boolean): string => (managed ? REDIS_USERS[0].name : 'default');

/**
 * Internal hops that stay plaintext, each with the upstream code that decides it (pinned tree), for
 * docs/architecture.md. What limits every one of them: the `data` network is internal (no route in or out)
 * and only the services that need a store join it.
 */
export const PLAINTEXT_HOPS: readonly { readonly hop: string; readonly why: string }[] = [
  { hop: 'apps → Redis', why: 'node-redis is built from a hard-coded `redis://` URL with no `socket.tls` (services/libs/redis/src/client.ts:20-22, :77-80); only the ACL user and password protect it' },
  { hop: 'apps → ElasticMQ (SQS)', why: 'the SQS endpoint is `http://${host}:${port}` (services/libs/sqs/src/client.ts:34); ElasticMQ has no authentication or TLS, so any key signs' },
  { hop: 'apps → Kafka', why: '`new Kafka({ clientId, brokers })` with no ssl or sasl ("TODO: Handle SSL and SASL configuration", services/archetypes/standard/src/index.ts:75-83)' },
  { hop: 'apps → Temporal', why: 'TLS only as mTLS with TEMPORAL_CERTIFICATE and TEMPORAL_PRIVATE_KEY, with no server CA or server name (services/libs/temporal/src/index.ts:14-25, services/archetypes/worker/src/index.ts:111-121); not verified against a private CA, so not enabled' },
  { hop: 'apps → OpenSearch', why: 'the client would take `https://user:password@…` in OPENSEARCH_NODE (services/libs/opensearch/src/client.ts:5-26) with NODE_EXTRA_CA_CERTS, but this stack runs OpenSearch without its security plugin (not installable here to rehearse it); search_sync also needs cluster settings rights at start (services/libs/opensearch/src/service/opensearch.service.ts:258-263)' },
  { hop: 'apps, Flyway, Temporal, exporter, backup → PostgreSQL', why: 'not yet TLS in this stack: every client can do it (pg reads PGSSLMODE, pg@8.16.3 lib/connection-parameters.js:21-34, with NODE_EXTRA_CA_CERTS for the CA; libpq, pgjdbc and Temporal take their own settings); the server certificate from an internal CA is the next step. Passwords use SCRAM-SHA-256, so none crosses the wire' },
];

/** What docs/architecture.md's "Identities" section lists for this deployment. */
export function identitiesDoc(model: { readonly data: { readonly postgres: boolean; readonly redis: boolean; readonly temporal: boolean } }) {
  const pg = model.data.postgres
    ? [
        { role: PG_ROLES.superuser, secret: PG_SECRETS.superuser, who: 'the postgres server and the postgres-roles / postgres-grants jobs (and the backup job until issue 16 gives it its own role)', rights: 'superuser (bootstrap role)' },
        { role: PG_ROLES.owner, secret: PG_SECRETS.owner, who: 'migrate (Flyway)', rights: 'owns the database, its schemas and objects; no SUPERUSER, CREATEROLE or CREATEDB' },
        { role: PG_ROLES.app, secret: PG_SECRETS.app, who: 'API, job-generator, Node workers and services', rights: 'SELECT/INSERT/UPDATE/DELETE on every table, sequences; member of gitmesh_mv_owner' },
        { role: PG_ROLES.readonly, secret: PG_SECRETS.readonly, who: 'python-worker', rights: 'SELECT only' },
        { role: PG_ROLES.refresher, secret: '—', who: 'nobody logs in as it', rights: `owns ${REFRESHED_VIEWS.map((v) => `\`${v}\``).join(', ')} (REFRESH needs ownership on PostgreSQL 15), SELECT on the tables` },
        { role: PG_ROLES.monitor, secret: PG_SECRETS.monitor, who: 'postgres-exporter', rights: 'pg_monitor and CONNECT; no table' },
        ...(model.data.temporal ? [{ role: PG_ROLES.temporal, secret: PG_SECRETS.temporal, who: 'temporal, temporal-schema', rights: 'owns the temporal and temporal_visibility databases; no CONNECT to GitMesh\'s' }] : []),
      ]
    : [];
  // A `|` inside a Markdown table cell must be escaped.
  const redis = model.data.redis ? REDIS_USERS.map((u) => ({ user: u.name, secret: u.secret, who: u.why, rules: u.rules.replace(/\|/g, '\\|') })) : [];
  return { pg, redis, plaintext: PLAINTEXT_HOPS };
}
