/**
 * Data tier and one-shot jobs: PostgreSQL (+ streaming replica), Redis, OpenSearch, ElasticMQ, Kafka,
 * Temporal and the Flyway migration job. Each is pinned, health-checked, limited and on `data` only.
 */
import type { DataNeed } from '../catalog.js';
import type { ComposeService, CoreFacts, Mount, Secret, Volume } from '../model.js';
import { resourcesFor, type SizeClass, type SizeProfile } from '../sizing.js';
import { APP_GID, IMAGES } from '../versions.js';
import { ENV_FROM_FILES } from './app-services.js';
import { TEMPORAL_DATABASES } from './backup.js';
import { infraCheck } from './health.js';
import { PG_ROLES, PG_SECRETS, PG_SETUP_JOBS, postgresRoleSecrets, postgresSetupJobs, REDIS_ACL_SECRET, REDIS_USERS } from './identities.js';
import { DB_NAME, DB_USER, QUEUES, TEMPORAL_NAMESPACE } from './wiring.js';

export interface Infra {
  readonly services: ComposeService[];
  readonly volumes: Volume[];
  readonly secrets: Secret[];
  /** For each data need, the compose services an app must wait for. */
  readonly dependencies: Map<DataNeed, string[]>;
  readonly queues: { name: string; fifo: boolean }[];
}

const volume = (name: string, target: string): Mount => ({ type: 'volume', source: name, target, readOnly: false });
const config = (source: string, target: string): Mount => ({ type: 'bind', source, target, readOnly: true });

/** The one-shot Temporal jobs: schema before the server, namespace after it. */
export const TEMPORAL_JOBS = { schema: 'temporal-schema', namespace: 'temporal-namespace' } as const;

/** Services that run once and exit 0: dependants wait for `service_completed_successfully`. */
export const ONE_SHOT_JOBS: ReadonlySet<string> = new Set(['migrate', TEMPORAL_JOBS.schema, TEMPORAL_JOBS.namespace, PG_SETUP_JOBS.roles, PG_SETUP_JOBS.grants]);

/**
 * The schema job's script (`$$` is a literal `$` in a compose file). The versioned migrations ship in the
 * admin-tools image (docker/targets/admin-tools.Dockerfile: /etc/temporal/schema); SQL_* set the connection.
 */
function temporalSchemaScript(createDatabases: boolean): string {
  const steps = TEMPORAL_DATABASES.map((db, i) => {
    const dir = `/etc/temporal/schema/postgresql/v12/${i === 0 ? 'temporal' : 'visibility'}/versioned`;
    // A stack-managed PostgreSQL: the postgres-roles job creates the databases, owned by Temporal's role (no CREATEDB).
    return `${createDatabases ? `temporal-sql-tool --db ${db} create && ` : ''}temporal-sql-tool --db ${db} setup-schema -v 0.0 && temporal-sql-tool --db ${db} update-schema -d ${dir}`;
  });
  return `set -eu; ${steps.join(' && ')}`;
}

/** Registers the namespace unless it exists (an existing one keeps its retention), retrying while the frontend warms up. */
function temporalNamespaceScript(): string {
  return [
    'set -u',
    'for attempt in $$(seq 1 30); do',
    `  if temporal operator namespace describe -n ${TEMPORAL_NAMESPACE} >/dev/null 2>&1; then echo "namespace ${TEMPORAL_NAMESPACE} exists"; exit 0; fi`,
    `  if temporal operator namespace create -n ${TEMPORAL_NAMESPACE}; then exit 0; fi`,
    '  echo "attempt $$attempt: the frontend is not ready" >&2; sleep 5',
    'done',
    'exit 1',
  ].join('\n');
}

