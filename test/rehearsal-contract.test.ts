/**
 * Rehearsal against the pinned GitMesh CE tree: the contract between the generated stack and the
 * code it runs, extracted from the snapshot at test time.
 * - Every fact the catalog and the feature groups state cites an upstream line that shows it.
 * - Environment: every variable a service is given is read by its code; every variable it requires
 *   at start is set (non-empty) or documented with a placeholder; feature settings are documented.
 * - Queues: producers, consumers and the queues ElasticMQ declares agree on every name.
 * - Secrets and enums: each generated secret has the format upstream consumes, and enum values are
 *   upstream's.
 * What only the generated CI's e2e job proves: that the services start and talk to each other.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { CATALOG, CATALOG_BY_NAME, type Evidence } from '../generators/lib/catalog.js';
import { FEATURE_GROUPS, FEATURE_IDS } from '../generators/lib/feature-config.js';
import { E2E_EXPECTATIONS } from '../generators/lib/prepare/ci.js';
import type { Secret } from '../generators/lib/model.js';
import { secretEnvName } from '../generators/lib/prepare/wiring.js';
import { contractOf } from './support/rehearsal/env-contract.js';
import { allServicesRepo } from './support/rehearsal/fixture.js';
import { upstream, type UpstreamSnapshot } from './support/upstream.js';

type ComposeService = { environment?: Record<string, string>; secrets?: string[] };

function checkEvidence(up: UpstreamSnapshot, evidence: Evidence, owner: string): string | undefined {
  const [path, lineText] = [evidence.at.slice(0, evidence.at.lastIndexOf(':')), evidence.at.slice(evidence.at.lastIndexOf(':') + 1)];
  let lines: string[];
  try {
    lines = up.read(path).split('\n');
  } catch {
    return `${owner}: ${evidence.at}: no such file in the pinned tree`;
  }
  const line = lines[Number(lineText) - 1];
  if (line === undefined || !line.includes(evidence.shows)) {
    const found = lines.findIndex((l) => l.includes(evidence.shows));
    return `${owner}: ${evidence.at} does not show "${evidence.shows}"${found >= 0 ? ` (line ${found + 1} does)` : ''}`;
  }
  return undefined;
}

/** The value a variable will have in the container, as far as generation decides it. */
function given(svc: ComposeService, secrets: readonly Secret[]): Map<string, { value: string; secret?: Secret }> {
  const out = new Map<string, { value: string; secret?: Secret }>();
  for (const [name, value] of Object.entries(svc.environment ?? {})) {
    const pointer = /^(.+)_FILE$/.exec(name);
    const secret = pointer ? secrets.find((s) => `/run/secrets/${s.name}` === value && secretEnvName(s.name) === pointer[1]) : undefined;
    if (pointer && secret) out.set(pointer[1], { value, secret });
    else out.set(name, { value: String(value) });
  }
  return out;
}

