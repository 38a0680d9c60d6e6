/**
 * Rehearsal against the pinned GitMesh CE tree: the generated Dockerfiles' build paths and install
 * steps. What this proves: every COPY finds its files in the tree and the Dockerfile's own
 * .dockerignore, and every Node install step resolves with the image's Node.js and pnpm, with exactly
 * the files copied by then. What it does not prove (only the generated CI's e2e job, on a GitHub runner,
 * builds the images): package downloads, native builds, `pnpm run build`, the runtime stages.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { copyOperands, dockerignore, parseDockerfile } from './support/rehearsal/dockerfile.js';
import { allServicesRepo, buildContext } from './support/rehearsal/fixture.js';
import { copySourceFiles, replayNodeBuildStage } from './support/rehearsal/replay.js';
import { upstream } from './support/upstream.js';

describe('rehearsal (pinned GitMesh CE): image build steps', function () {
  this.timeout(900_000);

  it('every COPY source of every generated Dockerfile exists in the pinned tree and passes its .dockerignore', async () => {
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const problems: string[] = [];
    let checked = 0;
    for (const image of model.builtImages) {
      const context = buildContext(dir, up.root, image.context);
      const text = readFileSync(join(dir, image.dockerfile), 'utf8');
      const excluded = dockerignore(readFileSync(join(dir, `${image.dockerfile}.dockerignore`), 'utf8'));
      for (const stage of parseDockerfile(text)) {
        for (const instruction of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
          const { flags, sources } = copyOperands(instruction.args);
          if (flags.from) continue;
          for (const source of sources) {
            checked += 1;
            const found = copySourceFiles(context, excluded, source);
            if ('problem' in found) problems.push(`${image.dockerfile}:${instruction.line}: ${found.problem}`);
            else if (found.files.length === 0) problems.push(`${image.dockerfile}:${instruction.line}: ${source} sends no file`);
          }
        }
      }
    }
    assert.ok(checked >= model.builtImages.length * 2, `only ${checked} COPY sources checked`);
    assert.deepEqual(problems, []);
  });

  it('each Node build stage installs with its own Node.js and pnpm, from exactly the files copied so far', async () => {
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const node = model.services.filter((svc) => svc.dockerfile && ['node-backend', 'node-services', 'frontend'].includes(svc.dockerTemplate ?? ''));
    assert.ok(node.length >= 14, `expected every Node service, got ${node.map((s) => s.name).join(', ')}`);
    const failures: string[] = [];
    for (const svc of node) {
      const result = await replayNodeBuildStage({
        context: up.root,
        dockerfile: readFileSync(join(dir, svc.dockerfile!), 'utf8'),
        dockerignore: readFileSync(join(dir, `${svc.dockerfile!}.dockerignore`), 'utf8'),
        // GITMESH_REHEARSAL_NODE / _PNPM replay with another version than the images pin (try an upgrade first).
        ...(process.env.GITMESH_REHEARSAL_NODE ? { nodeVersion: process.env.GITMESH_REHEARSAL_NODE } : {}),
        ...(process.env.GITMESH_REHEARSAL_PNPM ? { pnpmVersion: process.env.GITMESH_REHEARSAL_PNPM } : {}),
      });
      if (!result.ok) failures.push(`${svc.dockerfile} (Node ${result.nodeVersion}, pnpm ${result.pnpmVersion}):\n  ${result.problems.join('\n  ')}`);
      // The backend stage must really have run upstream's library installer and its own install.
      if (svc.dockerTemplate === 'node-backend') assert.ok(result.steps.filter((s) => s.outcome === 'replayed' || s.outcome === 'cached').length >= 2, `${svc.name}: ${JSON.stringify(result.steps)}`);
    }
    assert.equal(failures.join('\n'), '');
  });

  it('the replay fails the way the image build did with pnpm 9 (backend/pnpm-workspace.yaml holds a pnpm 10 setting)', async () => {
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const api = model.services.find((svc) => svc.name === 'api')!;
    const result = await replayNodeBuildStage({
      context: up.root,
      dockerfile: readFileSync(join(dir, api.dockerfile!), 'utf8'),
      dockerignore: readFileSync(join(dir, `${api.dockerfile!}.dockerignore`), 'utf8'),
      pnpmVersion: '9.15.9',
    });
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /packages field missing or empty/);
  });

  it('the replay notices a file: dependency the image does not have yet', async () => {
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const api = model.services.find((svc) => svc.name === 'api')!;
    // The backend depends on file:../services/libs/*: without that COPY its install cannot link them.
    const dockerfile = readFileSync(join(dir, api.dockerfile!), 'utf8').replace(/^COPY services\/libs\/ services\/libs\/\n/m, '');
    const result = await replayNodeBuildStage({ context: up.root, dockerfile, dockerignore: readFileSync(join(dir, `${api.dockerfile!}.dockerignore`), 'utf8') });
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /@gitmesh\/\S+ -> file:\.\.\/services\/libs\/\S+ is not in the image at this step/);
  });

  it('the .dockerignore matcher follows BuildKit: allowlist, parent directories, last match wins', () => {
    const excluded = dockerignore('**\n!backend/\n**/node_modules\n!keep/**/node_modules\n');
    assert.equal(excluded('frontend/src/main.ts'), true);
    assert.equal(excluded('backend/src/bin/api.ts'), false);
    assert.equal(excluded('backend/node_modules/x/index.js'), true);
    assert.equal(excluded(posix.join('keep', 'a', 'node_modules', 'y')), false);
  });
});
