/**
 * The way a new user works: the README's install lines, run by an unprivileged user (npm pack in a
 * checkout, then `npm install --global yo@7 ./<tarball>` into their own prefix), then
 * `yo gitmesh-devops --defaults` (yo refuses root) and the package's own `gitmesh-devops` bin in empty
 * directories. Both must succeed and give identical trees.
 */
import assert from 'node:assert/strict';
import { chown, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { installedPackage, readmeInstallCommands } from './support/installed.js';
import { treeOf } from './support/tree.js';

describe('install as documented in the README', function () {
  this.timeout(600_000);

  it('the README installs from a checkout with npm pack and npm install --global, no registry package needed', async () => {
    const lines = await readmeInstallCommands();
    assert.deepEqual(lines, ['npm ci', 'npm pack', 'npm install --global yo@7 ./generator-gitmesh-devops-*.tgz']);
  });

  it('yo gitmesh-devops --defaults and the gitmesh-devops bin, installed and run by an unprivileged user, give identical repos', async () => {
    const installed = await installedPackage();
    const { user } = installed;
    const viaYo = join(installed.root, 'via-yo');
    const viaBin = join(installed.root, 'via-bin');
    for (const dir of [viaYo, viaBin]) {
      await mkdir(dir);
      await chown(dir, user.uid, user.gid);
    }
    // yo finds the installed package (not the checkout it was packed from), with its two generators.
    const listCmd = installed.command(['yo', '--generators', '--no-insight']);
    const list = await execa(listCmd[0]!, listCmd.slice(1), { cwd: viaYo, reject: false, stdin: 'ignore' });
    assert.match(list.stdout, /^ {2}gitmesh-devops\n {4}service\n?$/m, list.stdout);
    const yoCmd = installed.command(['yo', 'gitmesh-devops', '--defaults', '--no-insight']);
    const yo = await execa(yoCmd[0]!, yoCmd.slice(1), { cwd: viaYo, reject: false, stdin: 'ignore' });
    assert.equal(yo.exitCode, 0, `${yo.stdout}\n${yo.stderr}`);
    const binCmd = installed.command(['gitmesh-devops', '--defaults']);
    const bin = await execa(binCmd[0]!, binCmd.slice(1), { cwd: viaBin, reject: false, stdin: 'ignore' });
    assert.equal(bin.exitCode, 0, `${bin.stdout}\n${bin.stderr}`);
    const [a, b] = [await treeOf(viaYo), await treeOf(viaBin)];
    assert.ok(a.has('compose.yaml') && a.has('.yo-rc.json'), [...a.keys()].join(', '));
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [path, text] of a) assert.equal(b.get(path), text, `${path} differs`);
    assert.ok((await readdir(viaYo)).includes('Makefile'));
    // The same output lines either way: one per file, then the summary; no Yeoman conflicter lines.
    const lines = (out: string) => out.split('\n').filter((line) => /^ {2}create /.test(line));
    assert.deepEqual(lines(yo.stdout + yo.stderr), lines(bin.stdout));
    assert.doesNotMatch(yo.stdout + yo.stderr, /^\s*(force|identical|conflict)\s/m);
    assert.doesNotMatch(yo.stdout + yo.stderr, /\.yo-resolve|deprecated/);
  });
});