describe('rehearsal (pinned GitMesh CE): service contract', function () {
  this.timeout(300_000);

  it('every catalog fact and feature group cites an upstream line that shows it', async () => {
    const up = await upstream();
    const problems: string[] = [];
    let checked = 0;
    for (const entry of CATALOG) {
      if (!entry.evidence?.length) problems.push(`${entry.name} cites nothing`);
      for (const evidence of [...(entry.evidence ?? []), ...(entry.routes ?? []).map((route) => route.evidence)]) {
        checked += 1;
        const problem = checkEvidence(up, evidence, entry.name);
        if (problem) problems.push(problem);
      }
    }
    for (const id of FEATURE_IDS) {
      const group = FEATURE_GROUPS[id];
      checked += 1;
      const problem = checkEvidence(up, { at: group.source, shows: group.shows }, `feature ${id}`);
      if (problem) problems.push(problem);
    }
    // What the CI's end-to-end smoke test expects from the real services.
    for (const [name, expectation] of Object.entries(E2E_EXPECTATIONS)) {
      checked += 1;
      const problem = checkEvidence(up, expectation.evidence, `e2e ${name}`);
      if (problem) problems.push(problem);
    }
    assert.ok(checked > 80, `only ${checked} citations`);
    assert.deepEqual(problems, []);
  });

  it('every variable a service is given is read by its code, and every variable it requires is set', async () => {
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const compose = parseYaml(readFileSync(join(dir, 'compose.yaml'), 'utf8')) as { services: Record<string, ComposeService> };
    const envExample = new Map([...readFileSync(join(dir, '.env.example'), 'utf8').matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    const unread: string[] = [];
    const missing: string[] = [];
    for (const svc of model.services) {
      const entry = CATALOG_BY_NAME.get(svc.name)!;
      const contract = contractOf(up, entry);
      const env = given(compose.services[svc.name], model.secrets);
      for (const [name, value] of svc.imageEnv) env.set(name, { value });
      // CPython itself reads these (the Python image's runtime settings).
      const runtime = new Set(['PYTHONUNBUFFERED', 'PYTHONDONTWRITEBYTECODE']);
      for (const name of env.keys()) if (!contract.reads.has(name) && !runtime.has(name)) unread.push(`${svc.name}: ${name} is set but nothing in ${entry.source} (or the libraries it uses) reads it`);
      const required = new Map(contract.requires);
      for (const name of entry.requires ?? []) required.set(name, required.get(name) ?? `catalog ${entry.name}`);
      for (const [name, where] of required) {
        const got = env.get(name);
        const documented = (variable: string): boolean => (envExample.get(variable) ?? '') !== '';
        if (!got) missing.push(`${svc.name}: ${name} (required at ${where}) is not set`);
        else if (got.secret) {
          if (got.secret.source.kind === 'optional') missing.push(`${svc.name}: ${name} (required at ${where}) comes from an optional, empty secret`);
        } else if (/^\$\{[A-Z_]+:-\}$/.test(got.value)) missing.push(`${svc.name}: ${name} (required at ${where}) may be empty`);
        else if (/^\$\{([A-Z_]+):\?/.test(got.value) && !documented(/^\$\{([A-Z_]+)/.exec(got.value)![1])) missing.push(`${svc.name}: ${name} (required at ${where}) has no placeholder in .env.example`);
      }
      assert.ok(contract.reads.size > 0 || svc.kind === 'static-frontend', `${svc.name}: extracted no reads`);
    }
    assert.deepEqual([...missing, ...unread], []);
  });

  it('every feature setting a service reads has a documented place: a .env key or a secret file', async () => {
    const { dir, model } = await allServicesRepo();
    const envExample = readFileSync(join(dir, '.env.example'), 'utf8');
    const secretsScript = readFileSync(join(dir, 'scripts/generate-secrets.sh'), 'utf8');
    const problems: string[] = [];
    for (const svc of model.services) {
      for (const [name] of svc.compose.environment) {
        const variable = FEATURE_IDS.flatMap((id) => FEATURE_GROUPS[id].variables).find((v) => v.name === name || `${v.name}_FILE` === name);
        if (!variable) continue;
        if (variable.secret) {
          const file = variable.name.toLowerCase();
          if (!model.secrets.some((s) => s.name === file) || !secretsScript.includes(`secrets/${file}`) && !secretsScript.includes(`"$SECRETS_DIR/${file}"`)) problems.push(`${svc.name}: ${name}: no secret file secrets/${file}`);
        } else if (!new RegExp(`^# .*\\[\\w+\\].*\\n${variable.name}=`, 'm').test(envExample)) problems.push(`${svc.name}: ${name} is not documented in .env.example`);
      }
    }
    assert.deepEqual(problems, []);
    // The groups the issue names each reach at least one service of the full stack.
    for (const id of ['github', 'google', 'slack', 'email', 'nango', 'cubejs', 's3', 'discord', 'signals'] as const) {
      assert.ok(model.services.some((svc) => svc.compose.environment.some(([name]) => FEATURE_GROUPS[id].variables.some((v) => name === v.name || name === `${v.name}_FILE`))), `feature ${id} reaches no service`);
    }
  });

  it("queue names agree: what the services' SQS library sends to, what the backend and Python worker poll, and what ElasticMQ declares", async () => {
    const up = await upstream();
    const { dir, model } = await allServicesRepo();
    const compose = parseYaml(readFileSync(join(dir, 'compose.yaml'), 'utf8')) as { services: Record<string, ComposeService> };
    // Upstream's naming (services/libs/sqs/src/queue.ts): `${name}${suffix}.fifo`, the suffix chosen by NODE_ENV.
    const queueTs = up.read('services/libs/sqs/src/queue.ts');
    const envTs = up.read('services/libs/common/src/env.ts');
    const suffixes: [string, string][] = [...queueTs.matchAll(/if \((IS_\w+_ENV)\) \{\s*env = '([^']+)'/g)].map((m) => {
      const nodeEnv = new RegExp(`export const ${m[1]}: boolean = process\\.env\\.NODE_ENV === '([^']+)'`).exec(envTs)?.[1];
      if (!nodeEnv) throw new Error(`cannot read ${m[1]} in services/libs/common/src/env.ts`);
      return [nodeEnv, m[2]];
    });
    assert.ok(suffixes.length >= 2, `queue.ts suffix logic not found (${up.cite('services/libs/sqs/src/queue.ts', 'let env')})`);
    const libQueues = [...up.read('services/libs/sqs/src/config.ts').matchAll(/name: '([^']+)',\s*type: SqsQueueType\.(FIFO|STANDARD)/g)].map((m) => ({ name: m[1], fifo: m[2] === 'FIFO' }));
    assert.ok(libQueues.length >= 7, JSON.stringify(libQueues));
    const elasticmq = readFileSync(join(dir, 'config/elasticmq/elasticmq.conf'), 'utf8');
    const declared = new Set([...elasticmq.replace(/^[\s\S]*?\nqueues \{/, '').matchAll(/^ {2}"?([A-Za-z0-9_.-]+)"? \{/gm)].map((m) => m[1]));
    const account = /accountId = "?(\d+)"?/.exec(elasticmq)?.[1];
    const problems: string[] = [];
    const used = new Set<string>();
    for (const svc of model.services) {
      if (!svc.needs.includes('sqs')) continue;
      const env = compose.services[svc.name].environment ?? {};
      const nodeEnv = env.NODE_ENV;
      // Services built on @gitmesh/sqs send to (and apps receive from) the library's names.
      if (svc.workspace === 'backend' || svc.workspace === 'services') {
        const suffix = suffixes.find(([value]) => value === nodeEnv)?.[1] ?? '';
        for (const queue of libQueues) {
          const name = `${queue.name}${suffix}${queue.fifo ? '.fifo' : ''}`;
          used.add(name);
          if (!declared.has(name)) problems.push(`${svc.name} (NODE_ENV=${nodeEnv}) uses queue ${name}, which ElasticMQ does not declare`);
          // The backend polls and sends by URL: each URL must name the library's queue.
          const variable = `SQS_${queue.name.replace(/-/g, '_').toUpperCase()}_QUEUE`;
          if (svc.workspace === 'backend' && env[variable] !== undefined && !env[variable].endsWith(`/${name}`)) problems.push(`${svc.name}: ${variable}=${env[variable]} but the library's producers use ${name}`);
        }
      }
      for (const [variable, url] of Object.entries(env).filter(([name]) => /^SQS_\w+_QUEUE$/.test(name))) {
        const m = /^http:\/\/elasticmq:9324\/(\d+)\/([^/]+)$/.exec(url);
        if (!m) problems.push(`${svc.name}: ${variable}=${url} is not an ElasticMQ queue URL`);
        else {
          used.add(m[2]);
          if (m[1] !== account) problems.push(`${svc.name}: ${variable} uses account ${m[1]}, ElasticMQ's is ${account}`);
          if (!declared.has(m[2])) problems.push(`${svc.name}: ${variable} names ${m[2]}, which ElasticMQ does not declare`);
        }
      }
    }
    // Dead-letter queues (issue 21) are used by ElasticMQ itself: a queue names its own in deadLettersQueue.
    const deadLetters = new Set([...elasticmq.matchAll(/deadLettersQueue \{\s*name = "?([A-Za-z0-9_.-]+)"?/g)].map((m) => m[1]));
    for (const name of deadLetters) if (!declared.has(name)) problems.push(`a queue dead-letters to ${name}, which ElasticMQ does not declare`);
    for (const name of declared) if (!used.has(name) && !deadLetters.has(name)) problems.push(`ElasticMQ declares ${name}, which no service uses`);
    assert.deepEqual(problems, []);
  });

  it('the Temporal key generate-secrets writes is a key upstream can use: 32 bytes of UTF-8, an AES-256-GCM key', async () => {
    const up = await upstream();
    // What upstream does with the variable, and the length of its own example key.
    assert.match(up.read('services/libs/temporal/src/encryption/encryption-codec.ts'), /Buffer\.from\(process\.env\['TEMPORAL_ENCRYPTION_KEY'\]\)/);
    assert.match(up.read('services/libs/temporal/src/encryption/crypto.ts'), /const CIPHER = 'AES-GCM'/);
    const example = /^TEMPORAL_ENCRYPTION_KEY=(\S+)$/m.exec(up.read('backend/.env.dist.local'))?.[1];
    assert.ok(example, `no TEMPORAL_ENCRYPTION_KEY example in backend/.env.dist.local`);
    const { dir } = await allServicesRepo();
    const run = await execa('bash', [join(dir, 'scripts/generate-secrets.sh')], { reject: false, env: { SECRETS_DIR: join(dir, 'secrets-rehearsal') } });
    // Operator secrets without a placeholder (discord_token) make the script exit 1 after writing the rest.
    assert.ok(run.exitCode === 0 || /discord_token/.test(run.stderr), run.stderr);
    const value = readFileSync(join(dir, 'secrets-rehearsal', 'temporal_encryption_key'), 'utf8');
    assert.equal(Buffer.from(value).length, Buffer.from(example).length, `key of ${Buffer.from(value).length} bytes; upstream's example has ${Buffer.from(example).length}`);
    assert.equal(Buffer.from(value).length * 8, 256);
    // Exactly what fetchKey does (encryption-codec.ts:68-77), then a round trip like crypto.ts.
    const key = await webcrypto.subtle.importKey('raw', Buffer.from(value), { name: 'AES-GCM' }, true, ['encrypt', 'decrypt']);
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const sealed = await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, Buffer.from('payload'));
    assert.equal(Buffer.from(await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, sealed)).toString(), 'payload');
  });

  it("EDITION and VUE_APP_EDITION are the community value of upstream's Edition enum", async () => {
    const up = await upstream();
    const enumText = up.read('services/libs/types/src/enums/edition.ts');
    const values = new Map([...enumText.matchAll(/(\w+) = '([^']+)'/g)].map((m) => [m[1], m[2]]));
    assert.ok(values.size >= 2, enumText);
    const community = values.get('COMMUNITY');
    assert.ok(community, `no COMMUNITY member in ${enumText}`);
    const { dir } = await allServicesRepo();
    const compose = parseYaml(readFileSync(join(dir, 'compose.yaml'), 'utf8')) as { services: Record<string, ComposeService> };
    const editions = Object.entries(compose.services).flatMap(([name, svc]) => Object.entries(svc.environment ?? {}).filter(([k]) => /(^|_)EDITION$/.test(k)).map(([k, v]) => [name, k, v]));
    assert.ok(editions.length >= 2, JSON.stringify(editions));
    for (const [name, variable, value] of editions) assert.equal(value, community, `${name}: ${variable}=${value}; upstream's enum has ${[...values.values()].join(', ')}`);
  });
});
