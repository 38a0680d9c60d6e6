/**
 * Generation speed (issue #8): cold generation via the bin, `yo gitmesh-devops` (unprivileged) and a
 * floor (bare yeoman-environment running a one-file generator); no-op regeneration; 10/50/100
 * services; an upgrade of the default repo (issue #7). All measured side by side in one run.
 */
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { unprivilegedUser } from '../test/support/unprivileged.js';
import { measure, ratios, table, type CommandSpec } from './harness.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'dist/bin/gitmesh-devops.js');

/** yo and this package installed from the packed tarball, as users get them. */
async function installPrefix(work: string): Promise<string> {
  const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work]);
  const prefix = join(work, 'prefix');
  await execa('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', 'yo@7.0.1', join(work, JSON.parse(pack.stdout)[0].filename), 'yeoman-environment@6.3.0', 'yeoman-generator@8.4.0']);
  return prefix;
}

/** The floor: what any Yeoman-based run pays before doing real work. */
async function floorScript(work: string, prefix: string): Promise<string> {
  const gen = join(work, 'floor-generator.mjs');
  const lib = join(prefix, 'lib/node_modules');
  await writeFile(gen, `import Generator from '${lib}/yeoman-generator/dist/index.js';\nexport default class extends Generator { writing() { this.fs.write(this.destinationPath('one.txt'), 'one\\n'); } }\n`);
  const script = join(work, 'floor.mjs');
  await writeFile(script, `import { createEnv } from '${lib}/yeoman-environment/dist/index.js';\nconst env = createEnv({ cwd: process.argv[2] });\nenv.register('${gen}', { namespace: 'floor:app' });\nawait env.run(['floor:app']);\n`);
  return script;
}

function services(n: number): object[] {
  return Array.from({ length: n }, (_, i) =>
    i % 4 === 0
      ? { name: `svc-${i}`, kind: 'node-api', source: `services/apps/svc_${i}`, port: 20000 + i, healthPath: '/health', routePath: `/svc-${i}/`, needs: ['postgres', 'redis'] }
      : { name: `svc-${i}`, kind: 'node-worker', source: `services/apps/svc_${i}`, needs: ['postgres', 'sqs'] },
  );
}

export async function run(): Promise<string[]> {
  const work = await mkdtemp(join(tmpdir(), 'gitmesh-bench-'));
  await execa('chmod', ['755', work]);
  const prefix = await installPrefix(work);
  await execa('chmod', ['-R', 'a+rX', work]);
  const u = await unprivilegedUser();
  const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, NODE_PATH: join(prefix, 'lib/node_modules'), npm_config_prefix: prefix, HOME: u.home, NO_UPDATE_NOTIFIER: '1' };
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const fresh = (dir: string) => async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await chown(dir, u.uid, u.gid);
  };
  const floor = await floorScript(work, prefix);
  const out = (name: string) => join(work, name);
  const cold: CommandSpec[] = [
    { label: 'gitmesh-devops --defaults', cmd: ['node', BIN, '--defaults'], cwd: out('bin'), prepare: fresh(out('bin')) },
    { label: 'yo gitmesh-devops --defaults', cmd: u.wrap(['env', ...envArgs, 'yo', 'gitmesh-devops', '--defaults', '--no-insight']), cwd: out('yo'), prepare: fresh(out('yo')) },
    { label: 'floor: yeoman-environment, 1 file', cmd: u.wrap(['env', ...envArgs, 'node', floor, out('floor')]), cwd: out('floor'), prepare: fresh(out('floor')) },
  ];
  const coldResults = await measure(cold);
  // No-op regeneration: the stored answers, nothing changes.
  await fresh(out('noop'))();
  await execa('node', [BIN, '--defaults'], { cwd: out('noop') });
  const [noop] = await measure([{ label: 'gitmesh-devops (no-op rerun)', cmd: ['node', BIN], cwd: out('noop') }]);
  const scale = [];
  for (const n of [10, 50, 100]) {
    const answers = join(work, `answers-${n}.json`);
    await writeFile(answers, JSON.stringify({ customServices: services(n) }));
    scale.push({ label: `${n} onboarded services (+14 standard)`, cmd: ['node', BIN, '--answers', answers], cwd: out(`scale-${n}`), prepare: fresh(out(`scale-${n}`)) });
  }
  const scaleResults = await measure(scale);
  return [
    '## Generation',
    '',
    ...table([...coldResults, noop!, ...scaleResults]),
    '',
    ...ratios([
      { label: 'bin / yo (cold)', a: coldResults[0]!, b: coldResults[1]!, target: '≤ 0.35×, bin < 1 s' },
      { label: 'bin / floor', a: coldResults[0]!, b: coldResults[2]! },
      { label: 'no-op rerun / cold bin', a: noop!, b: coldResults[0]!, target: '≤ 1×' },
      { label: '50 / 10 services', a: scaleResults[1]!, b: scaleResults[0]! },
      { label: '100 / 10 services', a: scaleResults[2]!, b: scaleResults[0]!, target: '≤ 3×, RSS < 250 MB' },
    ]),
  ];
}
