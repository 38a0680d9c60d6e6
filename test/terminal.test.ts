/**
 * Issue 23: a new user's first hour in a real terminal. The package is installed as the README says,
 * by an unprivileged user (yo refuses root), and driven in a pseudo-terminal (Debian's tmux): Enter
 * through every question, choices with Space and arrows, follow-up questions, wrong answers re-asked
 * at once, the service sub-generator, and `yo` runs without a terminal that remove a service or
 * delete a file in an upgrade. Every result is compared byte for byte with the bin's.
 */
import assert from 'node:assert/strict';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { resolveAnswers } from '../generators/lib/answers.js';
import { declarationOf, OPTION_NAMES, type Answers } from '../generators/lib/options.js';
import { installedPackage, type Installed } from './support/installed.js';
import { Terminal, waitForPrompt } from './support/terminal.js';
import { treeOf } from './support/tree.js';

let installed: Installed;
let dirs = 0;

/** A new empty directory the user owns. */
async function userDir(label: string): Promise<string> {
  dirs += 1;
  const dir = join(installed.root, `${label}-${dirs}`);
  await mkdir(dir);
  await chown(dir, installed.user.uid, installed.user.gid);
  return dir;
}

/** Runs a command as the user with no terminal (stdin closed), as CI and scripts do. */
async function run(cwd: string, cmd: string[]) {
  const wrapped = installed.command(cmd);
  return execa(wrapped[0]!, wrapped.slice(1), { cwd, reject: false, stdin: 'ignore', all: true });
}

async function copyAsUser(from: string, label: string): Promise<string> {
  const to = await userDir(label);
  await execa('cp', ['-a', `${from}/.`, to]);
  return to;
}

async function assertSameTree(actual: string, expected: string): Promise<void> {
  const [a, b] = [await treeOf(actual), await treeOf(expected)];
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [path, text] of b) assert.equal(a.get(path), text, `${path} differs from the bin's`);
}

/** The questions a run asks for these final answers, in order: each `when` sees the answers before it. */
function questionsFor(answers: Answers): { name: string; message: string }[] {
  const bag: Record<string, unknown> = {};
  const asked: { name: string; message: string }[] = [];
  for (const name of OPTION_NAMES) {
    const decl = declarationOf(name);
    if (!decl.hidden && (!decl.when || decl.when(bag))) asked.push({ name, message: decl.message });
    bag[name] = answers[name];
  }
  return asked;
}

function answersOf(raw: Record<string, unknown>): Answers {
  const resolution = resolveAnswers(raw, { useDefaults: true });
  assert.ok(resolution.answers, resolution.problems.join('; '));
  return resolution.answers;
}

/** Answers every question in order: `act` types or presses keys for the ones it knows, Enter otherwise. */
async function interview(terminal: Terminal, answers: Answers, act: Record<string, (t: Terminal) => Promise<void>> = {}): Promise<void> {
  for (const { name, message } of questionsFor(answers)) {
    await waitForPrompt(terminal, message);
    if (act[name]) await act[name]!(terminal);
    else await terminal.keys('Enter');
  }
}

function assertQuiet(output: string): void {
  assert.doesNotMatch(output, /deprecated/i, 'a prompt printed a deprecation warning');
  assert.doesNotMatch(output, /Overwrite|ynarxdeih|force closed/i, "Yeoman's conflicter must never ask");
  assert.doesNotMatch(output, /\.yo-resolve/);
}

