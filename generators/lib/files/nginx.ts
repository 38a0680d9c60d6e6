/** Edge proxy files: nginx configuration, its entrypoint, certbot (letsencrypt), `make certs` (self-signed), runbook. */
import { edgeView, EDGE_STUB_STATUS } from '../prepare/edge/index.js';
import { APP_GID } from '../versions.js';
import type { FileSpec, Manifest } from './types.js';

export const nginxFiles: Manifest = (model) => {
  const view = edgeView(model);
  const locals = { view };
  const files: FileSpec[] = [
    { path: 'config/nginx/nginx.conf', template: 'config/nginx/nginx.conf.ejs', locals },
    { path: 'config/nginx/snippets/tls.conf', template: 'config/nginx/snippets/tls.conf.ejs', locals },
    { path: 'config/nginx/snippets/security-headers.conf', template: 'config/nginx/snippets/security-headers.conf.ejs', locals },
    { path: 'config/nginx/snippets/proxy.conf', template: 'config/nginx/snippets/proxy.conf.ejs', locals },
    // The operator's own additions: written once, then theirs.
    { path: 'config/nginx/custom/http.conf', template: 'config/nginx/custom/http.conf.ejs', policy: 'create-once' },
    { path: 'config/nginx/custom/server.conf', template: 'config/nginx/custom/server.conf.ejs', policy: 'create-once' },
    { path: 'config/nginx/docker-entrypoint.sh', template: 'config/nginx/docker-entrypoint.sh.ejs', locals, executable: true },
    { path: 'docs/edge.md', template: 'docs/edge.md.ejs', locals: { view, stubStatus: EDGE_STUB_STATUS } },
  ];
  if (view.certbot) files.push({ path: 'config/nginx/certbot.sh', template: 'config/nginx/certbot.sh.ejs', locals, executable: true });
  if (model.settings.tls.mode === 'self-signed') {
    files.push({
      path: 'scripts/make-certs.sh',
      template: 'scripts/make-certs.sh.ejs',
      locals: { view: { names: model.project.serverNames, project: model.project.name, gid: APP_GID } },
      executable: true,
    });
  }
  return files;
};
