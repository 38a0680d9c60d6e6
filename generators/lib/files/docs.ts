/** The generated repo's README and docs/. */
import { FEATURE_GROUPS, FEATURE_IDS, featureSecretName } from '../feature-config.js';
import type { DeploymentModel } from '../model.js';
import { identitiesDoc } from '../prepare/identities.js';
import { EDITION, NODE_ENV, secretEnvName } from '../prepare/wiring.js';
import { traitsOf } from '../service-kinds.js';
import { GENERATOR_RELEASE, PINS, type Pin } from '../versions.js';
import type { Manifest } from './types.js';

const id = (name: string): string => name.replace(/[^A-Za-z0-9]/g, '_');

/** Mermaid flowchart lines: one subgraph per tier, edges from the edge to routes and from services to what they wait for. */
export function architectureDiagram(model: DeploymentModel): string[] {
  const lines = ['flowchart LR', '  internet((Internet))'];
  const tiers: [string, string][] = [
    ['edge', 'edge network'],
    ['app', 'app network'],
    ['ops', 'jobs'],
    ['data', 'data network (internal)'],
    ['monitoring', 'monitoring'],
  ];
  for (const [tier, title] of tiers) {
    const members = model.composeServices.filter((svc) => svc.tier === tier);
    if (!members.length) continue;
    lines.push(`  subgraph ${tier}["${title}"]`, ...members.map((svc) => `    ${id(svc.name)}["${svc.name}"]`), '  end');
  }
  const edge = model.composeServices.find((svc) => svc.tier === 'edge');
  if (edge) {
    lines.push(`  internet -->|"443"| ${id(edge.name)}`);
    for (const route of model.routes) lines.push(`  ${id(edge.name)} -->|"${route.path}"| ${id(route.service)}`);
  } else {
    for (const route of model.routes) lines.push(`  internet -->|"${route.path}"| ${id(route.service)}`);
  }
  for (const svc of model.composeServices) {
    for (const dep of svc.dependsOn) lines.push(`  ${id(svc.name)} -.-> ${id(dep.name)}`);
  }
  return lines;
}

/** One row per feature group the selected services read: its .env keys, secret files and readers. */
export function featureTable(model: DeploymentModel) {
  return FEATURE_IDS.map((id) => FEATURE_GROUPS[id])
    .map((group) => {
      const readers = model.services.filter((svc) => svc.compose.environment.some(([name]) => group.variables.some((v) => name === v.name || name === `${secretEnvName(featureSecretName(v.name))}_FILE`)));
      const required = (name: string): boolean => readers.some((svc) => svc.requires.includes(name));
      const used = group.variables.filter((v) => readers.some((svc) => svc.compose.environment.some(([name]) => name === v.name || name === `${v.name}_FILE`)));
      return {
        title: group.title,
        settings: used.filter((v) => !v.secret).map((v) => ({ name: v.name, required: required(v.name) })),
        secrets: used.filter((v) => v.secret).map((v) => ({ name: featureSecretName(v.name), required: required(v.name) })),
        readers: readers.map((svc) => svc.name),
      };
    })
    .filter((row) => row.readers.length > 0);
}

/** The third-party images this repo runs or builds on, with their line's support window as recorded at generation. */
export function supportTable(model: DeploymentModel): { image: string; line: string; ends: string; base: string }[] {
  const used = new Set([...model.composeServices.map((svc) => svc.image), ...model.services.filter((svc) => svc.dockerfile).flatMap((svc) => (traitsOf(svc.kind).buildsOn === 'python' ? [PINS.python.image] : [svc.libc === 'glibc' ? PINS.nodeGlibc.image : PINS.node.image])), ...(model.composeServices.some((svc) => svc.name === 'migrate') ? [PINS.flyway.image] : [])]);
  return (Object.values(PINS) as Pin[])
    .filter((pin) => used.has(pin.image))
    .map((pin) => ({ image: pin.image, line: pin.line, ends: pin.eol ?? pin.policy ?? '', base: pin.base ? `${pin.base.os}: ${pin.base.eol}` : 'vendor image' }));
}

export const docsFiles: Manifest = (model) => [
  // The README mentions the Nginx edge only when the edge concern added it (the tier the diagram draws too).
  { path: 'README.md', template: 'README.md.ejs', locals: { support: supportTable(model), release: GENERATOR_RELEASE, edge: model.composeServices.some((svc) => svc.tier === 'edge') } },
  { path: 'docs/architecture.md', template: 'docs/architecture.md.ejs', locals: { diagram: architectureDiagram(model), identities: identitiesDoc(model) } },
  { path: 'docs/services.md', template: 'docs/services.md.ejs', locals: { features: featureTable(model), nodeEnv: NODE_ENV, edition: EDITION } },
];
