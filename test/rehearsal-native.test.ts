/**
 * Rehearsal against the pinned GitMesh CE tree: native addons and the C library of each Node image.
 *
 * What this proves, on this machine: which services load @temporalio/worker (derived from each service's own
 * lockfile, file: dependencies included, at test time), that its native @temporalio/core-bridge (the version
 * those lockfiles name, from the npm registry) ships prebuilt binaries for glibc targets only and that its
 * Linux binary links glibc, so exactly those services get a glibc (Debian) image and every other Node image
 * stays Alpine (musl); and that the native addons of the lockfiles load with the Node.js the images pin
 * (core-bridge's prebuilt binary, and bcrypt compiled from source against that Node's headers, as the image's
 * build stage compiles it). What it does not prove: a musl loader refusing the binary (no Alpine here), or the
 * images building and starting, which only the generated CI's e2e job does.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { parseDockerfile } from './support/rehearsal/dockerfile.js';
import { allServicesRepo } from './support/rehearsal/fixture.js';
import { nodeToolchain, npmPackage, rehearsalDir } from './support/rehearsal/toolchain.js';
import { upstream } from './support/upstream.js';
import { CATALOG_BY_NAME } from '../generators/lib/catalog.js';
import { PNPM_VERSION } from '../generators/lib/versions.js';

type Lockfile = {
  importers?: Record<string, Record<string, Record<string, { version: string }> | undefined>>;
  snapshots?: Record<string, Record<string, Record<string, string>> | null>;
};

/** `name@version(peers)` → `name@version` (pnpm lockfile v9 keys). */
const baseKey = (key: string): string => key.replace(/\(.*$/, '');
const nameOf = (key: string): string => key.slice(0, key.indexOf('@', 1));

/** Every package key installed for the root importer of a pnpm v9 lockfile (dependencies of every kind, transitively). */
export function lockfileClosure(lock: Lockfile): Set<string> {
  const snapshots = lock.snapshots ?? {};
  const seen = new Set<string>();
  const queue: string[] = [];
  const push = (name: string, version: string): void => {
    // An alias (`string-width-cjs: string-width@4.2.3`) names its package in the version; file: and plain versions do not.
    const head = version.split('(')[0]!;
    const key = /^@?[^@\s:]+@/.test(head) ? version : `${name}@${version}`;
    if (!seen.has(key)) {
      seen.add(key);
      queue.push(key);
    }
  };
  const root = lock.importers?.['.'] ?? {};
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) for (const [name, dep] of Object.entries(root[field] ?? {})) push(name, dep.version);
  while (queue.length) {
    const key = queue.shift()!;
    const snap = snapshots[key] ?? {};
    for (const field of ['dependencies', 'optionalDependencies']) for (const [name, version] of Object.entries(snap[field] ?? {})) push(name, version);
  }
  return new Set([...seen].map(baseKey));
}

/** The lockfile a Node service's own install step resolves (its workspace root in the pinned tree). */
function lockfileOf(svc: { workspace: string; source: string }): string {
  return `${svc.workspace === 'backend' ? 'backend' : svc.source}/pnpm-lock.yaml`;
}

const GLIBC_BASE = /^node:\d+\.\d+\.\d+-(trixie|bookworm)-slim$/;
const MUSL_BASE = /^node:\d+\.\d+\.\d+-alpine\d+\.\d+$/;