/** Defaults every data service shares; each builder overrides what differs. */
function dataService(profile: SizeProfile, size: SizeClass, service: Omit<ComposeService, 'file' | 'tier' | 'profiles' | 'resources' | 'ports' | 'replicas' | 'restart' | 'stopGracePeriod' | 'ulimits' | 'tmpfs' | 'capAdd' | 'readOnly' | 'dependsOn' | 'networks' | 'devPorts'> & Partial<ComposeService>): ComposeService {
  return {
    file: 'main',
    tier: 'data',
    profiles: [],
    ports: [],
    devPorts: [],
    replicas: 1,
    restart: 'unless-stopped',
    stopGracePeriod: '60s',
    ulimits: [],
    tmpfs: ['/tmp:size=64m'],
    capAdd: [],
    readOnly: true,
    dependsOn: [],
    networks: ['data'],
    resources: resourcesFor(profile, size),
    ...service,
  };
}

export function buildInfra(facts: CoreFacts): Infra {
  const { data, project } = facts;
  const profile = facts.settings.sizeProfile;
  const services: ComposeService[] = [];
  const volumes: Volume[] = [];
  const secrets: Secret[] = [];
  const dependencies = new Map<DataNeed, string[]>();
  const queues: { name: string; fifo: boolean }[] = [];
  const secretsGroup = String(APP_GID);

  secrets.push({ name: 'postgres_password', description: data.postgres ? `PostgreSQL password of the bootstrap superuser ${PG_ROLES.superuser} (the server and the role setup jobs only)` : 'Password of the external PostgreSQL role (paste it)', source: data.postgres ? { kind: 'random', bytes: 32 } : { kind: 'operator' } });
  if (data.postgres) {
    // One identity per role (issue 18): identities.ts.
    secrets.push(...postgresRoleSecrets(data.temporal));
    const pg = resourcesFor(profile, 'data');
    const sharedBuffers = Math.floor(pg.memoryMiB / 4);
    volumes.push({ name: 'postgres-data', description: 'PostgreSQL primary data directory' });
    services.push(
      dataService(profile, 'data', {
        name: 'postgres',
        description: `PostgreSQL primary (database ${DB_NAME})`,
        image: IMAGES.postgres,
        role: 'data-store',
        listens: [{ name: 'postgres', port: 5432 }],
        // Runs as the image's postgres user (uid 70) so the entrypoint needs no root; group 10001 reads the secrets.
        user: '70:70',
        command: [
          'postgres',
          '-c', `shared_buffers=${sharedBuffers}MB`,
          '-c', `effective_cache_size=${sharedBuffers * 2}MB`,
          '-c', 'max_connections=200',
          '-c', 'wal_level=replica',
          '-c', 'max_wal_senders=5',
          '-c', 'max_replication_slots=5',
          // Headroom for a standby that reconnects without its slot (and for pg_basebackup).
          '-c', 'wal_keep_size=512MB',
          // Bounds the WAL Barman's slot keeps while Barman is down: the server keeps running; past it the slot is
          // lost (alerted) and the next base backup starts a new recovery window (issue 16).
          '-c', 'max_slot_wal_keep_size=4GB',
          '-c', 'hot_standby=on',
          '-c', 'password_encryption=scram-sha-256',
          '-c', 'log_min_duration_statement=1000',
          '-c', 'hba_file=/etc/postgresql/pg_hba.conf',
        ],
        environment: [
          ['POSTGRES_USER', DB_USER],
          ['POSTGRES_DB', DB_NAME],
          ['POSTGRES_PASSWORD_FILE', '/run/secrets/postgres_password'],
          ['POSTGRES_INITDB_ARGS', '--auth-host=scram-sha-256 --data-checksums'],
          ['PGDATA', '/var/lib/postgresql/data/pgdata'],
          ...(data.postgresReplica ? ([['REPLICATION_PASSWORD_FILE', '/run/secrets/postgres_replication_password']] as [string, string][]) : []),
        ],
        secrets: ['postgres_password', ...(data.postgresReplica ? ['postgres_replication_password'] : [])],
        mounts: [
          volume('postgres-data', '/var/lib/postgresql/data'),
          config('./config/postgres/pg_hba.conf', '/etc/postgresql/pg_hba.conf'),
          ...(data.postgresReplica ? [config('./config/postgres/initdb/10-replication.sh', '/docker-entrypoint-initdb.d/10-replication.sh')] : []),
        ],
        tmpfs: ['/tmp:size=64m', '/var/run/postgresql:size=1m'],
        devPorts: ['127.0.0.1:5432:5432'],
        healthcheck: infraCheck(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', DB_USER, '-d', DB_NAME], 'PostgreSQL accepts connections to the GitMesh database', '60s'),
        shmSize: '256m',
        groupAdd: [secretsGroup],
      }),
    );
    const jobs = postgresSetupJobs({ image: IMAGES.postgres, group: secretsGroup, temporal: data.temporal });
    services.push(
      dataService(profile, 'tiny', { ...jobs.roles, dependsOn: [{ name: 'postgres', condition: 'service_healthy' }], healthcheck: infraCheck(['CMD', 'psql', '--version'], 'psql runs (the job exits when the roles are set)', '10s') }),
      dataService(profile, 'tiny', { ...jobs.grants, dependsOn: [{ name: 'migrate', condition: 'service_completed_successfully' }], healthcheck: infraCheck(['CMD', 'psql', '--version'], 'psql runs (the job exits when the grants are set)', '10s') }),
    );
    dependencies.set('postgres', ['postgres', 'migrate', PG_SETUP_JOBS.grants]);
    if (data.postgresReplica) {
      secrets.push({ name: 'postgres_replication_password', description: 'Password of the replicator role used for streaming replication', source: { kind: 'random', bytes: 32 } });
      volumes.push({ name: 'postgres-replica-data', description: 'PostgreSQL hot-standby data directory' });
      services.push(
        dataService(profile, 'data', {
          name: 'postgres-replica',
          description: 'PostgreSQL hot standby (streaming replication, serves DB_READ_HOST)',
          image: IMAGES.postgres,
          role: 'data-store',
          listens: [{ name: 'postgres', port: 5432 }],
          user: '70:70',
          entrypoint: ['/usr/local/bin/replica-entrypoint.sh'],
          command: ['postgres', '-c', 'hot_standby=on', '-c', 'hba_file=/etc/postgresql/pg_hba.conf', '-c', `shared_buffers=${sharedBuffers}MB`],
          environment: [
            ['PGDATA', '/var/lib/postgresql/data/pgdata'],
            ['PRIMARY_HOST', 'postgres'],
            ['REPLICATION_PASSWORD_FILE', '/run/secrets/postgres_replication_password'],
          ],
          secrets: ['postgres_replication_password'],
          mounts: [
            volume('postgres-replica-data', '/var/lib/postgresql/data'),
            config('./config/postgres/pg_hba.conf', '/etc/postgresql/pg_hba.conf'),
            config('./config/postgres/replica-entrypoint.sh', '/usr/local/bin/replica-entrypoint.sh'),
          ],
          tmpfs: ['/tmp:size=64m', '/var/run/postgresql:size=1m'],
          dependsOn: [{ name: 'postgres', condition: 'service_healthy' }],
          healthcheck: infraCheck(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', DB_USER, '-d', DB_NAME], 'the standby accepts read-only connections', '120s'),
          shmSize: '256m',
          groupAdd: [secretsGroup],
        }),
      );
      dependencies.set('postgres', ['postgres', 'postgres-replica', 'migrate', PG_SETUP_JOBS.grants]);
    }
  }
  // Flyway runs upstream's SQL migrations once per deploy, before any app service starts, as the schema owner.
  const migrateSecret = data.postgres ? PG_SECRETS.owner : 'postgres_password';
  services.push(
    dataService(profile, 'tiny', {
      name: 'migrate',
      description: "One-shot Flyway job applying GitMesh CE's SQL migrations",
      tier: 'ops',
      role: 'one-shot-job',
      image: `${project.registry}/${project.imageNamespace}/${project.name}-migrate:\${GITMESH_IMAGE_TAG:?set GITMESH_IMAGE_TAG in .env}`,
      // Context: the repo root, so the image takes upstream's migrations and our replacements (docker/migrate/sql/).
      build: { context: '.', dockerfile: 'docker/migrate/Dockerfile' },
      entrypoint: ['/usr/local/bin/env-from-files'],
      command: [
        'flyway',
        `-url=jdbc:postgresql://${data.postgres ? 'postgres' : '${DB_WRITE_HOST}'}:5432/${DB_NAME}`,
        `-user=${data.postgres ? PG_ROLES.owner : DB_USER}`,
        '-locations=filesystem:/flyway/sql',
        '-connectRetries=60',
        '-outOfOrder=true',
        '-placeholderReplacement=false',
        '-schemas=public',
        // Three migrations run CREATE INDEX CONCURRENTLY (backend/src/database/migrations/V1692786381__unique-activity-index.sql:1
        // and two more). Flyway then runs them outside a transaction while its own transactional advisory lock
        // keeps one open, and the index build waits for it forever (flyway/flyway#3497, #3682, reproduced up to
        // 10.x; the lock is still transactional by default in 13.0.0, PostgreSQLConfigurationExtension.java:31-34):
        // a session-level lock avoids that.
        '-postgresql.transactional.lock=false',
        'migrate',
      ],
      user: `10001:${secretsGroup}`,
      environment: [['FLYWAY_PASSWORD_FILE', `/run/secrets/${migrateSecret}`]],
      secrets: [migrateSecret],
      mounts: [ENV_FROM_FILES],
      dependsOn: data.postgres ? [{ name: PG_SETUP_JOBS.roles, condition: 'service_completed_successfully' }] : [],
      healthcheck: infraCheck(['CMD', 'flyway', '-v'], 'the Flyway binary runs (the job exits when migrations are applied)', '10s'),
      restart: 'no',
      readOnly: false,
    }),
  );
  if (!data.postgres) dependencies.set('postgres', ['migrate']);

  secrets.push({ name: 'redis_password', description: data.redis ? `Password of the Redis user ${REDIS_USERS[0].name} (API, workers)` : 'Password of the external Redis (paste it)', source: data.redis ? { kind: 'random', bytes: 32 } : { kind: 'operator' } });
  if (data.redis) {
    // One ACL user per client class (issue 18, identities.ts); the default user is off. The ACL file holds
    // SHA-256 hashes only, so the server mounts no password.
    for (const user of REDIS_USERS.slice(1)) secrets.push({ name: user.secret, description: `Password of the Redis user ${user.name} (${user.why})`, source: { kind: 'random', bytes: 32 } });
    secrets.push({ name: REDIS_ACL_SECRET, description: 'Redis ACL file (users and SHA-256 password hashes), rewritten from the users\' password files by every make secrets', source: { kind: 'redis-acl', users: REDIS_USERS.map(({ name, secret, rules }) => ({ name, secret, rules })) } });
    volumes.push({ name: 'redis-data', description: 'Redis AOF and RDB files' });
    services.push(
      dataService(profile, 'standard', {
        name: 'redis',
        description: 'Redis cache, locks and rate limits (AOF + RDB persistence)',
        image: IMAGES.redis,
        role: 'data-store',
        listens: [{ name: 'redis', port: 6379 }],
        user: '999:1000',
        command: ['redis-server', '/usr/local/etc/redis/redis.conf', '--maxmemory', `${Math.floor(resourcesFor(profile, 'standard').memoryMiB * 0.75)}mb`],
        environment: [],
        secrets: [REDIS_ACL_SECRET],
        mounts: [volume('redis-data', '/data'), config('./config/redis/redis.conf', '/usr/local/etc/redis/redis.conf')],
        devPorts: ['127.0.0.1:6379:6379'],
        // The server holds no password: a NOAUTH answer to an anonymous PING proves it serves (and that the default user is off).
        healthcheck: infraCheck(['CMD-SHELL', 'redis-cli -h 127.0.0.1 ping 2>&1 | grep -q NOAUTH'], 'Redis answers PING with NOAUTH (serving, default user off)'),
        groupAdd: [secretsGroup],
      }),
    );
    dependencies.set('redis', ['redis']);
  }

  if (data.opensearch !== 'none') {
    const nodes = data.opensearch === 'cluster' ? ['opensearch-1', 'opensearch-2', 'opensearch-3'] : ['opensearch'];
    const heap = Math.floor(resourcesFor(profile, 'search').memoryMiB / 2);
    for (const node of nodes) {
      const data = `${node}-data`;
      volumes.push({ name: data, description: `OpenSearch data (${node})` });
      const clusterEnv: [string, string][] =
        nodes.length === 1
          ? [['discovery.type', 'single-node']]
          : [
              ['node.name', node],
              ['discovery.seed_hosts', nodes.join(',')],
              ['cluster.initial_cluster_manager_nodes', nodes.join(',')],
            ];
      services.push(
        dataService(profile, 'search', {
          name: node,
          description: nodes.length === 1 ? 'OpenSearch single node' : `OpenSearch cluster node ${node.slice(-1)} of 3`,
          image: IMAGES.opensearch,
          role: 'data-store',
          listens: [{ name: 'http', port: 9200 }, { name: 'transport', port: 9300 }],
          // The opensearch user of the official image.
          imageUser: { uid: 1000, gid: 1000 },
          // No memlock ulimit in a Kubernetes pod (and no IPC_LOCK under the restricted profile); nodes run without swap.
          withoutMemlock: [['bootstrap.memory_lock', 'false']],
          environment: [
            ['cluster.name', `${project.name}-search`],
            ...clusterEnv,
            ['bootstrap.memory_lock', 'true'],
            ['OPENSEARCH_JAVA_OPTS', `-Xms${heap}m -Xmx${heap}m`],
            // Reached only on the internal data network; see docs/architecture.md for the trade-off.
            ['DISABLE_SECURITY_PLUGIN', 'true'],
            ['DISABLE_INSTALL_DEMO_CONFIG', 'true'],
            ['path.repo', '/usr/share/opensearch/snapshots'],
          ],
          secrets: [],
          mounts: [volume(data, '/usr/share/opensearch/data'), volume('opensearch-snapshots', '/usr/share/opensearch/snapshots')],
          ulimits: [
            { name: 'memlock', soft: -1, hard: -1 },
            { name: 'nofile', soft: 65536, hard: 65536 },
          ],
          capAdd: ['IPC_LOCK'],
          devPorts: node === nodes[0] ? ['127.0.0.1:9200:9200'] : [],
          readOnly: false,
          healthcheck: infraCheck(['CMD-SHELL', 'curl -fsS "http://127.0.0.1:9200/_cluster/health?local=true" | grep -qv \'"status":"red"\''], 'the node answers cluster health and the cluster is not red', '120s'),
        }),
      );
    }
    volumes.push({ name: 'opensearch-snapshots', description: 'OpenSearch snapshot repository (backups)' });
    dependencies.set('opensearch', nodes);
  }

  if (data.sqs) {
    queues.push(...QUEUES.map(([, queue]) => ({ name: queue, fifo: queue.endsWith('.fifo') })));
    volumes.push({ name: 'elasticmq-data', description: 'ElasticMQ persisted queues and messages' });
    services.push(
      dataService(profile, 'light', {
        name: 'elasticmq',
        description: 'ElasticMQ: SQS-compatible queue with persisted messages',
        image: IMAGES.elasticmq,
        role: 'data-store',
        listens: [{ name: 'sqs', port: 9324 }, { name: 'ui', port: 9325 }],
        // A static native binary: any uid works; /data is a volume owned by the pod's fsGroup.
        imageUser: { uid: 10001, gid: 10001 },
        environment: [['JAVA_OPTS', '-Dconfig.file=/opt/elasticmq.conf']],
        command: ['-Dconfig.file=/opt/elasticmq.conf'],
        secrets: [],
        mounts: [volume('elasticmq-data', '/data'), config('./config/elasticmq/elasticmq.conf', '/opt/elasticmq.conf')],
        devPorts: ['127.0.0.1:9324:9324', '127.0.0.1:9325:9325'],
        healthcheck: infraCheck(['CMD-SHELL', "wget -q -O /dev/null 'http://127.0.0.1:9324/?Action=ListQueues' || bash -c 'exec 3<>/dev/tcp/127.0.0.1/9324'"], 'the SQS endpoint answers ListQueues (or accepts connections)'),
        readOnly: false,
      }),
    );
    dependencies.set('sqs', ['elasticmq']);
  }

  if (data.kafka) {
    volumes.push({ name: 'kafka-data', description: 'Kafka log segments (KRaft)' });
    services.push(
      dataService(profile, 'heavy', {
        name: 'kafka',
        description: 'Apache Kafka, single KRaft broker',
        image: IMAGES.kafka,
        role: 'data-store',
        listens: [{ name: 'kafka', port: 9092 }, { name: 'controller', port: 9093 }],
        // appuser of apache/kafka (writes its config under /opt/kafka).
        imageUser: { uid: 1000, gid: 1000 },
        environment: [
          ['KAFKA_NODE_ID', '1'],
          ['KAFKA_PROCESS_ROLES', 'broker,controller'],
          ['KAFKA_LISTENERS', 'PLAINTEXT://:9092,CONTROLLER://:9093'],
          ['KAFKA_ADVERTISED_LISTENERS', 'PLAINTEXT://kafka:9092'],
          ['KAFKA_CONTROLLER_LISTENER_NAMES', 'CONTROLLER'],
          ['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
          ['KAFKA_CONTROLLER_QUORUM_VOTERS', '1@kafka:9093'],
          ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', '1'],
          ['KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', '1'],
          ['KAFKA_TRANSACTION_STATE_LOG_MIN_ISR', '1'],
          ['KAFKA_LOG_DIRS', '/var/lib/kafka/data'],
        ],
        secrets: [],
        mounts: [volume('kafka-data', '/var/lib/kafka/data')],
        devPorts: ['127.0.0.1:9092:9092'],
        readOnly: false,
        healthcheck: infraCheck(['CMD-SHELL', '/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:9092 >/dev/null'], 'the broker answers an API-versions request', '60s'),
      }),
    );
    dependencies.set('kafka', ['kafka']);
  }

  if (data.temporal) {
    // Upstream imports the variable's UTF-8 bytes as the raw AES-GCM key (Buffer.from(process.env['TEMPORAL_ENCRYPTION_KEY']),
    // services/libs/temporal/src/encryption/encryption-codec.ts:68), and its example key is 32 characters
    // (backend/.env.dist.local:295): 32 base64 characters are 32 key bytes, AES-256, with 192 random bits.
    secrets.push({ name: 'temporal_encryption_key', description: 'Payload encryption key for Temporal workflows (TEMPORAL_ENCRYPTION_KEY: 32 characters, used as a 256-bit AES-GCM key)', source: { kind: 'random-base64', length: 32 } });
    const dbHost = data.postgres ? 'postgres' : '${DB_WRITE_HOST}';
    const onPostgres: ComposeService['dependsOn'] = data.postgres ? [{ name: 'postgres', condition: 'service_healthy' }, { name: PG_SETUP_JOBS.roles, condition: 'service_completed_successfully' }] : [];
    // Temporal's own role, limited to its two databases (pg_hba.conf and CONNECT), on a stack-managed PostgreSQL.
    const temporalUser = data.postgres ? PG_ROLES.temporal : DB_USER;
    const temporalSecret = data.postgres ? PG_SECRETS.temporal : 'postgres_password';
    // temporalio/auto-setup is deprecated and no longer built: the plain server starts on a schema that this
    // one-shot job creates (fresh database) or upgrades (a newer server), with temporal-sql-tool from the
    // admin-tools image of the same version. Every step is idempotent: `create` ignores an existing database
    // (common/persistence/sql/sqlplugin/postgresql/admin.go:118-124), `setup-schema -v 0.0` skips a versioned
    // one (tools/common/schema/setuptask.go:110-111) and `update-schema` applies only the missing versions.
    services.push(
      dataService(profile, 'tiny', {
        name: TEMPORAL_JOBS.schema,
        description: 'One-shot job: creates or upgrades the Temporal schemas (temporal-sql-tool) before the server starts',
        tier: 'ops',
        image: IMAGES.temporalAdminTools,
        role: 'one-shot-job',
        // The temporal user of temporalio/admin-tools.
        imageUser: { uid: 1000, gid: 1000 },
        entrypoint: ['/usr/local/bin/env-from-files'],
        command: ['/bin/sh', '-c', temporalSchemaScript(!data.postgres)],
        environment: [
          ['SQL_PLUGIN', 'postgres12'],
          ['SQL_HOST', dbHost],
          ['SQL_PORT', '5432'],
          ['SQL_USER', temporalUser],
          ['SQL_PASSWORD_FILE', `/run/secrets/${temporalSecret}`],
        ],
        secrets: [temporalSecret],
        mounts: [ENV_FROM_FILES],
        dependsOn: onPostgres,
        healthcheck: infraCheck(['CMD', 'temporal-sql-tool', '--version'], 'the schema tool runs (the job exits when both schemas are current)', '10s'),
        restart: 'no',
        groupAdd: [secretsGroup],
      }),
    );
    services.push(
      dataService(profile, 'standard', {
        name: 'temporal',
        description: 'Temporal server (persistence in PostgreSQL; schema from the temporal-schema job)',
        image: IMAGES.temporal,
        listens: [{ name: 'grpc', port: 7233 }],
        // The temporal user of temporalio/server (docker/targets/server.Dockerfile).
        imageUser: { uid: 1000, gid: 1000 },
        entrypoint: ['/usr/local/bin/env-from-files'],
        // The image's own start script: it renders the embedded config template from these variables.
        command: ['/etc/temporal/entrypoint.sh'],
        environment: [
          ['DB', 'postgres12'],
          ['DB_PORT', '5432'],
          ['POSTGRES_SEEDS', dbHost],
          ['POSTGRES_USER', temporalUser],
          ['POSTGRES_PWD_FILE', `/run/secrets/${temporalSecret}`],
          // Named explicitly: the backup set dumps exactly these databases.
          ['DBNAME', TEMPORAL_DATABASES[0]],
          ['VISIBILITY_DBNAME', TEMPORAL_DATABASES[1]],
          // All interfaces, so the loopback healthcheck and the other containers reach it; a single node
          // announces itself on loopback to its own membership ring.
          ['BIND_ON_IP', '0.0.0.0'],
          ['TEMPORAL_BROADCAST_ADDRESS', '127.0.0.1'],
        ],
        secrets: [temporalSecret],
        mounts: [ENV_FROM_FILES],
        dependsOn: [...onPostgres, { name: TEMPORAL_JOBS.schema, condition: 'service_completed_successfully' }],
        readOnly: false,
        devPorts: ['127.0.0.1:7233:7233'],
        // The server image is Alpine with BusyBox (wget) and no temporal CLI, tctl or grpc-health-probe; the
        // frontend's HTTP API (port 7243, config_template_embedded.yaml) answers GET /system-info once it serves.
        healthcheck: infraCheck(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:7243/system-info'], "the frontend answers GetSystemInfo on its HTTP API (port 7243)", '90s'),
        groupAdd: [secretsGroup],
      }),
    );
    // auto-setup also created the namespace the workers use (TEMPORAL_NAMESPACE, services/archetypes/worker/src/index.ts:131).
    services.push(
      dataService(profile, 'tiny', {
        name: TEMPORAL_JOBS.namespace,
        description: `One-shot job: registers the Temporal namespace "${TEMPORAL_NAMESPACE}" once the server is healthy (kept when it exists)`,
        tier: 'ops',
        image: IMAGES.temporalAdminTools,
        command: ['/bin/sh', '-c', temporalNamespaceScript()],
        role: 'one-shot-job',
        imageUser: { uid: 1000, gid: 1000 },
        environment: [['TEMPORAL_ADDRESS', 'temporal:7233']],
        secrets: [],
        mounts: [],
        dependsOn: [{ name: 'temporal', condition: 'service_healthy' }],
        healthcheck: infraCheck(['CMD', 'temporal', '--version'], 'the temporal CLI runs (the job exits when the namespace exists)', '10s'),
        restart: 'no',
      }),
    );
    dependencies.set('temporal', ['temporal', TEMPORAL_JOBS.namespace]);
  }
  return { services, volumes, secrets, dependencies, queues };
}
