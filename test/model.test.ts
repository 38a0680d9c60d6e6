/**
 * The closed model (issue 20): views are built once from the finished model, and every service kind
 * has its traits. The golden samples prove the output did not move; these prove the structure.
 */
import { strict as assert } from 'node:assert';
import { SERVICE_KINDS } from '../generators/lib/catalog.js';
import { ciView } from '../generators/lib/prepare/ci.js';
import { monitoringView } from '../generators/lib/prepare/monitoring.js';
import { SERVICE_KIND_TRAITS } from '../generators/lib/service-kinds.js';
import type { RawAnswers } from '../generators/lib/answers.js';
import { CATALOG } from '../generators/lib/catalog.js';
import { UNBUILT_VIEWS } from '../generators/lib/prepare/index.js';
import { modelFrom } from './support/generate.js';

/** Defaults; every service with monitoring, TLS provided, both targets and onboarded services of each built kind; all data external. */
const SETS: Record<string, RawAnswers> = {
  default: {},
  everything: {
    services: CATALOG.map((entry) => entry.name).join(','),
    postgresReplica: true,
    opensearch: 'cluster',
    queue: 'sqs+kafka',
    tlsMode: 'provided',
    targets: 'compose,kubernetes',
    customServices: [
      { name: 'billing', kind: 'node-api', source: 'services/apps/billing', port: 9100, healthPath: '/healthz', routePath: '/billing/', replicas: 2, size: 'light', needs: ['postgres'], env: [], secrets: [] },
      { name: 'reports', kind: 'image', source: 'ghcr.io/acme/reports:1.4.2', port: 9201, needs: ['redis'] },
      { name: 'scorer', kind: 'python-worker', source: 'services/apps/scorer', needs: ['postgres', 'sqs'] },
    ],
  },
  external: { postgres: false, redis: false, opensearch: 'none', temporal: false, monitoring: false },
};

describe('model: views built once, from the finished model (issue 20)', () => {
  for (const [name, raw] of Object.entries(SETS)) {
    it(`${name}: the monitoring view prepare() builds before monitoring contributes equals one built from the finished model`, () => {
      const model = modelFrom(raw);
      // prepare() builds it once, before the monitoring, CI, Kubernetes and provisioning concerns add theirs: it must
      // not depend on anything they add, or the monitoring stack would be built from a stale picture.
      assert.deepEqual(model.views.monitoring, monitoringView(model));
      assert.equal(model.views.monitoring === undefined, !model.settings.monitoring);
    });

    it(`${name}: the CI view on the model is the one its inputs give`, () => {
      const model = modelFrom(raw);
      assert.deepEqual(model.views.ci, ciView(model));
    });
  }

  it('a concern that reads model.views while the model is being built fails loudly', () => {
    // Contributors see the model with this guard in place of its views.
    assert.throws(() => UNBUILT_VIEWS.monitoring, /model\.views\.monitoring read while the model is being built/);
    // The views read no views: they can be built from the model as contributors leave it.
    const model = modelFrom({});
    assert.deepEqual(ciView({ ...model, views: UNBUILT_VIEWS }), model.views.ci);
  });
});

describe('service kinds: one table of traits', () => {
  it('every kind has a row, and the rows agree with themselves', () => {
    assert.deepEqual(Object.keys(SERVICE_KIND_TRAITS).sort(), [...SERVICE_KINDS].sort());
    for (const [kind, traits] of Object.entries(SERVICE_KIND_TRAITS)) {
      // A built kind names the base image line it builds on and a Dockerfile template for onboarded services.
      assert.equal(traits.buildsOn !== undefined, traits.built, `${kind}: buildsOn`);
      assert.equal(traits.custom.dockerTemplate !== undefined, traits.built, `${kind}: custom.dockerTemplate`);
      // env-from-files needs our entrypoint in an image we build.
      if (traits.secretFiles) assert.ok(traits.built, `${kind}: secretFiles needs a built image`);
      if (!traits.built) assert.equal(traits.runAs, 'image', `${kind}: a pulled image runs as its own user`);
    }
  });
});