describe('rehearsal (pinned GitMesh CE): native addons and each Node image\'s C library', function () {
  this.timeout(900_000);

  let coreBridge: { version: string; services: string[] } | undefined;

  it('exactly the services whose lockfile installs @temporalio/core-bridge (via @temporalio/worker) get a glibc image; every other Node image is Alpine', async function () {
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const node = model.services.filter((svc) => svc.dockerfile && ['node-backend', 'node-services', 'frontend'].includes(svc.dockerTemplate ?? ''));
    const withBridge: string[] = [];
    const versions = new Set<string>();
    const problems: string[] = [];
    for (const svc of node) {
      const closure = lockfileClosure(parseYaml(up.read(lockfileOf(svc)), { maxAliasCount: -1 }) as Lockfile);
      const bridge = [...closure].filter((key) => nameOf(key) === '@temporalio/core-bridge');
      const worker = [...closure].some((key) => nameOf(key) === '@temporalio/worker');
      if (bridge.length) {
        withBridge.push(svc.name);
        bridge.forEach((key) => versions.add(key.slice(key.lastIndexOf('@') + 1)));
        assert.ok(worker, `${svc.name}: core-bridge without @temporalio/worker`);
      }
      const stages = parseDockerfile(readFileSync(join(dir, svc.dockerfile!), 'utf8'));
      const runtime = stages[stages.length - 1]!;
      const build = stages.find((s) => s.name === 'build')!;
      const base = svc.dockerTemplate === 'frontend' ? build.from : runtime.from;
      if (bridge.length) {
        if (!GLIBC_BASE.test(runtime.from) || !GLIBC_BASE.test(build.from)) problems.push(`${svc.name} loads core-bridge (${lockfileOf(svc)}) but builds on ${build.from} and runs on ${runtime.from}`);
        if (!CATALOG_BY_NAME.get(svc.name)?.temporalWorker) problems.push(`${svc.name}: the catalog does not record why it needs glibc (temporalWorker)`);
      } else {
        if (!MUSL_BASE.test(base)) problems.push(`${svc.name} needs no glibc-only addon but uses ${base}`);
        if (CATALOG_BY_NAME.get(svc.name)?.temporalWorker) problems.push(`${svc.name}: the catalog claims a Temporal worker its lockfile does not install`);
      }
    }
    assert.deepEqual(problems, []);
    assert.equal(versions.size, 1, `one core-bridge version across the lockfiles, got ${[...versions].join(', ')}`);
    // The Temporal worker archetype's users and the signal enrichment worker (pinned tree: services/archetypes/worker, its package.json).
    assert.deepEqual(withBridge.sort(), ['automations-worker', 'emails-worker', 'signal-enrichment-worker']);
    coreBridge = { version: [...versions][0]!, services: withBridge };
  });

  it("core-bridge's own target list and prebuilt binaries are glibc-only, and the Linux binary links glibc", async function () {
    assert.ok(coreBridge, 'the lockfile rehearsal above must run first');
    const pkg = join(await npmPackage(`@temporalio/core-bridge@${coreBridge.version}`), 'node_modules', '@temporalio', 'core-bridge');
    // The package's own list of compile targets (common.js `targets`) and the binaries it ships (releases/).
    const listed = JSON.parse((await execa(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(join(pkg, 'common.js'))}).targets))`])).stdout) as string[];
    const shipped = readdirSync(join(pkg, 'releases'));
    const linux = [...listed, ...shipped].filter((t) => t.includes('linux'));
    assert.ok(linux.length > 0, `no Linux target in ${JSON.stringify({ listed, shipped })}`);
    assert.deepEqual(linux.filter((t) => !t.endsWith('-linux-gnu')), [], 'a non-glibc Linux target appeared: the Alpine images may be possible again');
    assert.ok(!shipped.some((t) => /musl/.test(t)));
    // common.js maps every Linux to `<arch>-unknown-linux-gnu`, so on Alpine it loads the glibc binary, which needs glibc's loader and symbols.
    const binary = readFileSync(join(pkg, 'releases', 'x86_64-unknown-linux-gnu', 'index.node'));
    assert.ok(binary.includes('libc.so.6'), 'the binary does not name glibc');
    assert.ok(binary.includes('GLIBC_2.'), 'the binary has no glibc symbol versions');
    assert.ok(!binary.includes('ld-musl'));
  });

  it("the lockfiles' native addons load with the images' Node.js: core-bridge prebuilt, bcrypt compiled against that Node's headers", async function () {
    assert.ok(coreBridge, 'the lockfile rehearsal above must run first');
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const api = model.services.find((svc) => svc.name === 'api')!;
    const worker = model.services.find((svc) => svc.name === coreBridge!.services[0])!;
    const nodeOf = (dockerfile: string): string => /^node:(\d+\.\d+\.\d+)/.exec(parseDockerfile(readFileSync(join(dir, dockerfile), 'utf8')).find((s) => s.name === 'build')!.from)![1]!;
    const version = process.env.GITMESH_REHEARSAL_NODE ?? nodeOf(worker.dockerfile!);
    assert.equal(nodeOf(api.dockerfile!), nodeOf(worker.dockerfile!), 'the Alpine and Debian images pin the same Node.js');
    const tools = await nodeToolchain(version, process.env.GITMESH_REHEARSAL_PNPM ?? PNPM_VERSION);
    const node = join(tools.nodeBinDir, 'node');

    const bridge = join(await npmPackage(`@temporalio/core-bridge@${coreBridge.version}`), 'node_modules', '@temporalio', 'core-bridge');
    const loaded = await execa(node, ['-e', `const b=require(${JSON.stringify(bridge)});process.stdout.write(typeof b.newRuntime)`], { reject: false });
    assert.equal(loaded.stdout, 'function', `core-bridge ${coreBridge.version} did not load on Node ${version}:\n${loaded.stderr}`);

    // bcrypt at the version the backend's lockfile pins, built from source (its prebuilt download is not
    // reachable here) by node-gyp with this Node's own headers, as the image's build stage does.
    const bcrypt = [...lockfileClosure(parseYaml(up.read('backend/pnpm-lock.yaml'), { maxAliasCount: -1 }) as Lockfile)].find((key) => nameOf(key) === 'bcrypt');
    assert.ok(bcrypt, 'the backend lockfile no longer installs bcrypt');
    const prefix = join(rehearsalDir(), 'native', `${bcrypt}-node${version}`);
    mkdirSync(prefix, { recursive: true });
    const nodedir = dirname(tools.nodeBinDir);
    if (!existsSync(join(prefix, 'node_modules', 'bcrypt', 'package.json'))) {
      const install = await execa('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--build-from-source', bcrypt], {
        reject: false,
        stdin: 'ignore',
        all: true,
        env: { PATH: `${tools.nodeBinDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, npm_config_nodedir: nodedir, npm_config_build_from_source: 'true' },
      });
      assert.equal(install.exitCode, 0, `npm install ${bcrypt} on Node ${version}:\n${String(install.all).split('\n').slice(-20).join('\n')}`);
    }
    const hashed = await execa(node, ['-e', `const b=require(${JSON.stringify(join(prefix, 'node_modules', 'bcrypt'))});const h=b.hashSync('gitmesh',4);process.stdout.write(String(b.compareSync('gitmesh',h)))`], { reject: false });
    assert.equal(hashed.stdout, 'true', `${bcrypt} did not hash on Node ${version}:\n${hashed.stderr}`);
  });
});
