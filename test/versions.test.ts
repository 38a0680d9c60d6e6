/**
 * Pins: nothing the generator ships is past its end of life on the release date recorded in versions.ts
 * (data, never the clock), every pin says where its date came from, and every pinned image of a generated
 * repo sits in a file Dependabot watches, in a place its file parsers read.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { CI_ACTIONS, CI_TOOL_PINS } from '../generators/lib/ci-actions.js';
import { CATALOG } from '../generators/lib/catalog.js';
import { GENERATOR_RELEASE, PINS, type Pin } from '../generators/lib/versions.js';
import { generate, type Generated } from './support/generate.js';

const ISO = /^\d{4}-\d{2}-\d{2}$/;

/** Problems of a pin table on a given date: an expired line or base, a missing date, source or policy. */
export function pinProblems(pins: Readonly<Record<string, Pin>>, releaseDate: string): string[] {
  const problems: string[] = [];
  for (const [name, pin] of Object.entries(pins)) {
    if (!pin.source.trim()) problems.push(`${name}: no source for its end-of-life date`);
    if (pin.eol === null) {
      if (!pin.policy?.trim()) problems.push(`${name}: no end-of-life date and no support policy`);
    } else if (!ISO.test(pin.eol)) problems.push(`${name}: end of life ${pin.eol} is not an ISO date`);
    else if (pin.eol <= releaseDate) problems.push(`${name}: ${pin.line} ended on ${pin.eol}, before the release date ${releaseDate}`);
    if (pin.base) {
      if (!ISO.test(pin.base.eol)) problems.push(`${name}: base ${pin.base.os} end of life ${pin.base.eol} is not an ISO date`);
      else if (pin.base.eol <= releaseDate) problems.push(`${name}: base ${pin.base.os} ended on ${pin.base.eol}, before the release date ${releaseDate}`);
    }
    // The OS named in the tag is the one whose date is recorded.
    const tag = pin.image.slice(pin.image.lastIndexOf(':') + 1);
    const alpine = /alpine(\d+\.\d+)/.exec(tag)?.[1];
    if (alpine && pin.base?.os !== `Alpine ${alpine}`) problems.push(`${name}: tag says Alpine ${alpine}, the record says ${pin.base?.os ?? 'nothing'}`);
    for (const [codename, os] of [['trixie', 'Debian 13'], ['bookworm', 'Debian 12'], ['bullseye', 'Debian 11']] as const) {
      if (tag.includes(codename) && !pin.base?.os.startsWith(os)) problems.push(`${name}: tag says ${codename}, the record says ${pin.base?.os ?? 'nothing'}`);
    }
    if (!/\d/.test(tag) || /^(latest|stable|mainline|lts)$/.test(tag)) problems.push(`${name}: ${pin.image} is not an exact version`);
  }
  return problems;
}

