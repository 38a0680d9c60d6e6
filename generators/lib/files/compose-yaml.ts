/**
 * compose.yaml, compose.monitoring.yaml and compose.override.yaml serialised from the model with the
 * `yaml` library's Document API: structure and quoting come from data, and the comments a reader needs
 * (what each service is, what its healthcheck proves, what each network, volume and secret holds) ride
 * on the nodes. The templates keep only the prose header.
 */
import { Document, Pair, Scalar, YAMLMap, YAMLSeq, type ToStringOptions } from 'yaml';
import type { ComposeService, Mount } from '../model.js';
import type { ToolService } from '../prepare/ci.js';
import type { ComposeView } from '../prepare/compose.js';

/** Every user string double-quoted exactly as JSON (so `${VAR}` and `:` never change meaning); one line per value. */
const OUTPUT: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false, doubleQuotedAsJSON: true };

type Value = Scalar | YAMLMap | YAMLSeq | boolean | number;

/** A double-quoted string: anything a user or upstream wrote. */
const q = (value: string): Scalar => Object.assign(new Scalar(value), { type: Scalar.QUOTE_DOUBLE });
/** A plain scalar: names and durations the model makes (the library still quotes one that would read as something else). */
const plain = (value: string): Scalar => Object.assign(new Scalar(value), { type: Scalar.PLAIN });
/** A literal string for Compose: `$` doubled so Compose does not interpolate it. */
const literal = (value: string): Scalar => q(value.replace(/\$/g, '$$$$'));

function key(name: string, comment?: string, spaceBefore = false): Scalar {
  const node = new Scalar(name);
  if (comment !== undefined) node.commentBefore = ` ${comment}`;
  if (spaceBefore) node.spaceBefore = true;
  return node;
}

/** A block mapping of the entries whose value is present, in order. */
function map(entries: readonly (readonly [string | Scalar, Value | undefined])[]): YAMLMap {
  const node = new YAMLMap();
  // Booleans and numbers become nodes here: the library would build a node for each one at every toString().
  for (const [name, value] of entries) if (value !== undefined) node.items.push(new Pair(typeof name === 'string' ? key(name) : name, typeof value === 'object' ? value : new Scalar(value)));
  return node;
}

function seq(items: readonly Value[], flow = false): YAMLSeq {
  const node = new YAMLSeq();
  node.items.push(...items.map((item) => (typeof item === 'object' ? item : new Scalar(item))));
  node.flow = flow;
  return node;
}

/** Exec-form arrays (command, entrypoint, healthcheck test) stay on one line, as `docker inspect` shows them. */
const flowList = (values: readonly string[], scalar: (value: string) => Scalar = q): YAMLSeq => seq(values.map(scalar), true);

const when = <T>(present: boolean, value: () => T): T | undefined => (present ? value() : undefined);

function mount(m: Mount): YAMLMap {
  return map([
    ['type', plain(m.type)],
    ['source', q(m.source)],
    ['target', q(m.target)],
    ['read_only', m.readOnly],
  ]);
}

function service(svc: ComposeService): YAMLMap {
  const hc = svc.healthcheck;
  const resources = (r: ComposeService['resources']['limits']): YAMLMap => map([['cpus', q(r.cpus)], ['memory', plain(r.memory)]]);
  return map([
    ['image', q(svc.image)],
    ['profiles', when(svc.profiles.length > 0, () => flowList(svc.profiles))],
    ['user', when(!!svc.user, () => q(svc.user!))],
    ['entrypoint', when(!!svc.entrypoint, () => flowList(svc.entrypoint!))],
    ['command', when(!!svc.command?.length, () => flowList(svc.command!))],
    ['working_dir', when(!!svc.workingDir, () => q(svc.workingDir!))],
    ['restart', q(svc.restart)],
    ['init', true],
    ['environment', when(svc.environment.length > 0, () => map(svc.environment.map(([name, value]) => [name, q(value)])))],
    ['secrets', when(svc.secrets.length > 0, () => seq(svc.secrets.map(plain)))],
    ['networks', seq(svc.networks.map(plain))],
    ['volumes', when(svc.mounts.length > 0, () => seq(svc.mounts.map(mount)))],
    ['tmpfs', when(svc.tmpfs.length > 0, () => seq(svc.tmpfs.map(q)))],
    ['read_only', svc.readOnly],
    ['security_opt', seq([q('no-new-privileges:true')])],
    ['cap_drop', seq([plain('ALL')])],
    ['cap_add', when(svc.capAdd.length > 0, () => seq(svc.capAdd.map(plain)))],
    ['group_add', when(!!svc.groupAdd?.length, () => seq(svc.groupAdd!.map(q)))],
    ['shm_size', when(!!svc.shmSize, () => q(svc.shmSize!))],
    ['ulimits', when(svc.ulimits.length > 0, () => map(svc.ulimits.map((l) => [l.name, map([['soft', l.soft], ['hard', l.hard]])])))],
    ['ports', when(svc.ports.length > 0, () => seq(svc.ports.map(q)))],
    [
      'healthcheck',
      map([
        [key('test', `Proves: ${hc.proves}`), flowList(hc.test, literal)],
        ['interval', plain(hc.interval)],
        ['timeout', plain(hc.timeout)],
        ['retries', hc.retries],
        ['start_period', plain(hc.startPeriod)],
      ]),
    ],
    ['depends_on', when(svc.dependsOn.length > 0, () => map(svc.dependsOn.map((dep) => [dep.name, map([['condition', plain(dep.condition)]])])))],
    ['stop_grace_period', plain(svc.stopGracePeriod)],
    [
      'deploy',
      map([
        ['replicas', when(svc.replicas > 1, () => svc.replicas)],
        ['resources', map([['limits', resources(svc.resources.limits)], ['reservations', resources(svc.resources.reservations)]])],
      ]),
    ],
    ['logging', map([['driver', plain('json-file')], ['options', map([['max-size', q('10m')], ['max-file', q('5')]])]])],
  ]);
}

