/**
 * Provisioning files: deploy/ansible/ (playbooks, roles, inventories, group_vars) and
 * docs/provisioning.md. Data files (inventories, group_vars, role defaults and meta) are serialised
 * from the view's objects; tasks, handlers and Jinja templates are static templates that read them.
 */
import { stringify } from 'yaml';
import { ANSIBLE_DIR, provisioningView, provisions, ROLES, type RoleName } from '../prepare/provisioning.js';
import type { FileSpec, Manifest } from './types.js';

/** YAML for Ansible (PyYAML reads YAML 1.1: `yes`, `04:30` must be quoted to stay strings); long strings stay on one line. */
export const toAnsibleYaml = (data: unknown): string => stringify(data, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false }).trimEnd();

const ROLE_DESCRIPTIONS: Record<RoleName | 'preflight', string> = {
  preflight: 'Checks the inventory and keys on the control node before any host is touched',
  base: 'Packages, unattended security upgrades, time sync, locale, time zone, journald and sysctl',
  firewall: 'nftables default-deny inbound and DOCKER-USER filtering of published container ports',
  docker: 'Docker Engine and the Compose v2 plugin with daemon.json (log rotation, live-restore, no-new-privileges)',
  deploy_user: 'The deploy user, its restricted SSH key, the deploy path, .env and secrets/',
  ssh: 'OpenSSH hardening: keys only, no root, allowed users, modern algorithms',
  fail2ban: 'fail2ban jail for sshd (journal backend, nftables bans)',
  backup_mount: 'Optional dedicated disk for the backups volume',
};

/** Static templates of each role, relative to the role directory. */
const ROLE_FILES: Record<RoleName | 'preflight', readonly string[]> = {
  preflight: ['tasks/main.yml', 'templates/problems.j2'],
  base: ['tasks/main.yml', 'handlers/main.yml', 'templates/journald.conf.j2', 'templates/timesyncd.conf.j2', 'templates/20auto-upgrades.j2', 'templates/52gitmesh-unattended-upgrades.j2', 'templates/sysctl.conf.j2'],
  firewall: ['tasks/main.yml', 'handlers/main.yml', 'templates/nftables.conf.j2', 'templates/nftables-keep-docker.conf.j2', 'templates/docker-user.sh.j2', 'templates/docker-firewall.conf.j2'],
  docker: ['tasks/main.yml', 'tasks/source-docker.yml', 'tasks/source-debian.yml', 'handlers/main.yml', 'templates/docker.sources.j2', 'templates/debian-compose.sources.j2', 'templates/debian-compose.pref.j2', 'templates/limits.conf.j2'],
  deploy_user: ['tasks/main.yml', 'templates/deploy-gate.sh.j2'],
  ssh: ['tasks/main.yml', 'handlers/main.yml', 'templates/sshd.conf.j2'],
  fail2ban: ['tasks/main.yml', 'handlers/main.yml', 'templates/jail.local.j2'],
  backup_mount: ['tasks/main.yml', 'templates/backup.mount.j2', 'templates/docker-needs-backup.conf.j2'],
};

function roleMeta(role: RoleName | 'preflight'): Record<string, unknown> {
  return {
    galaxy_info: {
      author: 'generator-gitmesh-devops',
      description: ROLE_DESCRIPTIONS[role],
      license: 'proprietary',
      min_ansible_version: '2.14',
      // Debian 12 (bookworm) and 13 (trixie); ansible-lint 6.x's schema predates trixie, so `all`.
      platforms: [{ name: 'Debian', versions: ['all'] }],
    },
    dependencies: [],
  };
}

export const provisioningFiles: Manifest = (model) => {
  if (!provisions(model)) return [];
  const view = provisioningView(model);
  const locals = { view };
  const data = (path: string, comment: readonly string[], value: unknown): FileSpec => ({ path, template: 'deploy/ansible/vars.yml.ejs', locals: { comment, yaml: toAnsibleYaml(value) } });
  const roles = ['preflight', ...ROLES] as const;
  return [
    { path: `${ANSIBLE_DIR}/ansible.cfg`, template: 'deploy/ansible/ansible.cfg.ejs' },
    { path: `${ANSIBLE_DIR}/site.yml`, template: 'deploy/ansible/site.yml.ejs', locals },
    { path: `${ANSIBLE_DIR}/cloud-init.yml`, template: 'deploy/ansible/cloud-init.yml.ejs', locals },
    { path: `${ANSIBLE_DIR}/templates/user-data.yaml.j2`, template: 'deploy/ansible/templates/user-data.yaml.j2.ejs', locals },
    ...view.dataFiles.map((file) => data(file.path, file.comment, file.data)),
    ...roles.flatMap((role) => [
      data(`${ANSIBLE_DIR}/roles/${role}/meta/main.yml`, [`Role ${role}: ${ROLE_DESCRIPTIONS[role]}.`], roleMeta(role)),
      ...ROLE_FILES[role].map((file) => ({ path: `${ANSIBLE_DIR}/roles/${role}/${file}`, template: `deploy/ansible/roles/${role}/${file}.ejs`, locals })),
    ]),
    { path: 'docs/provisioning.md', template: 'docs/provisioning.md.ejs', locals },
  ];
};
