/**
 * compose files are serialised from the model (files/compose-yaml.ts, yaml Document API): parsing one back
 * gives exactly the model's services, so no value can be spliced into YAML syntax. Schema and
 * `docker-compose config` checks of the same files are in test/generate.test.ts.
 */
import { strict as assert } from 'node:assert';
import { parse, parseDocument } from 'yaml';
import type { ComposeService } from '../generators/lib/model.js';
import { composeOverrideYaml, composeYaml } from '../generators/lib/files/compose-yaml.js';
import { composeView } from '../generators/lib/prepare/compose.js';
import { modelFrom } from './support/generate.js';

const hostile = 'a "quoted" value: #not-a-comment, ${VAR:-x} and $$, a\\backslash, a tab\there, ünïcode';

describe('compose files from data (issue 20)', () => {
  it('every service parses back to the model: environment, commands, mounts, health, limits', () => {
    const model = modelFrom({ monitoring: true });
    for (const file of ['main', 'monitoring'] as const) {
      const view = composeView(model, file);
      const doc = parse(composeYaml(view)) as { services: Record<string, Record<string, unknown>> };
      assert.deepEqual(Object.keys(doc.services), view.services.map((svc) => svc.name));
      for (const svc of view.services) {
        const out = doc.services[svc.name]!;
        assert.equal(out.image, svc.image);
        assert.deepEqual(out.environment ?? {}, Object.fromEntries(svc.environment));
        assert.deepEqual(out.command ?? [], svc.command ?? []);
        // Healthcheck commands are literal: Compose must not interpolate their `$`.
        assert.deepEqual((out.healthcheck as { test: string[] }).test, svc.healthcheck.test.map((part) => part.replace(/\$/g, '$$$$')));
        assert.deepEqual(out.volumes ?? [], svc.mounts.map((m) => ({ type: m.type, source: m.source, target: m.target, read_only: m.readOnly })));
        assert.deepEqual((out.deploy as { resources: unknown }).resources, { limits: svc.resources.limits, reservations: svc.resources.reservations });
        assert.equal(out.read_only, svc.readOnly);
      }
    }
  });

  it('a hostile string stays one value, and descriptions stay comments', () => {
    const model = modelFrom({});
    const view = composeView(model, 'main');
    const svc: ComposeService = { ...view.services[0]!, description: 'what it is: #1', environment: [['HOSTILE', hostile]], command: [hostile] };
    const text = composeYaml({ ...view, services: [svc] });
    const doc = parseDocument(text);
    assert.deepEqual(doc.errors, []);
    const parsed = doc.toJS() as { services: Record<string, { environment: Record<string, string>; command: string[] }> };
    assert.equal(parsed.services[svc.name]!.environment.HOSTILE, hostile);
    assert.deepEqual(parsed.services[svc.name]!.command, [hostile]);
    assert.match(text, /^ {2}# what it is: #1\n {2}[a-z0-9-]+:\n/m);
    assert.match(text, /^ {6}# Proves: /m);
  });

  it('the development override builds, publishes debug ports and adds the developer group only where needed', () => {
    const model = modelFrom({});
    const services = model.composeServices.filter((svc) => svc.file === 'main' && (svc.build || svc.devPorts.length || svc.secrets.length));
    const doc = parse(composeOverrideYaml(services)) as { services: Record<string, { build?: unknown; ports?: string[]; group_add?: string[] }> };
    for (const svc of services) {
      const out = doc.services[svc.name]!;
      assert.deepEqual(out.build, svc.build);
      assert.deepEqual(out.ports, svc.devPorts.length ? svc.devPorts : undefined);
      assert.deepEqual(out.group_add, svc.secrets.length ? ['${GITMESH_DEV_GID:-65534}'] : undefined);
    }
  });
});