/** One compose file of the stack (compose.yaml or compose.monitoring.yaml): its services and what they use. */
export function composeYaml(view: ComposeView): string {
  const root = map([
    ['services', map(view.services.map((svc, i) => [key(svc.name, svc.description, i > 0), service(svc)]))],
    [key('networks', undefined, true), map(view.networks.map((n) => [key(n.name, n.description), map([['driver', plain('bridge')], ['internal', when(n.internal, () => true)]])]))],
    [key('volumes', undefined, true), when(view.volumes.length > 0, () => map(view.volumes.map((v) => [key(v.name, v.description), new YAMLMap()])))],
    [
      key('secrets', 'Files under secrets/ (git-ignored), created by `make secrets`.', true),
      when(view.secrets.length > 0, () => map(view.secrets.map((s) => [key(s.name, s.description), map([['file', plain(`./secrets/${s.name}`)]])]))),
    ],
  ]);
  return new Document(root).toString(OUTPUT);
}

/** compose.override.yaml: builds from the submodule, debug ports on loopback, the developer's group for secrets. */
export function composeOverrideYaml(services: readonly ComposeService[]): string {
  const dev = (svc: ComposeService): YAMLMap =>
    map([
      ['build', when(!!svc.build, () => map([['context', q(svc.build!.context)], ['dockerfile', q(svc.build!.dockerfile)]]))],
      ['ports', when(svc.devPorts.length > 0, () => seq(svc.devPorts.map(q)))],
      ['group_add', when(svc.secrets.length > 0, () => seq([q('${GITMESH_DEV_GID:-65534}')]))],
    ]);
  return new Document(map([['services', map(services.map((svc) => [svc.name, dev(svc)]))]])).toString(OUTPUT);
}

/** compose.tools.yaml: CI's tool containers, run one at a time; only the ones that publish ports (test servers) start. */
export function composeToolsYaml(tools: readonly ToolService[]): string {
  const tool = (t: ToolService): YAMLMap =>
    map([
      ['image', q(t.image)],
      ['profiles', when(!t.ports, () => flowList(['tools']))],
      ['entrypoint', when(!!t.entrypoint, () => flowList(t.entrypoint!, literal))],
      ['command', when(!!t.command, () => flowList(t.command!, literal))],
      ['working_dir', when(!!t.workingDir, () => q(t.workingDir!))],
      ['network_mode', when(!!t.networkNone, () => q('none'))],
      ['extra_hosts', when(!!t.extraHosts?.length, () => seq(t.extraHosts!.map(q)))],
      ['environment', when(!!t.environment?.length, () => map(t.environment!.map(([name, value]) => [name, q(value)])))],
      ['ports', when(!!t.ports?.length, () => seq(t.ports!.map(q)))],
      ['tmpfs', when(!!t.tmpfs?.length, () => seq(t.tmpfs!.map(q)))],
      ['volumes', when(t.volumes.length > 0, () => seq(t.volumes.map(([source, target]) => mount({ type: 'bind', source, target, readOnly: true }))))],
      [
        'healthcheck',
        when(!!t.healthcheck, () =>
          map([
            ['test', flowList(t.healthcheck!, literal)],
            ['interval', plain('5s')],
            ['timeout', plain('5s')],
            ['retries', 20],
          ]),
        ),
      ],
    ]);
  return new Document(map([['services', map(tools.map((t) => [key(t.name, t.description), tool(t)]))]])).toString(OUTPUT);
}