describe('a new user in a real terminal (tmux, unprivileged user)', function () {
  this.timeout(600_000);
  before(async () => {
    installed = await installedPackage();
  });

  it('yo gitmesh-devops: Enter through every question writes byte for byte what gitmesh-devops --defaults writes', async () => {
    const dir = await userDir('enter-yo');
    const terminal = await Terminal.start(installed, dir, ['yo', 'gitmesh-devops', '--no-insight']);
    try {
      // With the defaults, letsencrypt brings its follow-up: the ACME e-mail is asked after the TLS mode.
      const order = questionsFor(answersOf({})).map((q) => q.name);
      assert.ok(order.indexOf('acmeEmail') === order.indexOf('tlsMode') + 1, order.join(', '));
      await interview(terminal, answersOf({}));
      const { status, output } = await terminal.waitExit();
      assert.equal(status, 0, output);
      assertQuiet(output);
      assert.match(output, /^Done: \d+ created\.$/m);
      assert.match(output, /^Next steps:$/m);
      const viaBin = await userDir('enter-bin');
      const bin = await run(viaBin, ['gitmesh-devops', '--defaults']);
      assert.equal(bin.exitCode, 0, bin.all);
      await assertSameTree(dir, viaBin);
    } finally {
      await terminal.close();
    }
  });

  it('yo gitmesh-devops with choices: Space deselects a service, Kubernetes is picked, provided TLS asks for its paths, a bad domain is re-asked', async () => {
    const dir = await userDir('choices-yo');
    const services = answersOf({}).services.filter((name) => name !== 'webhook-api');
    const expected = answersOf({ domain: 'mesh.example.org', services, tlsMode: 'provided', tlsCertPath: '/etc/ssl/mesh/fullchain.pem', targets: ['compose', 'kubernetes'] });
    const asked = questionsFor(expected).map((q) => q.name);
    assert.ok(asked.includes('tlsCertPath') && asked.includes('tlsKeyPath') && !asked.includes('acmeEmail'));
    const terminal = await Terminal.start(installed, dir, ['yo', 'gitmesh-devops', '--no-insight']);
    try {
      await interview(terminal, expected, {
        domain: async (t) => {
          await t.type('not a domain');
          await t.keys('Enter');
          // Re-asked at once: the reason under the same question, which still waits for input.
          const out = await t.waitFor(/^> .*"not a domain" is not a valid fully-qualified domain name/m);
          assert.match(out.split('\n').filter((line) => /^[?✔] /.test(line)).at(-1)!, /^\? Primary domain GitMesh is served on/);
          await t.keys('C-u');
          await t.type('mesh.example.org');
          await t.keys('Enter');
        },
        // The list starts at api: move to webhook-api (third) and deselect it.
        services: async (t) => t.keys('Down', 'Down', 'Space', 'Enter'),
        tlsMode: async (t) => t.keys('Down', 'Enter'),
        tlsCertPath: async (t) => {
          await t.type('/etc/ssl/mesh/fullchain.pem');
          await t.keys('Enter');
        },
        targets: async (t) => t.keys('Down', 'Space', 'Enter'),
      });
      const { status, output } = await terminal.waitExit();
      assert.equal(status, 0, output);
      assertQuiet(output);
      const viaBin = await userDir('choices-bin');
      const bin = await run(viaBin, [
        'gitmesh-devops', '--defaults', '--domain', 'mesh.example.org', '--services', services.join(','), '--tls-mode', 'provided',
        '--tls-cert-path', '/etc/ssl/mesh/fullchain.pem', '--targets', 'compose,kubernetes',
      ]);
      assert.equal(bin.exitCode, 0, bin.all);
      await assertSameTree(dir, viaBin);
      assert.ok((await treeOf(dir)).has('deploy/kubernetes/base/kustomization.yaml'));
    } finally {
      await terminal.close();
    }
  });

  it('the gitmesh-devops bin asks the same questions: letsencrypt asks for the e-mail, and a bad one is re-asked', async () => {
    const dir = await userDir('bin-interactive');
    const expected = answersOf({ acmeEmail: 'admin@example.org' });
    const terminal = await Terminal.start(installed, dir, ['gitmesh-devops']);
    try {
      await interview(terminal, expected, {
        acmeEmail: async (t) => {
          await t.type('not-an-email');
          await t.keys('Enter');
          await t.waitFor(/^> .*"not-an-email" is not a valid email address/m);
          await t.keys('C-u');
          await t.type('admin@example.org');
          await t.keys('Enter');
        },
      });
      const { status, output } = await terminal.waitExit();
      assert.equal(status, 0, output);
      assertQuiet(output);
      const viaBin = await userDir('bin-flags');
      assert.equal((await run(viaBin, ['gitmesh-devops', '--defaults', '--acme-email', 'admin@example.org'])).exitCode, 0);
      await assertSameTree(dir, viaBin);
    } finally {
      await terminal.close();
    }
  });

  it('yo gitmesh-devops:service re-asks each wrong answer at once, then equals gitmesh-devops add-service', async () => {
    const dir = await userDir('service-yo');
    assert.equal((await run(dir, ['gitmesh-devops', '--defaults'])).exitCode, 0);
    const viaBin = await copyAsUser(dir, 'service-bin');
    const terminal = await Terminal.start(installed, dir, ['yo', 'gitmesh-devops:service', '--no-insight']);
    /** Types a wrong answer, checks it is refused under the same question, then types the right one. */
    const retry = async (question: string, wrong: string, error: RegExp, right: string): Promise<void> => {
      await waitForPrompt(terminal, question);
      await terminal.type(wrong);
      await terminal.keys('Enter');
      const out = await terminal.waitFor(error);
      assert.match(out.split('\n').filter((line) => /^[?✔] /.test(line)).at(-1)!, new RegExp(`^\\? ${question}`), `${question} must be asked again`);
      await terminal.keys('C-u');
      await terminal.type(right);
      await terminal.keys('Enter');
    };
    const enter = async (question: string, ...keys: string[]): Promise<void> => {
      await waitForPrompt(terminal, question);
      await terminal.keys(...(keys.length ? keys : ['Enter']));
    };
    try {
      await retry('Service name', 'api', /^> --name: "api" is already a service of this stack/m, 'billing');
      await enter('Kind of service'); // node-api, the first choice
      await retry('Source path', '../../etc', /^> --source: source "\.\.\/\.\.\/etc" must be a relative path/m, 'services/apps/billing');
      await retry('Port it listens on', '99999', /^> --port: port 99999 must be an integer from 1024 to 65535/m, '9100');
      await retry('HTTP health path', 'health', /^> --health-path: "health" is not an HTTP path/m, '/health');
      await retry('Edge path', 'billing', /^> --route: "billing" is not a route path/m, '/billing/');
      await retry('Replicas', 'two', /^> --replicas: "two" is not a whole number/m, '2');
      await enter('Size class'); // standard
      await enter('Data services it needs', 'Space', 'Enter'); // postgres, the first choice
      await retry('Environment variables', 'billing mode', /^> --env-vars: "billing mode": env must list UPPER_SNAKE_CASE/m, 'BILLING_MODE');
      await enter('Random secrets');
      await waitForPrompt(terminal, 'Secrets a third party issues');
      await terminal.type('stripe_api_key');
      await terminal.keys('Enter');
      const { status, output } = await terminal.waitExit();
      assert.equal(status, 0, output);
      assertQuiet(output);
      assert.match(output, /Set BILLING_MODE in \.env for billing/);
      assert.match(output, /Write the real stripe_api_key .* to secrets\/stripe_api_key/);
      const add = await run(viaBin, [
        'gitmesh-devops', 'add-service', '--name', 'billing', '--kind', 'node-api', '--source', 'services/apps/billing', '--port', '9100', '--health-path', '/health',
        '--route', '/billing/', '--replicas', '2', '--needs', 'postgres', '--env-vars', 'BILLING_MODE', '--external-secrets', 'stripe_api_key',
      ]);
      assert.equal(add.exitCode, 0, add.all);
      await assertSameTree(dir, viaBin);
    } finally {
      await terminal.close();
    }
  });
});

