/** Dockerfiles: one multi-stage Dockerfile and Dockerfile-specific .dockerignore per built service. */
import type { AppService } from '../model.js';
import { NODE_ENV } from '../prepare/wiring.js';
import { APP_GID, APP_UID, IMAGES, PNPM_VERSION, PSYCOPG2_BINARY } from '../versions.js';
import type { Manifest } from './types.js';

/** The only paths of the GitMesh checkout a service's build reads (an allowlist .dockerignore). */
function buildInputs(svc: AppService): string[] {
  switch (svc.workspace) {
    case 'backend':
      return ['services/scripts/', 'services/libs/', 'services/archetypes/', 'backend/'];
    case 'services':
      return ['services/scripts/', 'services/libs/', 'services/archetypes/', `${svc.source}/`];
    default:
      return [`${svc.source}/`];
  }
}

const dockerLocals = (svc: AppService) => ({
  svc,
  images: IMAGES,
  // Alpine (musl) unless a native addon of the service ships glibc builds only (catalog `temporalWorker`).
  nodeImage: svc.libc === 'glibc' ? IMAGES.nodeGlibc : IMAGES.node,
  pnpm: PNPM_VERSION,
  nodeEnv: NODE_ENV,
  psycopg: PSYCOPG2_BINARY,
  uid: APP_UID,
  gid: APP_GID,
  include: buildInputs(svc),
  healthOptions: `--interval=${svc.healthcheck.interval} --timeout=${svc.healthcheck.timeout} --start-period=${svc.healthcheck.startPeriod} --retries=${svc.healthcheck.retries}`,
});

/** Upstream's Flyway migrations, relative to the repo root (the submodule is gitmesh/). */
export const MIGRATIONS_DIR = 'gitmesh/backend/src/database/migrations';

/**
 * Our replacements for upstream migrations that cannot run on the PostgreSQL we pin, each under the same
 * file name in docker/migrate/sql/ (copied over upstream's in the image). R__array_accum.sql: upstream's
 * aggregate uses array_cat(anyarray, anyarray), which PostgreSQL 14 replaced with anycompatiblearray.
 */
export const MIGRATION_REPLACEMENTS = ['R__array_accum.sql'] as const;

export const dockerFiles: Manifest = (model) => [
  ...model.services.flatMap((svc) =>
    svc.dockerfile && svc.dockerTemplate
      ? [
          { path: svc.dockerfile, template: `docker/__service__/Dockerfile.${svc.dockerTemplate}.ejs`, locals: dockerLocals(svc) },
          // BuildKit reads <Dockerfile>.dockerignore next to the Dockerfile, so the submodule stays untouched.
          { path: `${svc.dockerfile}.dockerignore`, template: `docker/__service__/Dockerfile.dockerignore.ejs`, locals: dockerLocals(svc) },
        ]
      : [],
  ),
  { path: 'docker/migrate/Dockerfile', template: 'docker/migrate/Dockerfile.ejs', locals: { images: IMAGES, uid: APP_UID, gid: APP_GID, migrations: MIGRATIONS_DIR, replacements: MIGRATION_REPLACEMENTS } },
  { path: 'docker/migrate/Dockerfile.dockerignore', template: 'docker/migrate/Dockerfile.dockerignore.ejs', locals: { migrations: MIGRATIONS_DIR } },
  ...MIGRATION_REPLACEMENTS.map((name) => ({ path: `docker/migrate/sql/${name}`, template: `docker/migrate/sql/${name}.ejs` })),
];
