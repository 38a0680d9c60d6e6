/**
 * Issue #6 acceptance: the observability stack. Real tools: promtool (check config, check rules,
 * test rules), amtool, docker-compose, shellcheck. Across the option matrix every generated
 * Prometheus/Alertmanager config validates, the alert rules' unit tests pass (fire with the right
 * labels and annotations, stay quiet on healthy data), every dashboard's PromQL parses and uses only
 * provisioned datasources, every runbook link resolves, and the compose services meet the checklist.
 */
import assert from 'node:assert/strict';
import { access, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RawAnswers } from '../generators/lib/answers.js';
import { BACKUP_METRICS, BACKUP_METRICS_VOLUME } from '../generators/lib/prepare/backup.js';
import { EDGE_ACCESS_LOG_FIELDS, EDGE_STUB_STATUS } from '../generators/lib/prepare/edge/index.js';
import { backupMaxAgeHours, runbookAnchor } from '../generators/lib/prepare/monitoring-alerts.js';
import { IMAGES } from '../generators/lib/versions.js';
import { debianAlertmanagerCopy } from './support/alertmanager.js';
import { alloyProblems, literal, parseAlloy } from './support/alloy.js';
import { generate, type Generated } from './support/generate.js';
import { composeRuleProblems, parseCompose } from './support/rules.js';
import { amtoolCheckConfig, dockerComposeConfigErrors, promtoolCheckConfig, promtoolCheckRules, promtoolTestRules, shellcheckErrors } from './support/validators.js';

type Doc = Record<string, any>;

const MATRIX: Record<string, RawAnswers> = {
  defaults: {},
  'postgres replica, large': { postgresReplica: true, sizeProfile: 'large' },
  'opensearch cluster, self-signed TLS': { opensearch: 'cluster', tlsMode: 'self-signed' },
  'opensearch none, provided TLS, weekly backups': { opensearch: 'none', tlsMode: 'provided', backupSchedule: '0 3 * * 0' },
  'small service subset, external data': { services: 'api,frontend', postgres: false, redis: false, sizeProfile: 'small' },
};

/** The monitoring stack's compose services and the images they may use. */
const MONITORING_IMAGES = new Set<string>([
  IMAGES.prometheus, IMAGES.alertmanager, IMAGES.grafana, IMAGES.loki, IMAGES.alloy, IMAGES.tempo, IMAGES.otelCollector,
  IMAGES.nodeExporter, IMAGES.cadvisor, IMAGES.blackboxExporter, IMAGES.postgresExporter, IMAGES.redisExporter,
  IMAGES.opensearchExporter, IMAGES.nginxExporter, IMAGES.dockerSocketProxy, IMAGES.dockerCli, IMAGES.node,
]);

/**
 * The health-check program each image really contains (read from the images' Dockerfiles):
 * busybox-based prom/quay images and alpine images ship `wget`; Loki is distroless:debug with busybox
 * in /busybox; Alloy is Ubuntu (bash, no wget); the collector and nginx exporter are scratch images
 * holding only their binary; the docker CLI image is alpine (sh, find).
 */
const HEALTH_PROGRAM: Record<string, string> = {
  [IMAGES.prometheus]: 'wget',
  [IMAGES.alertmanager]: 'wget',
  [IMAGES.grafana]: 'wget',
  [IMAGES.loki]: '/busybox/wget',
  [IMAGES.alloy]: 'bash',
  [IMAGES.tempo]: 'wget',
  [IMAGES.otelCollector]: '/otelcol-contrib',
  [IMAGES.nodeExporter]: 'wget',
  [IMAGES.cadvisor]: 'wget',
  [IMAGES.blackboxExporter]: 'wget',
  [IMAGES.postgresExporter]: 'wget',
  [IMAGES.redisExporter]: 'wget',
  [IMAGES.opensearchExporter]: 'wget',
  [IMAGES.nginxExporter]: '/usr/bin/nginx-prometheus-exporter',
  [IMAGES.dockerSocketProxy]: 'wget',
  [IMAGES.dockerCli]: 'CMD-SHELL',
  // The queue exporter runs on the pinned Node image (alpine: busybox wget).
  [IMAGES.node]: 'wget',
};

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