describe('yo without a terminal never stops at a prompt (issue 23)', function () {
  this.timeout(600_000);
  before(async () => {
    installed = await installedPackage();
  });

  it('yo gitmesh-devops:service --remove deletes the service\'s files with no prompt, exactly as remove-service does', async () => {
    const dir = await userDir('remove-yo');
    assert.equal((await run(dir, ['gitmesh-devops', '--defaults'])).exitCode, 0);
    const add = await run(dir, ['gitmesh-devops', 'add-service', '--name', 'billing', '--kind', 'node-api', '--source', 'services/apps/billing', '--port', '9100', '--route', '/billing/', '--secrets', 'billing_token']);
    assert.equal(add.exitCode, 0, add.all);
    await writeFile(join(dir, 'secrets', 'billing_token'), 'x');
    await chown(join(dir, 'secrets', 'billing_token'), installed.user.uid, installed.user.gid);
    const viaBin = await copyAsUser(dir, 'remove-bin');
    const yo = await run(dir, ['yo', 'gitmesh-devops:service', '--remove', '--name', 'billing', '--no-insight']);
    assert.equal(yo.exitCode, 0, yo.all);
    assertQuiet(yo.all ?? '');
    assert.match(yo.all ?? '', /^ {2}delete +docker\/billing\/Dockerfile/m);
    assert.match(yo.all ?? '', /No service uses secrets\/billing_token any more/);
    const bin = await run(viaBin, ['gitmesh-devops', 'remove-service', '--name', 'billing']);
    assert.equal(bin.exitCode, 0, bin.all);
    await assertSameTree(dir, viaBin);
    assert.ok(!(await treeOf(dir)).has('docker/billing/Dockerfile'));
  });

  it('an upgrade that deletes a file, under yo with no terminal: no prompt, the versions named, the bin\'s result', async () => {
    const dir = await userDir('upgrade-yo');
    assert.equal((await run(dir, ['gitmesh-devops', '--defaults'])).exitCode, 0);
    // As an older generator left it: a guide it generated then, and no longer does.
    const guide = '# Old guide\n\nGenerated by an older release.\n';
    const manifestPath = join(dir, '.gitmesh-devops/manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(guide).digest('hex');
    manifest.version = '0.0.9';
    manifest.files['docs/old-guide.md'] = { sha256: hash, template: hash };
    manifest.files = Object.fromEntries(Object.keys(manifest.files).sort().map((key) => [key, manifest.files[key]]));
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(dir, 'docs/old-guide.md'), guide);
    await writeFile(join(dir, '.gitmesh-devops/base/docs/old-guide.md'), guide);
    await execa('chown', ['-R', `${installed.user.uid}:${installed.user.gid}`, dir]);
    const viaBin = await copyAsUser(dir, 'upgrade-bin');
    const yo = await run(dir, ['yo', 'gitmesh-devops', '--no-insight']);
    assert.equal(yo.exitCode, 0, yo.all);
    assertQuiet(yo.all ?? '');
    assert.match(yo.all ?? '', /Upgrading the repo from generator-gitmesh-devops 0\.0\.9 → /);
    assert.match(yo.all ?? '', /^ {2}delete +docs\/old-guide\.md +\(no longer generated and never edited\)/m);
    assert.doesNotMatch(yo.all ?? '', /\.gitmesh-devops\/base/, 'merge-base copies are never listed');
    const bin = await run(viaBin, ['gitmesh-devops']);
    assert.equal(bin.exitCode, 0, bin.all);
    await assertSameTree(dir, viaBin);
    assert.ok(!(await treeOf(dir)).has('docs/old-guide.md'));
    // And a rerun under yo says so, and writes nothing.
    const before = await treeOf(dir);
    const again = await run(dir, ['yo', 'gitmesh-devops', '--no-insight']);
    assert.equal(again.exitCode, 0, again.all);
    assert.match(again.all ?? '', /^Nothing to change: the repo matches the answers\.$/m);
    assert.deepEqual(await treeOf(dir), before);
  });
});

