/** An ordinary (non-root) user for commands users run that way: yo refuses root, secrets need group 10001. */
import { execa } from 'execa';

export const TEST_USER = 'gitmesh-ci';

export interface User {
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** Prefixes a command so it runs as the user (unchanged when we are not root). */
  readonly wrap: (cmd: readonly string[]) => string[];
}

export async function unprivilegedUser(): Promise<User> {
  if (process.getuid?.() !== 0) return { uid: process.getuid!(), gid: process.getgid!(), home: process.env.HOME ?? '/tmp', wrap: (cmd) => [...cmd] };
  if ((await execa('id', ['-u', TEST_USER], { reject: false })).exitCode !== 0) await execa('useradd', ['--create-home', '--shell', '/bin/bash', TEST_USER]);
  const uid = Number((await execa('id', ['-u', TEST_USER])).stdout);
  const gid = Number((await execa('id', ['-g', TEST_USER])).stdout);
  return { uid, gid, home: `/home/${TEST_USER}`, wrap: (cmd) => ['runuser', '-u', TEST_USER, '--', ...cmd] };
}
