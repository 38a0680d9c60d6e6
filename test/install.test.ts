/**
 * The way a new user works: `npm pack`, install the tarball next to `yo` in a fresh prefix, then
 * run `yo gitmesh-devops --defaults` as an unprivileged user (yo refuses root) and the package's
 * own `gitmesh-devops` bin in empty directories. Both must succeed and give identical trees.
 */
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { treeOf } from './support/tree.js';
import { unprivilegedUser } from './support/unprivileged.js';

describe('install from the packed tarball', function () {
  this.timeout(300_000);

  it('yo gitmesh-devops --defaults (unprivileged) and the gitmesh-devops bin give identical repos', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gitmesh-install-'));
    await chmod(root, 0o755);
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root]);
    const tarball = join(root, JSON.parse(pack.stdout)[0].filename);
    const prefix = join(root, 'prefix');
    await execa('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', 'yo@7.0.1', tarball]);
    const user = await unprivilegedUser();
    await execa('chmod', ['-R', 'a+rX', root]);
    const env = {
      PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
      NODE_PATH: join(prefix, 'lib', 'node_modules'),
      npm_config_prefix: prefix,
      HOME: user.home,
      NO_UPDATE_NOTIFIER: '1',
    };
    const viaYo = join(root, 'via-yo');
    const viaBin = join(root, 'via-bin');
    for (const dir of [viaYo, viaBin]) {
      await mkdir(dir);
      await chown(dir, user.uid, user.gid);
    }
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const yoCmd = user.wrap(['env', ...envArgs, 'yo', 'gitmesh-devops', '--defaults', '--no-insight']);
    const yo = await execa(yoCmd[0]!, yoCmd.slice(1), { cwd: viaYo, reject: false, stdin: 'ignore' });
    assert.equal(yo.exitCode, 0, `${yo.stdout}\n${yo.stderr}`);
    const binCmd = user.wrap(['env', ...envArgs, 'gitmesh-devops', '--defaults']);
    const bin = await execa(binCmd[0]!, binCmd.slice(1), { cwd: viaBin, reject: false, stdin: 'ignore' });
    assert.equal(bin.exitCode, 0, `${bin.stdout}\n${bin.stderr}`);
    const [a, b] = [await treeOf(viaYo), await treeOf(viaBin)];
    assert.ok(a.has('compose.yaml') && a.has('.yo-rc.json'), [...a.keys()].join(', '));
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [path, text] of a) assert.equal(b.get(path), text, `${path} differs`);
    assert.ok((await readdir(viaYo)).includes('Makefile'));
  });
});
