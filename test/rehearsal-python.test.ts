/**
 * Rehearsal against the pinned GitMesh CE tree: the Python worker's image build stage, replayed on
 * the host in the Dockerfile's own order. Its local packages are installed editable as in the image
 * (PEP 660, the finder pip's PEP 517 build writes), with Debian's setuptools and wheel
 * (`--no-build-isolation --no-deps --no-index`: PyPI is not reachable, so third-party requirements are
 * not installed), and the packages python_worker.py imports must then be importable from the workdir.
 * Only the generated CI's e2e job proves the full image (dependencies, runtime stage).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { execa } from 'execa';
import { IMAGES } from '../generators/lib/versions.js';
import { dockerignore, parseDockerfile } from './support/rehearsal/dockerfile.js';
import { allServicesRepo } from './support/rehearsal/fixture.js';
import { stageCopy } from './support/rehearsal/replay.js';
import { upstream } from './support/upstream.js';
import { requireTool } from './support/validators.js';

/** Debian's interpreter (python3-venv, python3-setuptools, python3-wheel from .ci/install-deps.sh), not a user's pyenv. */
const PYTHON = '/usr/bin/python3';

interface PythonReplay {
  readonly problems: string[];
  readonly workdir: string;
  readonly root: string;
  readonly remote: string[];
}

async function replayPythonBuildStage(context: string, dockerfile: string, ignore: string): Promise<PythonReplay> {
  const stages = parseDockerfile(dockerfile);
  const build = stages.find((stage) => stage.name === 'build') ?? stages[0];
  const excluded = dockerignore(ignore);
  const root = mkdtempSync(join(tmpdir(), 'gitmesh-rehearsal-python-'));
  const problems: string[] = [];
  const remote: string[] = [];
  let workdir = '/';
  for (const instruction of build.instructions) {
    if (instruction.keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, instruction.args);
      mkdirSync(join(root, workdir), { recursive: true });
    } else if (instruction.keyword === 'COPY') {
      problems.push(...stageCopy(root, workdir, instruction.args, context, excluded).map((p) => `line ${instruction.line}: COPY ${p}`));
    } else if (instruction.keyword === 'RUN') {
      const cwd = join(root, workdir);
      for (const segment of instruction.args.split(/\s*&&\s*/).map((s) => s.trim())) {
        if (/^(apt-get|rm -rf \/var\/lib\/apt)/.test(segment)) continue;
        if (/^python -m venv venv$/.test(segment)) {
          // --system-site-packages: Debian's setuptools and wheel build the editable installs.
          const r = await execa(PYTHON, ['-m', 'venv', '--system-site-packages', 'venv'], { cwd, reject: false });
          if (r.exitCode !== 0) problems.push(`line ${instruction.line}: ${segment}: ${r.stderr}`);
          continue;
        }
        const pip = /^venv\/bin\/pip install -r (\S+)(.*)$/.exec(segment);
        if (pip) {
          const requirements = join(cwd, pip[1]);
          if (!existsSync(requirements)) {
            problems.push(`line ${instruction.line}: ${pip[1]} is not in the image at this step`);
            continue;
          }
          const editable: string[] = [];
          for (const line of readFileSync(requirements, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
            const local = /^-e\s+(\.\/\S+)$/.exec(line);
            if (local) editable.push('-e', local[1]);
            else remote.push(line);
          }
          remote.push(...pip[2].trim().split(/\s+/).filter(Boolean).map((arg) => arg.replace(/^'|'$/g, '')));
          const r = await execa('venv/bin/pip', ['install', '--use-pep517', '--no-build-isolation', '--no-deps', '--no-index', '--disable-pip-version-check', ...editable], { cwd, reject: false, all: true });
          if (r.exitCode !== 0) problems.push(`line ${instruction.line}: pip install ${editable.join(' ')} failed:\n${String(r.all).split('\n').slice(-12).join('\n')}`);
          continue;
        }
        const local = /^venv\/bin\/pip install --no-deps --force-reinstall((?:\s+-e\s+\.\/\S+)+)$/.exec(segment);
        if (local) {
          const r = await execa('venv/bin/pip', ['install', '--use-pep517', '--no-build-isolation', '--no-deps', '--no-index', '--force-reinstall', '--disable-pip-version-check', ...local[1].trim().split(/\s+/)], { cwd, reject: false, all: true });
          if (r.exitCode !== 0) problems.push(`line ${instruction.line}: ${segment} failed:\n${String(r.all).split('\n').slice(-12).join('\n')}`);
          continue;
        }
        problems.push(`line ${instruction.line}: the rehearsal does not know how to replay \`${segment}\``);
      }
    }
  }
  return { problems, workdir: join(root, workdir), root, remote };
}

describe('rehearsal (pinned GitMesh CE): Python worker build stage', function () {
  this.timeout(300_000);
  const cleanup: string[] = [];
  after(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  it("the worker's editable packages install in the Dockerfile's copy order and import from its workdir", async () => {
    requireTool('python3');
    assert.ok(existsSync(PYTHON), `${PYTHON} missing: run sudo bash .ci/install-deps.sh`);
    const host = (await execa(PYTHON, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])).stdout.trim();
    const image = /^python:(\d+\.\d+)\./.exec(IMAGES.python)?.[1];
    assert.equal(host, image, `the rehearsal's Python (${host}) must be the image's minor (${IMAGES.python})`);
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const svc = model.services.find((s) => s.name === 'python-worker')!;
    const replay = await replayPythonBuildStage(up.root, readFileSync(join(dir, svc.dockerfile!), 'utf8'), readFileSync(join(dir, `${svc.dockerfile!}.dockerignore`), 'utf8'));
    cleanup.push(replay.root);
    assert.deepEqual(replay.problems, []);
    // What the worker imports (python_worker.py), each must resolve through the editable installs.
    const entry = up.read(`${svc.source}/python_worker.py`);
    const modules = [...new Set([...entry.matchAll(/^from (gitmesh\.[a-z_]+)/gm)].map((m) => m[1]))];
    assert.deepEqual(modules.sort(), ['gitmesh.backend', 'gitmesh.members_score']);
    const probe = `import importlib.util, sys\nmissing = [m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]\nsys.exit('not importable: ' + ', '.join(missing) if missing else 0)`;
    const r = await execa('venv/bin/python', ['-c', probe, ...modules], { cwd: replay.workdir, reject: false });
    assert.equal(r.exitCode, 0, `${r.stderr}${r.stdout}`);
    // Third-party requirements were not installed here (no PyPI); only the e2e job installs them.
    assert.ok(replay.remote.some((req) => /psycopg2-binary/.test(req)), replay.remote.join(' '));
  });
});