describe('pins: end of life, sources, and Dependabot coverage', function () {
  describe('the end-of-life table (release date from versions.ts, not the clock)', function () {
    it('records a valid release date', function () {
      assert.match(GENERATOR_RELEASE.date, ISO);
    });

    it('no image pin or its base OS reaches its end of life before the release date, and each says where the date was read', function () {
      assert.deepEqual(pinProblems(PINS, GENERATOR_RELEASE.date), []);
      assert.deepEqual(pinProblems(CI_TOOL_PINS, GENERATOR_RELEASE.date), []);
    });

    it('fails on a pin whose line or base ended before the release date, or that records no date and no policy', function () {
      const expired: Record<string, Pin> = {
        node: { image: 'node:20.19.5-alpine3.22', line: 'Node.js 20', eol: '2026-04-30', source: 'nodejs/Release', base: { os: 'Alpine 3.22', eol: '2027-05-01', source: 'eol.d' } },
        redis: { image: 'redis:7.4.6-alpine3.21', line: 'Redis 7.4', eol: '2029-12-01', source: 'eol.d', base: { os: 'Alpine 3.21', eol: '2026-11-01', source: 'eol.d' } },
        promtail: { image: 'grafana/promtail:3.5.3', line: 'Promtail', eol: null, source: 'grafana.com' },
        mislabelled: { image: 'nginx:1.30.5-alpine3.24', line: 'nginx 1.30', eol: null, policy: 'stable', source: 'x', base: { os: 'Alpine 3.23', eol: '2027-11-01', source: 'eol.d' } },
      };
      const problems = pinProblems(expired, GENERATOR_RELEASE.date).join('\n');
      assert.match(problems, /node: Node\.js 20 ended on 2026-04-30/);
      assert.match(problems, /redis: base Alpine 3\.21 ended on 2026-11-01/);
      assert.match(problems, /promtail: no end-of-life date and no support policy/);
      assert.match(problems, /mislabelled: tag says Alpine 3\.24/);
    });

    it('the Node images share one Node.js version (Debian for Temporal workers, Alpine otherwise), and Temporal server and admin tools one version', function () {
      const nodeVersion = (image: string): string => /^node:(\d+\.\d+\.\d+)-/.exec(image)![1]!;
      assert.equal(nodeVersion(PINS.node.image), nodeVersion(PINS.nodeGlibc.image));
      assert.match(PINS.node.image, /-alpine\d/);
      assert.match(PINS.nodeGlibc.image, /-(trixie|bookworm)-slim$/);
      assert.equal(PINS.temporal.image.split(':')[1], PINS.temporalAdminTools.image.split(':')[1]);
      assert.ok(CATALOG.some((entry) => entry.temporalWorker), 'the catalog names the services that need glibc');
    });

    it('every action is pinned to a 40-hex SHA with its version and records where the pairing was confirmed', function () {
      for (const [name, action] of Object.entries(CI_ACTIONS)) {
        assert.match(action.sha, /^[0-9a-f]{40}$/, name);
        assert.match(action.version, /^v\d+\.\d+\.\d+$/, name);
        assert.match(action.confirmed, /git rev-list -n1 <tag>; runs\.using (node24|composite)/, name);
      }
    });
  });

  // ------------------------------------------------------------------------------------ Dependabot

  /** dependabot-core docker_compose/file_fetcher.rb FILENAME_REGEX, and docker/file_fetcher.rb DOCKER_REGEXP + YAML_REGEXP. */
  const COMPOSE_FILE = /(docker-)?compose(-[\w]+)?(\.[\w-]+)?\.ya?ml/i;
  const DOCKERFILE = /dockerfile|containerfile/i;
  const K8S_YAML = /^[^.].*\.ya?ml$/i;

  interface Watched {
    readonly docker: readonly string[];
    readonly compose: readonly string[];
  }

  function watched(dependabot: string): Watched {
    const doc = parseYaml(dependabot) as { updates: { 'package-ecosystem': string; directory?: string; directories?: string[] }[] };
    const dirs = (eco: string): string[] => doc.updates.filter((u) => u['package-ecosystem'] === eco).flatMap((u) => u.directories ?? (u.directory ? [u.directory] : []));
    return { docker: dirs('docker'), compose: dirs('docker-compose') };
  }

  const inDir = (file: string, dirs: readonly string[]): boolean => dirs.some((d) => `/${dirname(file)}`.replace(/\/\.$/, '/') === d);

  /** The images Dependabot's parsers read from one file (compose services.*.image, Dockerfile FROM, Kubernetes containers[].image). */
  function imagesDependabotReads(file: string, text: string, w: Watched): string[] {
    const name = basename(file);
    const images: string[] = [];
    if (inDir(file, w.compose) && COMPOSE_FILE.test(name)) {
      const doc = parseYaml(text) as { services?: Record<string, { image?: string }> } | null;
      for (const svc of Object.values(doc?.services ?? {})) if (svc.image) images.push(svc.image);
    }
    if (inDir(file, w.docker) && DOCKERFILE.test(name)) {
      for (const m of text.matchAll(/^FROM\s+(?:--platform=\S+\s+)?(\S+)/gim)) images.push(m[1]!);
    }
    if (inDir(file, w.docker) && K8S_YAML.test(name) && !COMPOSE_FILE.test(name)) {
      for (const doc of parseAllDocuments(text)) {
        const json = JSON.stringify(doc.toJSON() ?? {});
        if (!/"apiVersion"/.test(json) || !/"kind"/.test(json)) continue;
        for (const m of json.matchAll(/"image":"([^"]+)"/g)) images.push(m[1]!);
      }
    }
    return images;
  }

  function files(root: string): string[] {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir)) {
        if (entry === '.git' || entry === '.gitmesh-devops') continue;
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else out.push(relative(root, path));
      }
    };
    walk(root);
    return out;
  }

  const ALL_PINS: readonly string[] = [...Object.values(PINS), ...Object.values(CI_TOOL_PINS)].map((pin) => pin.image);

  /** Every pin a generated repo contains outside documentation, and whether Dependabot reads it where it is. */
  function coverageProblems(g: Generated): { problems: string[]; covered: Set<string> } {
    const w = watched(readFileSync(join(g.dir, '.github/dependabot.yml'), 'utf8'));
    const problems: string[] = [];
    const covered = new Set<string>();
    for (const file of files(g.dir)) {
      const text = readFileSync(join(g.dir, file), 'utf8');
      const present = ALL_PINS.filter((pin) => text.includes(pin));
      if (present.length === 0) continue;
      // Documentation may quote a pin; it is not a pin.
      if (file.endsWith('.md')) continue;
      const read = new Set(imagesDependabotReads(file, text, w));
      for (const pin of present) {
        if (read.has(pin)) covered.add(pin);
        else problems.push(`${file}: ${pin} is in a place Dependabot does not read or watch`);
      }
    }
    return { problems, covered };
  }

  const CASES: [string, Record<string, unknown>][] = [
    ['defaults', {}],
    ['every service, replica, Kafka, Kubernetes', { services: CATALOG.map((e) => e.name).join(','), postgresReplica: true, queue: 'sqs+kafka', targets: 'compose,kubernetes', tlsMode: 'self-signed' }],
    ['monitoring off, external PostgreSQL', { monitoring: false, postgres: false }],
  ];

  for (const [label, raw] of CASES) {
    it(`${label}: every pinned image sits in a file Dependabot watches, where its parser reads it`, async function () {
      const g = await generate(raw);
      const { problems, covered } = coverageProblems(g);
      assert.deepEqual(problems, []);
      // Every pin the model uses is reachable by Dependabot somewhere.
      const used = new Set([...g.model.composeServices.map((svc) => svc.image), ...Object.values(CI_TOOL_PINS).map((p) => p.image)].filter((image) => ALL_PINS.includes(image)));
      for (const image of used) assert.ok(covered.has(image), `${image} is used but no watched file carries it`);
      const dep = parseYaml(readFileSync(join(g.dir, '.github/dependabot.yml'), 'utf8')) as { updates: Record<string, unknown>[] };
      const submodule = dep.updates.find((u) => u['package-ecosystem'] === 'gitsubmodule') as { schedule: { interval: string }; groups: Record<string, { patterns: string[] }> };
      assert.equal(submodule.schedule.interval, 'weekly');
      assert.deepEqual(Object.values(submodule.groups)[0]!.patterns, ['*']);
    });
  }

  it('the coverage check catches a pin in a file Dependabot does not parse (a workflow, a Makefile) and an unwatched directory', async function () {
    const g = await generate({});
    const ci = readFileSync(join(g.dir, '.github/workflows/ci.yml'), 'utf8');
    const w = watched(readFileSync(join(g.dir, '.github/dependabot.yml'), 'utf8'));
    assert.deepEqual(imagesDependabotReads('.github/workflows/ci.yml', `${ci}\n# docker run ${PINS.postgres.image}\n`, w), []);
    assert.deepEqual(imagesDependabotReads('Makefile', `lint:\n\tdocker run ${PINS.prometheus.image}\n`, w), []);
    assert.deepEqual(imagesDependabotReads('docker/unwatched/Dockerfile', `FROM ${PINS.node.image}\n`, w), []);
    assert.deepEqual(imagesDependabotReads('docker/api/Dockerfile', `FROM ${PINS.node.image}\n`, w), [PINS.node.image]);
    assert.deepEqual(imagesDependabotReads('compose.tools.yaml', `services:\n  x:\n    image: "${PINS.redis.image}"\n`, w), [PINS.redis.image]);
  });
});
