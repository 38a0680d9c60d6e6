/**
 * A real pseudo-terminal for interactive tests: Debian's tmux, run as the unprivileged user on a
 * private server socket (`-L`), driven with send-keys and read with capture-pane. The pane stays
 * after the command exits (remain-on-exit), so its exit status and full output can be read. Each
 * terminal's tmux server is ours and is killed by `close()`, which also ends the command.
 *
 * Debian 12's tmux 3.3a (built with libutempter) can lose the command's exit: when the pane's pty
 * closes, tmux runs the utempter helper to drop the utmp record, and libutempter sets SIGCHLD to
 * SIG_DFL while it waits for that helper. A command that finishes exiting in that window sends a
 * SIGCHLD the kernel discards, so tmux never reaps it: the pane is dead (its pty closed) but has no
 * exit status, and the command stays a zombie until the server ends. On a busy machine the command
 * is more often descheduled between closing its pty and its exit, so it happens more. tmux 3.6
 * fixed it by signalling itself after the helper (tmux commit fa5f3cef3, GitHub tmux/tmux#4559);
 * `exited()` does the same from outside.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Installed } from './installed.js';

let counter = 0;

export class Terminal {
  private constructor(
    private readonly installed: Installed,
    private readonly socket: string,
  ) {}

  /** Starts `cmd` (argv) in a new 200x60 pane in `cwd`, with the installed package's environment. */
  static async start(installed: Installed, cwd: string, cmd: readonly string[]): Promise<Terminal> {
    counter += 1;
    const socket = `gitmesh-pty-${process.pid}-${counter}`;
    const conf = join(installed.root, 'tmux.conf');
    await writeFile(conf, 'set -g history-limit 100000\nset -g remain-on-exit on\n', { mode: 0o644 });
    const terminal = new Terminal(installed, socket);
    // tmux runs the command through the user's shell: quote each argument for it.
    const line = cmd.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    await terminal.tmux(['-f', conf, 'new-session', '-d', '-x', '200', '-y', '60', '-c', cwd, line]);
    return terminal;
  }

  private async tmux(args: readonly string[]): Promise<string> {
    const cmd = this.installed.command(['tmux', '-L', this.socket, ...args]);
    const result = await execa(cmd[0]!, cmd.slice(1), { reject: false, stdin: 'ignore' });
    if (result.exitCode !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  /** Named keys (Enter, Down, Space, C-u, ...). */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux(['send-keys', ...keys]);
  }

  /** Literal text, typed as it is. */
  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-l', text]);
  }

  /** Everything the pane has shown: history and screen, wrapped lines joined. */
  async output(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-']);
  }

  /** Polls the pane until `pattern` matches its output (bounded: the test fails after `timeoutMs`). */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = await this.output();
      if (pattern.test(out)) return out;
      if (await this.exited()) throw new Error(`the command ended before ${pattern} appeared:\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  /** The exit status once the command has ended (128 + N when a signal N ended it), else undefined. */
  private async exited(): Promise<number | undefined> {
    const fields = '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{pid}';
    const [dead, status, signal, serverPid] = (await this.tmux(['display-message', '-p', fields])).trim().split('|');
    if (dead !== '1') return undefined;
    if (status) return Number(status);
    if (signal) return 128 + Number(signal);
    // The pty is closed but tmux has not reaped the command: either its SIGCHLD is still on the
    // way, or tmux lost it (see the header). A SIGCHLD to our own server makes it reap now, as
    // tmux 3.6 does itself; the next poll reads the status.
    const pid = Number(serverPid);
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`tmux gave no server pid: "${serverPid}"`);
    process.kill(pid, 'SIGCHLD');
    return undefined;
  }

  /** Waits for the command to end; returns its exit status and output. */
  async waitExit(timeoutMs = 120_000): Promise<{ status: number; output: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.exited();
      if (status !== undefined) return { status, output: await this.output() };
      if (Date.now() > deadline) throw new Error(`timed out waiting for the command to end:\n${await this.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async close(): Promise<void> {
    const socketPath = (await this.tmux(['display-message', '-p', '#{socket_path}']).catch(() => '')).trim();
    await this.tmux(['kill-server']).catch(() => undefined);
    // A killed server leaves its socket file behind.
    if (socketPath) await rm(socketPath, { force: true });
  }
}

/** The last prompt line shown (`? …` while waiting for input, `✔ …` once answered), or undefined. */
export function lastPrompt(output: string): string | undefined {
  return output
    .split('\n')
    .filter((line) => /^[?✔] /.test(line))
    .at(-1);
}

/** Waits until the prompt asking `message` is the one waiting for input; returns the output. */
export async function waitForPrompt(terminal: Terminal, message: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await terminal.waitFor(/^\? /m, timeoutMs);
    if (lastPrompt(out)?.startsWith(`? ${message}`)) return out;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the question "${message}"; last prompt: ${lastPrompt(out)}\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