async function rulesOf(g: Generated): Promise<{ group: string; rule: Doc }[]> {
  const doc = parse(await g.read('config/prometheus/rules/alerts.yml')) as Doc;
  return (doc.groups as Doc[]).flatMap((group) => (group.rules as Doc[]).map((rule) => ({ group: group.name as string, rule })));
}

/** GitHub-style anchors of the `##` headings of a markdown file. */
function headingAnchors(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => runbookAnchor(m[1]!.trim())));
}

describe('monitoring stack (issue #6)', function () {
  const generated = new Map<string, Generated>();

  before(async function () {
    for (const [name, raw] of Object.entries(MATRIX)) generated.set(name, await generate(raw));
  });

  for (const name of Object.keys(MATRIX)) {
    describe(name, function () {
      const g = (): Generated => generated.get(name)!;

      it('promtool accepts the Prometheus config and the alert rules; amtool accepts Alertmanager', async function () {
        const dir = g().dir;
        assert.deepEqual(await promtoolCheckConfig(join(dir, 'config/prometheus/prometheus.yml')), []);
        assert.deepEqual(await promtoolCheckRules([join(dir, 'config/prometheus/rules/alerts.yml')]), []);
        // Debian's amtool 0.25 predates webhook url_file: checked on the stand-in copy (support/alertmanager.ts).
        assert.deepEqual(await amtoolCheckConfig(await debianAlertmanagerCopy(await g().read('config/alertmanager/alertmanager.yml'), join(dir, 'alertmanager.debian.yml'))), []);
      });

      it('the rule unit tests pass (alerts fire with the right labels, quiet on healthy data)', async function () {
        assert.deepEqual(await promtoolTestRules([join(g().dir, 'config/prometheus/tests/alerts.test.yml')]), []);
      });

      it('every alert has severity, summary, description and a runbook link to an existing heading', async function () {
        const runbooks = await g().read('docs/runbooks.md');
        const anchors = headingAnchors(runbooks);
        const rules = await rulesOf(g());
        assert.ok(rules.length >= 20, `only ${rules.length} rules`);
        for (const { rule } of rules) {
          assert.match(rule.labels?.severity ?? '', rule.alert === 'Watchdog' ? /^none$/ : /^(critical|warning)$/, `${rule.alert}: severity`);
          for (const key of ['summary', 'description', 'runbook_url']) assert.ok(rule.annotations?.[key], `${rule.alert}: ${key}`);
          const [doc, anchor] = String(rule.annotations.runbook_url).split('#');
          assert.equal(doc, 'docs/runbooks.md');
          assert.ok(await exists(join(g().dir, doc!)), `${doc} exists`);
          assert.ok(anchors.has(anchor!), `${rule.alert}: no heading for #${anchor}`);
        }
      });

      it('ships the alerts the issue asks for, and only for what runs', async function () {
        const { model } = g();
        const names = new Set((await rulesOf(g())).map(({ rule }) => rule.alert as string));
        for (const alert of ['Watchdog', 'TargetDown', 'HostHighCpuLoad', 'HostLowMemory', 'HostDiskFillingUp', 'ContainerRestarting', 'ContainerOomKilled', 'ContainerUnhealthy', 'BackupTooOld', 'BackupFailed', 'RestoreDrillFailed', 'TLSCertificateExpiringSoon']) {
          assert.ok(names.has(alert), `missing ${alert}`);
        }
        const hasEdge = model.composeServices.some((svc) => svc.name === EDGE_STUB_STATUS.service);
        for (const alert of ['EdgeHigh5xxRatio', 'EdgeHighLatencyP95']) assert.equal(names.has(alert), hasEdge, alert);
        for (const alert of ['PostgresTooManyConnections', 'PostgresDeadlocks']) assert.equal(names.has(alert), model.data.postgres, alert);
        assert.equal(names.has('PostgresReplicationLag'), model.data.postgresReplica);
        for (const alert of ['RedisMemoryNearLimit', 'RedisRejectedConnections']) assert.equal(names.has(alert), model.data.redis, alert);
        assert.equal(names.has('OpenSearchClusterNotGreen'), model.data.opensearch !== 'none');
        const disk = (await rulesOf(g())).find(({ rule }) => rule.alert === 'HostDiskFillingUp')!.rule;
        assert.match(disk.expr, /predict_linear\(/);
        const tests = parse(await g().read('config/prometheus/tests/alerts.test.yml')) as Doc;
        const tested = new Set((tests.tests as Doc[]).flatMap((t) => (t.alert_rule_test as Doc[]).filter((c) => (c.exp_alerts as Doc[]).length > 0).map((c) => c.alertname as string)));
        for (const alert of ['Watchdog', 'TargetDown', 'HostDiskFillingUp', 'BackupTooOld', 'TLSCertificateExpiringSoon', ...(hasEdge ? ['EdgeHigh5xxRatio'] : [])]) assert.ok(tested.has(alert), `no firing unit test for ${alert}`);
        const quiet = new Set((tests.tests as Doc[]).flatMap((t) => (t.alert_rule_test as Doc[]).filter((c) => (c.exp_alerts as Doc[]).length === 0).map((c) => c.alertname as string)));
        // The Watchdog is the one alert that must never be quiet.
        for (const alert of tested) if (alert !== 'Watchdog') assert.ok(quiet.has(alert), `no healthy-data unit test for ${alert}`);
      });

      it('scrapes every exporter that runs, with retention from the size profile', async function () {
        const { model } = g();
        const prom = parse(await g().read('config/prometheus/prometheus.yml')) as Doc;
        const jobs = new Map((prom.scrape_configs as Doc[]).map((job) => [job.job_name as string, job]));
        for (const job of ['node', 'cadvisor', 'blackbox', 'blackbox-https', 'otel-collector', 'loki', 'alloy']) assert.ok(jobs.has(job), job);
        assert.equal(jobs.has('postgres'), model.data.postgres);
        assert.equal(jobs.has('redis'), model.data.redis);
        assert.equal(jobs.has('opensearch'), model.data.opensearch !== 'none');
        assert.equal(jobs.has('elasticmq'), model.data.sqs);
        const probed = jobs.get('blackbox-https')!.static_configs[0].targets as string[];
        for (const host of model.project.serverNames) assert.ok(probed.includes(`https://${host}/`), `probe ${host}`);
        const compose = parseCompose(await g().read('compose.monitoring.yaml')) as Doc;
        const cmd = (compose.services.prometheus.command as string[]).join(' ');
        const expected = { small: ['15d', '8GB'], medium: ['30d', '40GB'], large: ['90d', '150GB'] }[model.settings.sizeProfile];
        assert.match(cmd, new RegExp(`retention.time=${expected[0]}\\b`));
        assert.match(cmd, new RegExp(`retention.size=${expected[1]}\\b`));
        // Every service a scrape job names runs in the stack.
        const services = new Set(Object.keys(compose.services));
        for (const job of jobs.values()) {
          if (job.job_name === 'blackbox-https' || job.job_name === 'prometheus') continue;
          for (const target of job.static_configs[0].targets as string[]) assert.ok(services.has(target.split(':')[0]!), `${job.job_name} → ${target}`);
        }
      });

      it('dashboards parse, use only provisioned datasource UIDs, and every PromQL expression parses', async function () {
        const dir = g().dir;
        const ds = parse(await g().read('config/grafana/provisioning/datasources/datasources.yaml')) as Doc;
        const uids = new Set((ds.datasources as Doc[]).map((d) => d.uid as string));
        assert.deepEqual([...uids].sort(), ['loki', 'prometheus', 'tempo']);
        const files = (await readdir(join(dir, 'config/grafana/dashboards'))).sort();
        const expectedBoards = ['backups.json', 'containers.json', 'host.json', 'services.json'];
        if (g().model.data.postgres) expectedBoards.push('postgres.json');
        if (g().model.data.redis) expectedBoards.push('redis.json');
        if (g().model.data.opensearch !== 'none') expectedBoards.push('opensearch.json');
        if (g().model.composeServices.some((svc) => svc.name === EDGE_STUB_STATUS.service)) expectedBoards.push('edge.json');
        assert.deepEqual(files, expectedBoards.sort());
        const exprs: string[] = [];
        const seenUids = new Set<string>();
        for (const file of files) {
          const board = JSON.parse(await readFile(join(dir, 'config/grafana/dashboards', file), 'utf8')) as Doc;
          assert.ok(board.uid && board.title, `${file}: uid and title`);
          for (const panel of board.panels as Doc[]) {
            for (const ref of [panel.datasource, ...(panel.targets as Doc[]).map((t) => t.datasource)]) {
              assert.ok(uids.has(ref.uid), `${file} "${panel.title}": datasource ${ref.uid} is not provisioned`);
              seenUids.add(ref.uid);
            }
            for (const target of panel.targets as Doc[]) {
              if (target.datasource.type === 'prometheus') exprs.push(target.expr as string);
              else assert.match(target.expr as string, /^(sum by \(\w+\) \(count_over_time\()?\{[a-z_]+=~?"[^"]+"\}/, `${file}: LogQL ${target.expr}`);
            }
          }
        }
        assert.ok(seenUids.has('prometheus') && seenUids.has('loki'));
        // promtool parses each expression as a recording rule.
        const rules = { groups: [{ name: 'dashboards', rules: exprs.map((expr, i) => ({ record: `dashboard:expr_${i}`, expr })) }] };
        const file = join(dir, 'dashboard-exprs.rules.yml');
        await writeFile(file, JSON.stringify(rules));
        assert.deepEqual(await promtoolCheckRules([file]), []);
      });

      it('Loki, Alloy, OTel Collector and Tempo configs parse and carry the keys their pinned versions need', async function () {
        const { model } = g();
        const loki = parse(await g().read('config/loki/loki.yaml')) as Doc;
        assert.equal(loki.auth_enabled, false);
        assert.equal(loki.schema_config.configs[0].store, 'tsdb');
        assert.equal(loki.schema_config.configs[0].schema, 'v13');
        assert.ok(loki.common.storage.filesystem.chunks_directory);
        assert.equal(loki.compactor.retention_enabled, true);
        // Loki 3 refuses retention without a delete-request store.
        assert.equal(loki.compactor.delete_request_store, 'filesystem');
        assert.match(loki.limits_config.retention_period, /^\d+h$/);

        // Alloy: checked against its documented component schema here (no Alloy binary in Debian or npm);
        // the generated CI runs `alloy validate` in the pinned image (make monitoring-check).
        const alloyText = await g().read('config/alloy/config.alloy');
        assert.deepEqual(alloyProblems(alloyText), []);
        const blocks = parseAlloy(alloyText);
        const byId = new Map(blocks.map((b) => [b.label ? `${b.name}.${b.label}` : b.name, b]));
        assert.equal(literal(byId.get('discovery.docker.containers')!.attributes.get('host')), 'tcp://docker-socket-proxy:2375');
        // The labels Promtail set, from the same Docker metadata.
        const rules = byId.get('discovery.relabel.containers')!.blocks.map((r) => [literal(r.attributes.get('source_labels')), literal(r.attributes.get('target_label'))]);
        assert.deepEqual(rules, [
          [['__meta_docker_container_label_com_docker_compose_service'], 'service'],
          [['__meta_docker_container_label_com_docker_compose_project'], 'project'],
          [['__meta_docker_container_name'], 'container'],
          [['__meta_docker_container_log_stream'], 'stream'],
        ]);
        const write = byId.get('loki.write.loki')!.blocks.find((b) => b.name === 'endpoint')!;
        assert.equal(literal(write.attributes.get('url')), 'http://loki:3100/loki/api/v1/push');
        const hasEdge = model.composeServices.some((svc) => svc.name === EDGE_STUB_STATUS.service);
        const process = byId.get('loki.process.edge');
        assert.equal(Boolean(process), hasEdge);
        if (process) {
          const match = process.blocks.find((b) => b.name === 'stage.match')!;
          assert.equal(literal(match.attributes.get('selector')), `{service="${EDGE_STUB_STATUS.service}"}`);
          const json = literal(match.blocks.find((b) => b.name === 'stage.json')!.attributes.get('expressions')) as Record<string, string>;
          assert.deepEqual(Object.values(json).sort(), Object.values(EDGE_ACCESS_LOG_FIELDS).sort());
          const metrics = match.blocks.find((b) => b.name === 'stage.metrics')!.blocks;
          // Promtail's metric names (its default prefix), which the edge alerts and dashboard query.
          const names = metrics.map((m) => `${String(literal(m.attributes.get('prefix')))}${String(literal(m.attributes.get('name')))}`);
          assert.deepEqual(names, ['promtail_custom_nginx_http_requests_total', 'promtail_custom_nginx_http_request_duration_seconds']);
          assert.deepEqual(metrics.map((m) => m.name), ['metric.counter', 'metric.histogram']);
        }

        const otel = parse(await g().read('config/otel-collector/config.yaml')) as Doc;
        const pipeline = otel.service.pipelines.traces as Doc;
        for (const [kind, names] of [['receivers', pipeline.receivers], ['processors', pipeline.processors], ['exporters', pipeline.exporters]] as const) {
          for (const n of names as string[]) assert.ok(otel[kind][n] !== undefined, `otel ${kind}.${n} is used but not defined`);
        }
        for (const ext of otel.service.extensions as string[]) assert.ok(otel.extensions[ext] !== undefined, `extension ${ext}`);
        assert.equal(otel.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
        // The collector's name for the OTLP/gRPC exporter since v0.144.0 (`otlp` is a deprecated alias: open-telemetry/opentelemetry-collector#14403).
        assert.equal(otel.exporters['otlp_grpc/tempo'].endpoint, 'tempo:4317');
        assert.ok(!Object.keys(otel.exporters).some((name) => /^otlp(\/|$)/.test(name)));
        // Current collectors configure their own metrics through readers (the old `address` key is gone).
        assert.equal(otel.service.telemetry.metrics.address, undefined);
        assert.equal(otel.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port, 8888);

        const tempo = parse(await g().read('config/tempo/tempo.yaml')) as Doc;
        assert.equal(tempo.storage.trace.backend, 'local');
        assert.ok(tempo.storage.trace.wal.path && tempo.storage.trace.local.path);
        assert.equal(tempo.distributor.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
        assert.match(tempo.compactor.compaction.block_retention, /^\d+h$/);
      });

      it('compose services are pinned, health-checked with a program their image has, limited, read-only configs, loopback-only ports', async function () {
        const doc = parseCompose(await g().read('compose.monitoring.yaml')) as Doc;
        assert.deepEqual(composeRuleProblems(doc, { loopbackPortsOnly: true }), []);
        const services = doc.services as Record<string, Doc>;
        for (const [name, svc] of Object.entries(services)) {
          assert.ok(MONITORING_IMAGES.has(svc.image), `${name}: image ${svc.image} is not a pinned monitoring image`);
          const test = svc.healthcheck.test as string[];
          const program = test[0] === 'CMD-SHELL' ? 'CMD-SHELL' : test[1];
          assert.equal(program, HEALTH_PROGRAM[svc.image], `${name}: health check runs ${program}`);
          for (const mount of (svc.volumes ?? []) as Doc[]) {
            if (mount.type === 'bind') assert.equal(mount.read_only, true, `${name}: ${mount.source}`);
          }
          for (const port of (svc.ports ?? []) as string[]) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/);
          assert.ok(svc.deploy.resources.limits.memory && svc.deploy.resources.limits.cpus, `${name}: limits`);
        }
        assert.deepEqual(Object.keys(services).filter((n) => services[n]!.ports?.length).sort(), ['alertmanager', 'grafana', 'prometheus']);
        const grafana = services.grafana!;
        assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ENABLED, 'false');
        assert.equal(grafana.environment.GF_SECURITY_ADMIN_PASSWORD__FILE, '/run/secrets/grafana_admin_password');
        assert.deepEqual(services.alertmanager!.secrets, ['alertmanager_slack_webhook_url', 'alertmanager_heartbeat_url', 'alertmanager_pagerduty_routing_key']);
        const am = parse(await g().read('config/alertmanager/alertmanager.yml')) as Doc;
        assert.equal(am.receivers[0].slack_configs[0].api_url_file, '/run/secrets/alertmanager_slack_webhook_url');
        assert.ok((am.inhibit_rules as Doc[]).length > 0);
        // The node-exporter textfile directory is the volume the backup job writes.
        const nodeMounts = services['node-exporter']!.volumes as Doc[];
        assert.ok(nodeMounts.some((m) => m.source === BACKUP_METRICS_VOLUME && m.read_only === true));
        if (g().model.data.postgres) assert.equal(services['postgres-exporter']!.environment.DATA_SOURCE_PASS_FILE, '/run/secrets/postgres_monitor_password'); // issue 18: its own role
      });

      it('docker-compose accepts compose.yaml + compose.monitoring.yaml + compose.tracing.yaml together', async function () {
        const dir = g().dir;
        const example = await readFile(join(dir, '.env.example'), 'utf8');
        await writeFile(join(dir, '.env'), example.replace(/^([A-Z_]+)=$/gm, '$1=placeholder.internal'));
        assert.deepEqual(await dockerComposeConfigErrors(dir, ['compose.yaml', 'compose.monitoring.yaml', 'compose.tracing.yaml']), []);
        const tracing = parse(await g().read('compose.tracing.yaml')) as Doc;
        const traced = Object.keys(tracing.services ?? {});
        const nodeServices = g().model.services.filter((svc) => svc.kind === 'node-api' || svc.kind === 'node-worker').map((svc) => svc.name);
        assert.deepEqual(traced, nodeServices);
        for (const name of traced) assert.match(tracing.services[name].environment.OTEL_EXPORTER_OTLP_ENDPOINT, /otel-collector:4317/);
      });
    });
  }

  it('backup alerts use the metric names the backup scripts write, with an age limit that follows the schedule', async function () {
    const g = generated.get('defaults')!;
    const rules = await rulesOf(g);
    const byName = new Map(rules.map(({ rule }) => [rule.alert as string, rule]));
    assert.match(byName.get('BackupTooOld')!.expr, new RegExp(`${BACKUP_METRICS.lastSuccess} > 26 \\* 3600`));
    assert.match(byName.get('BackupFailed')!.expr, new RegExp(`^${BACKUP_METRICS.lastStatus} == 0$`));
    assert.match(byName.get('RestoreDrillFailed')!.expr, new RegExp(`^${BACKUP_METRICS.verifyLastStatus} == 0$`));
    const scripts = (await readdir(join(g.dir, 'scripts'))).filter((f) => f.endsWith('.sh'));
    const text = (await Promise.all(scripts.map((f) => g.read(`scripts/${f}`)))).join('\n');
    for (const metric of [BACKUP_METRICS.lastSuccess, BACKUP_METRICS.lastStatus, BACKUP_METRICS.verifyLastStatus]) assert.ok(text.includes(metric), `no script writes ${metric}`);
    assert.equal(backupMaxAgeHours('15 2 * * *'), 26);
    assert.equal(backupMaxAgeHours('0 3 * * 0'), 192);
  });

  it('the edge access log has every field Alloy parses, and stub_status is where the exporter reads it', async function () {
    const g = generated.get('defaults')!;
    const nginx = await g.read('config/nginx/nginx.conf');
    const format = /log_format\s+\S+\s+escape=json\s+'([^;]+)';/.exec(nginx);
    assert.ok(format, 'no JSON log_format in nginx.conf');
    for (const field of Object.values(EDGE_ACCESS_LOG_FIELDS)) assert.ok(format[1]!.includes(`"${field}":`), `access log lacks ${field}`);
    const compose = parseCompose(await g.read('compose.monitoring.yaml')) as Doc;
    assert.deepEqual(compose.services['nginx-exporter'].command, [`--nginx.scrape-uri=http://${EDGE_STUB_STATUS.service}:${EDGE_STUB_STATUS.port}${EDGE_STUB_STATUS.path}`]);
  });

  it('container-health.sh passes shellcheck', async function () {
    const g = generated.get('defaults')!;
    assert.deepEqual(await shellcheckErrors([join(g.dir, 'config/prometheus/container-health.sh')]), []);
  });

  it('docs/monitoring.md keeps the UIs on loopback and explains the SSH tunnel; the README links it', async function () {
    const g = generated.get('defaults')!;
    const doc = await g.read('docs/monitoring.md');
    assert.match(doc, /ssh -N -L 3000:127\.0\.0\.1:3000/);
    assert.match(doc, /Never change the port bindings/);
    assert.ok(g.model.docs.some((d) => d.path === 'docs/monitoring.md') && g.model.docs.some((d) => d.path === 'docs/runbooks.md'));
    const makefile = await g.read('Makefile');
    for (const target of ['monitoring-up', 'monitoring-down', 'monitoring-check', 'monitoring-reload']) assert.match(makefile, new RegExp(`^${target}:`, 'm'));
  });

  it('monitoring off produces none of the monitoring files, services, secrets or targets', async function () {
    const g = await generate({ monitoring: false });
    for (const path of ['compose.monitoring.yaml', 'compose.tracing.yaml', 'config/prometheus', 'config/alertmanager', 'config/grafana', 'config/loki', 'config/alloy', 'config/otel-collector', 'config/tempo', 'docs/monitoring.md', 'docs/runbooks.md']) {
      assert.equal(await exists(join(g.dir, path)), false, `${path} exists with monitoring off`);
    }
    assert.equal(g.model.composeServices.filter((svc) => svc.file === 'monitoring').length, 0);
    assert.ok(!g.model.secrets.some((s) => s.name.startsWith('grafana') || s.name.startsWith('alertmanager')));
    assert.ok(!g.model.makeTargets.some((t) => t.name.startsWith('monitoring')));
    assert.ok(!g.model.envExample.some(([name]) => name.startsWith('OTEL_')));
    assert.ok(!g.model.networks.some((n) => n.name === 'monitoring'));
  });
});

describe('the Alloy config checker (documented schema; `alloy validate` runs in the generated CI, not here)', function () {
  let good = '';
  before(async function () {
    good = await (await generate({})).read('config/alloy/config.alloy');
    assert.deepEqual(alloyProblems(good), []);
  });
  const broken: [string, (t: string) => string, RegExp][] = [
    ['a syntax error', (t) => t.replace('loki.write "loki" {', 'loki.write "loki" '), /^syntax:/],
    ['an unknown argument', (t) => t.replace('refresh_interval = "15s"\n}', 'refresh_interval = "15s"\n  positions = "/x"\n}'), /unknown argument "positions"/],
    ['a missing required argument', (t) => t.replace(/\n\s*url = "http:\/\/loki:3100\/loki\/api\/v1\/push"/, ''), /missing required argument "url"/],
    ['an unknown stage', (t) => t.replace('stage.label_drop {', 'stage.labeldrop {'), /unknown block "stage.labeldrop"/],
    ['a reference to a component that does not exist', (t) => t.replace('discovery.relabel.containers.rules', 'discovery.relabel.other.rules'), /no component discovery\.relabel\.other/],
    ['a reference to an export of the wrong type', (t) => t.replace('relabel_rules    = discovery.relabel.containers.rules', 'relabel_rules    = discovery.relabel.containers.output'), /is targets, not rules/],
    ['a component name conflict', (t) => `${t}\nloki.write "loki" {\n  endpoint {\n    url = "http://x"\n  }\n}\n`, /declared twice/],
    ['a wrongly typed value', (t) => t.replace('match_all   = true', 'match_all   = "yes"'), /expected true or false/],
  ];
  for (const [what, change, expected] of broken) {
    it(`rejects ${what}`, function () {
      const text = change(good);
      assert.notEqual(text, good, 'the mutation did not apply');
      assert.match(alloyProblems(text).join('\n'), expected);
    });
  }
});
