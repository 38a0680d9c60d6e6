/**
 * The package installed the way the README says, by an ordinary user: in a copy of this checkout,
 * `npm pack` (its prepack builds dist/), then `npm install --global yo@7 ./<tarball>` into the user's
 * own npm prefix. The commands are read from the README's install block, so the documentation and
 * this test cannot drift apart. One install per test process, shared by the files that need `yo`.
 *
 * One shortcut, stated: the README's `npm ci` is not rerun; the copy links this checkout's
 * node_modules, which `npm ci` produced (rerunning it would only download the same packages again).
 */
import { rmSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { unprivilegedUser, type User } from './unprivileged.js';

export interface Installed {
  readonly user: User;
  /** Temp root, readable by the user; test directories go under it. */
  readonly root: string;
  readonly tarball: string;
  /** Environment for running `yo` and `gitmesh-devops` as the user. */
  readonly env: Readonly<Record<string, string>>;
  /** `cmd` wrapped to run as the user with `env`. */
  readonly command: (cmd: readonly string[]) => string[];
}

/** The shell lines between `<!-- install:begin -->` and `<!-- install:end -->` in README.md, comments dropped. */
export async function readmeInstallCommands(readme = 'README.md'): Promise<string[]> {
  const text = await readFile(readme, 'utf8');
  const block = /<!-- install:begin -->\n```sh\n([\s\S]*?)```\n<!-- install:end -->/.exec(text);
  if (!block) throw new Error('README.md has no <!-- install:begin --> ... <!-- install:end --> sh block');
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line && !line.startsWith('#'));
}

/** Tracked and new (not ignored) files: what a clone of this working tree holds. */
async function checkoutFiles(): Promise<string[]> {
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  return stdout.split('\0').filter(Boolean);
}

let installing: Promise<Installed> | undefined;

export function installedPackage(): Promise<Installed> {
  installing ??= install();
  return installing;
}

async function install(): Promise<Installed> {
  const here = process.cwd();
  const user = await unprivilegedUser();
  const root = await mkdtemp(join(tmpdir(), 'gitmesh-installed-'));
  // The prefix holds a full npm install (~100 MB): removed when the test process ends.
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  await chmod(root, 0o755);
  // Not directly under root: yo also scans the npm prefix's parent for generator-* directories, and
  // would run the checkout instead of the installed package.
  const checkout = join(root, 'src', 'generator-gitmesh-devops');
  for (const file of await checkoutFiles()) {
    try {
      await mkdir(dirname(join(checkout, file)), { recursive: true });
      await cp(join(here, file), join(checkout, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted in the working tree
    }
  }
  await symlink(join(here, 'node_modules'), join(checkout, 'node_modules'));
  // The user's own npm prefix (the README's `npm config set prefix`), fresh for each run.
  const prefix = join(root, 'npm-prefix');
  await mkdir(prefix, { recursive: true });
  await execa('chown', ['-R', `${user.uid}:${user.gid}`, root, prefix]);
  // A clean environment (env -i): under `npm test` the runner's npm_config_* (root's cache) would leak in.
  const env = {
    PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
    HOME: user.home,
    LANG: 'C.UTF-8',
    npm_config_prefix: prefix,
    NODE_PATH: join(prefix, 'lib', 'node_modules'),
    NO_UPDATE_NOTIFIER: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    // The machine's TLS trust and proxy settings (a registry mirror or TLS-inspecting proxy needs them).
    ...Object.fromEntries(
      ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]!]] : [],
      ),
    ),
  };
  const command = (cmd: readonly string[]): string[] => user.wrap(['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...cmd]);
  for (const line of await readmeInstallCommands(join(here, 'README.md'))) {
    if (/^npm ci\b/.test(line)) continue; // see the header: node_modules is linked
    const cmd = command(['bash', '-c', line]);
    const result = await execa(cmd[0]!, cmd.slice(1), { cwd: checkout, reject: false, stdin: 'ignore' });
    if (result.exitCode !== 0) throw new Error(`README install step failed as ${user.uid}: ${line}\n${result.stdout}\n${result.stderr}`);
  }
  const tarballs = (await readdir(checkout)).filter((name) => /^generator-gitmesh-devops-.*\.tgz$/.test(name));
  if (tarballs.length !== 1) throw new Error(`expected one packed tarball, found: ${tarballs.join(', ')}`);
  return { user, root, tarball: join(checkout, tarballs[0]!), env, command };
}
