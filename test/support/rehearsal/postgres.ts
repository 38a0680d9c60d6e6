/**
 * A throwaway PostgreSQL server of the major the stack pins (Debian's packages, from
 * .ci/install-deps.sh): its own data directory and socket, a free loopback port, trust auth for the
 * one local role, stopped and removed by `stop()`. As root it runs as Debian's postgres user.
 */
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import { POSTGRES_MAJOR } from '../../../generators/lib/versions.js';
import { requireTool } from '../validators.js';
import { freePort } from '../free-port.js';

export const PG_BIN = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;

export interface ThrowawayPostgres {
  readonly port: number;
  readonly user: string;
  /** psql against `db` with ON_ERROR_STOP; rejects on failure. */
  readonly psql: (db: string, args: readonly string[], options?: Options) => Promise<string>;
  /** psql as another role (trust auth): what that role may do. */
  readonly psqlAs: (role: string, db: string, args: readonly string[], options?: Options) => Promise<string>;
  readonly stop: () => Promise<void>;
}


export async function startPostgres(): Promise<ThrowawayPostgres> {
  requireTool('psql');
  if (!existsSync(`${PG_BIN}/postgres`)) throw new Error(`PostgreSQL ${POSTGRES_MAJOR} is not installed; run: sudo bash .ci/install-deps.sh`);
  const root = mkdtempSync(join(tmpdir(), 'gitmesh-rehearsal-pg-'));
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  mkdirSync(data, { mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await execa('id', ['-u', 'postgres'])).stdout);
    const gid = Number((await execa('id', ['-g', 'postgres'])).stdout);
    chownSync(data, uid, gid);
  }
  const asPg = (cmd: string, args: string[]) => (asRoot ? execa('runuser', ['-u', 'postgres', '--', cmd, ...args]) : execa(cmd, args));
  const port = await freePort();
  const user = 'gitmesh';
  await asPg(`${PG_BIN}/initdb`, ['-D', data, '-U', user, '--auth=trust', '--no-sync']);
  await asPg(`${PG_BIN}/pg_ctl`, ['-D', data, '-w', '-l', join(data, 'server.log'), '-o', `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, 'start']);
  const psqlAs = async (role: string, db: string, args: readonly string[], options: Options = {}): Promise<string> => {
    const r = await execa('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', role, '-d', db, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...args], { stdin: 'ignore', ...options });
    return String(r.stdout);
  };
  const psql = (db: string, args: readonly string[], options: Options = {}): Promise<string> => psqlAs(user, db, args, options);
  const stop = async (): Promise<void> => {
    await asPg(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  return { port, user, psql, psqlAs, stop };
}
