/** Kubernetes target (`--targets kubernetes`): the Kustomize tree, its generator kustomizations and docs/kubernetes.md. */
import { stringify } from 'yaml';
import { kubernetesView } from '../prepare/kubernetes/index.js';
import type { Manifest } from './types.js';

/** Multi-document YAML of plain objects; long strings stay on one line so commands are readable. */
export const toYaml = (documents: readonly unknown[]): string => documents.map((doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd()).join('\n---\n');

export const kubernetesFiles: Manifest = (model) => {
  if (!model.settings.targets.kubernetes) return [];
  const view = kubernetesView(model);
  return [
    ...view.files.map((file) => ({ path: file.path, template: 'deploy/kubernetes/resource.yaml.ejs', locals: { comment: file.comment, yaml: toYaml(file.documents) } })),
    ...view.envFiles.map((file) => ({ path: file.path, template: 'deploy/kubernetes/settings.env.ejs', locals: { comment: file.comment, lines: file.lines } })),
    { path: 'docs/kubernetes.md', template: 'docs/kubernetes.md.ejs', locals: { view } },
    { path: 'scripts/k8s-deploy.sh', template: 'scripts/k8s-deploy.sh.ejs', executable: true, locals: { view } },
  ];
};
