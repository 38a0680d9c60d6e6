/** Dockerfiles: one multi-stage Dockerfile and Dockerfile-specific .dockerignore per built service. */
import type { Manifest } from './types.js';

export const dockerFiles: Manifest = (model) => [
  ...model.services.flatMap((svc) =>
    svc.dockerfile && svc.dockerTemplate
      ? [
          { path: svc.dockerfile, template: `docker/__service__/Dockerfile.${svc.dockerTemplate}.ejs`, locals: { svc } },
          // BuildKit reads <Dockerfile>.dockerignore next to the Dockerfile, so the submodule stays untouched.
          { path: `${svc.dockerfile}.dockerignore`, template: `docker/__service__/Dockerfile.dockerignore.ejs`, locals: { svc } },
        ]
      : [],
  ),
  { path: 'docker/migrate/Dockerfile', template: 'docker/migrate/Dockerfile.ejs' },
  { path: 'docker/migrate/Dockerfile.dockerignore', template: 'docker/migrate/Dockerfile.dockerignore.ejs' },
];