describe('the pseudo-terminal harness (tmux, unprivileged user)', function () {
  this.timeout(600_000);
  before(async () => {
    installed = await installedPackage();
  });

  /**
   * Recreates the race behind the terminal tests' hangs: the command closes its pty, then exits
   * while tmux runs its utempter helper (a second child of the server), when libutempter holds
   * SIGCHLD at SIG_DFL and the kernel discards the command's SIGCHLD. On this machine about half of
   * the runs hit it (12 of 20 in one measurement); before the harness nudged tmux, each hit left
   * the pane dead with no status and waitExit timed out.
   */
  const exitDuringUtempter = [
    'use POSIX ();',
    "$SIG{HUP} = 'IGNORE';", // tmux closing the pty master must not end us first
    "open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');",
    'my $ppid = getppid();', // tmux's server: the shell execs a single command
    'my $deadline = time + 3;',
    'while (time < $deadline) {',
    '  open(my $fh, "<", "/proc/$ppid/task/$ppid/children") or last;',
    "  my $kids = <$fh> // ''; close($fh);",
    '  POSIX::_exit(7) if $kids =~ /\\d\\s+\\d/;',
    '}',
    'POSIX::_exit(7);',
  ].join('\n');

  it('reads the exit status even when Debian\'s tmux 3.3a loses the command\'s SIGCHLD (libutempter race, tmux#4559)', async () => {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const terminal = await Terminal.start(installed, await userDir('harness'), ['perl', '-e', exitDuringUtempter]);
      try {
        assert.equal((await terminal.waitExit()).status, 7, `attempt ${attempt + 1}`);
      } finally {
        await terminal.close();
      }
    }
  });
});
