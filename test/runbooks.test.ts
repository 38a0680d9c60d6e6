/**
 * Issue 21: the scaling and incident-response runbooks cover their topics, and `make deploy` / `make
 * rollback` are listed by `make help`, refuse bad input before touching anything, and call the deploy
 * scripts the CD workflows use (checked with GNU make; nothing is deployed).
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { generate, type Generated } from './support/generate.js';

describe('runbooks and make deploy/rollback (issue 21)', function () {
  let g: Generated;
  before(async function () {
    g = await generate({});
  });

  it('docs/runbooks/scaling.md: horizontal services, compose --scale with the edge reload, HPAs, data tier limits, when to move', async function () {
    const doc = await g.read('docs/runbooks/scaling.md');
    for (const topic of [/## What scales horizontally/, /--scale <service>=<n>/, /nginx -s reload/, /HorizontalPodAutoscaler|--targets compose,kubernetes/, /## The data tier scales vertically/, /## When to move to the Kubernetes target/]) assert.match(doc, topic);
    assert.match(doc, /\| `api` \| \d+ \| yes \|/);
    assert.match(doc, /Never scale `job-generator`/);
  });

  it('docs/runbooks/incident-response.md: severities, first five minutes, where to look, communication, postmortem template', async function () {
    const doc = await g.read('docs/runbooks/incident-response.md');
    for (const topic of ['## Severities', '## The first five minutes', '## Where to look', '**Dashboards**', '**Logs**', '**Traces**', '## Communication', '## Postmortem template', 'make rollback ENV=']) assert.ok(doc.includes(topic), topic);
  });

  it('make help lists deploy and rollback', async function () {
    const r = await execa('make', ['-s', '-C', g.dir, 'help']);
    // help colours the target names.
    const text = r.stdout.replace(/\x1B\[[0-9;]*m/g, '');
    assert.match(text, /^\s*deploy\s.*ENV=/m);
    assert.match(text, /^\s*rollback\s.*ENV=/m);
  });

  it('make deploy/rollback refuse a bad ENV or a missing TAG, and otherwise run scripts/deploy/remote.sh', async function () {
    const bad = await execa('make', ['-s', '-C', g.dir, 'deploy', 'ENV=qa', 'TAG=v1'], { reject: false });
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /ENV must be one of: staging production/);
    const noTag = await execa('make', ['-s', '-C', g.dir, 'deploy', 'ENV=staging'], { reject: false });
    assert.equal(noTag.exitCode, 2);
    assert.match(noTag.stderr, /usage: make deploy ENV=<environment> TAG=<image-tag>/);
    const dry = await execa('make', ['-n', '-C', g.dir, 'deploy', 'ENV=production', 'TAG=v1.2.3']);
    assert.match(dry.stdout, /^scripts\/deploy\/remote\.sh deploy v1\.2\.3$/m);
    const back = await execa('make', ['-n', '-C', g.dir, 'rollback', 'ENV=staging']);
    assert.match(back.stdout, /^scripts\/deploy\/remote\.sh rollback\s*$/m);
  });
});
