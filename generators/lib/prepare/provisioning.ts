/**
 * Provisioning concern: the Docker hosts as code. An Ansible inventory per environment, a playbook
 * of focused roles (base, firewall, docker, deploy_user, ssh, fail2ban, backup_mount), cloud-init
 * user-data for first boot, `make provision` / `make provision-check`, and docs/provisioning.md.
 *
 * Every value a role reads is decided here, as data, and serialised to YAML by files/provisioning.ts:
 * the stack's needs (OpenSearch's vm.max_map_count and memlock, Redis's overcommit, the edge's ports,
 * the containers' group 10001) flow from the model into group_vars and role defaults. The playbook's
 * tasks are static templates that only read those variables.
 *
 * Only ansible.builtin modules are used, so a control node needs nothing but ansible-core (2.14, as in
 * Debian 12, or later): no Galaxy collections to pin, fetch or audit.
 */
import type { Contribution, DeploymentModel } from '../model.js';
import { deployPath } from './ci.js';

/** The inventory group every role targets. */
export const HOST_GROUP = 'docker_hosts';
/** The account Ansible connects as (passwordless sudo); created by the cloud-init user-data. */
export const ADMIN_USER = 'ops';
/** The account CI deploys as: owns the deploy path, in the docker and secrets groups, no sudo. */
export const DEPLOY_USER = 'deploy';
/** Name of the host group whose gid the containers share (the model's gid, 10001). */
export const SECRETS_GROUP = 'gitmesh-app';
export const SSH_PORT = 22;
/** The deploy key's forced command: accepts exactly the commands scripts/deploy/remote.sh sends. */
export const DEPLOY_GATE = '/usr/local/sbin/gitmesh-deploy-gate';
/** Where the generated Ansible tree lives in the repo. */
export const ANSIBLE_DIR = 'deploy/ansible';
/** Roles in the order the playbook applies them: the deploy user exists before SSH is restricted to it. */
export const ROLES = ['base', 'firewall', 'docker', 'deploy_user', 'ssh', 'fail2ban', 'backup_mount'] as const;
export type RoleName = (typeof ROLES)[number];

/** Example addresses (RFC 5737 TEST-NET-1) the inventories ship with; preflight refuses them. */
const EXAMPLE_ADDRESS: Record<string, string> = { staging: '192.0.2.10', production: '192.0.2.20' };

export interface Sysctl {
  readonly key: string;
  readonly value: string;
  readonly why: string;
}

/** A YAML data file of the Ansible tree: path, leading comment lines, and the data it serialises. */
export interface AnsibleDataFile {
  readonly path: string;
  readonly comment: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
}

export interface ProvisionEnvironment {
  readonly name: string;
  readonly host: string;
  readonly exampleAddress: string;
  readonly publicHost: string;
}

export interface ProvisioningView {
  readonly project: string;
  readonly deployPath: string;
  readonly group: string;
  readonly adminUser: string;
  readonly deployUser: string;
  readonly secretsGroup: { readonly name: string; readonly gid: number };
  readonly sshPort: number;
  /** Ports open to the world: the edge's published ports. Every other published port is dropped in DOCKER-USER. */
  readonly publicPorts: readonly number[];
  readonly environments: readonly ProvisionEnvironment[];
  readonly sysctls: readonly Sysctl[];
  /** Limits dockerd passes on: memlock for OpenSearch's memory_lock, nofile for the services' ulimits. */
  readonly dockerLimits: { readonly nofile: number; readonly memlock: 'infinity' | number };
  readonly daemonJson: Readonly<Record<string, unknown>>;
  readonly dataFiles: readonly AnsibleDataFile[];
  /** Make targets the concern adds (also listed in the runbook). */
  readonly targets: readonly { readonly name: string; readonly help: string }[];
  readonly ansibleDir: string;
  readonly roles: readonly RoleName[];
}

/** Published ports of the stack's services that reach the world (host side of `host:container`). */
function publicPorts(model: DeploymentModel): number[] {
  const ports = model.composeServices.flatMap((svc) => svc.ports.map((p) => p.split(':')).filter((parts) => parts.length === 2).map((parts) => Number(parts[0])));
  return [...new Set(ports.length ? ports : [80, 443])].sort((a, b) => a - b);
}

function sysctls(model: DeploymentModel): Sysctl[] {
  const list: Sysctl[] = [];
  if (model.data.opensearch !== 'none') list.push({ key: 'vm.max_map_count', value: '262144', why: 'OpenSearch maps its index files (its bootstrap check requires at least 262144)' });
  if (model.data.redis) list.push({ key: 'vm.overcommit_memory', value: '1', why: 'Redis forks for RDB/AOF rewrites; without overcommit a large fork fails' });
  list.push(
    { key: 'vm.swappiness', value: '1', why: 'swap policy: swap only to avoid the OOM killer, never to page out database caches' },
    { key: 'net.core.somaxconn', value: '4096', why: 'accept backlog for the edge and Redis (tcp-backlog 511)' },
    { key: 'net.ipv4.ip_forward', value: '1', why: 'Docker routes published ports and container egress' },
    { key: 'net.ipv4.tcp_syncookies', value: '1', why: 'SYN flood resistance' },
    { key: 'net.ipv4.conf.all.accept_redirects', value: '0', why: 'ignore ICMP redirects (route hijacking)' },
    { key: 'net.ipv4.conf.default.accept_redirects', value: '0', why: 'same, for interfaces created later (Docker bridges)' },
    { key: 'net.ipv4.conf.all.send_redirects', value: '0', why: 'a host is not a router for its neighbours' },
    { key: 'net.ipv4.conf.all.accept_source_route', value: '0', why: 'refuse source-routed packets' },
    { key: 'net.ipv6.conf.all.accept_redirects', value: '0', why: 'ignore ICMPv6 redirects' },
    { key: 'net.ipv6.conf.default.accept_redirects', value: '0', why: 'same, for interfaces created later' },
    { key: 'kernel.dmesg_restrict', value: '1', why: 'kernel log readable by root only' },
  );
  return list;
}

function dockerLimits(model: DeploymentModel): ProvisioningView['dockerLimits'] {
  const limits = model.composeServices.flatMap((svc) => svc.ulimits);
  const nofile = Math.max(1048576, ...limits.filter((l) => l.name === 'nofile').map((l) => l.hard));
  const memlock = limits.some((l) => l.name === 'memlock' && l.hard === -1) ? 'infinity' : 64 * 1024 * 1024;
  return { nofile, memlock };
}

/** /etc/docker/daemon.json: log rotation, containers survive daemon restarts, no setuid escalation. */
function daemonJson(): Record<string, unknown> {
  return {
    'log-driver': 'json-file',
    'log-opts': { 'max-size': '20m', 'max-file': '5' },
    'live-restore': true,
    'no-new-privileges': true,
  };
}

export function provisioningView(model: DeploymentModel): ProvisioningView {
  const project = model.project.name;
  const environments: ProvisionEnvironment[] = model.settings.environments.map((name) => ({
    name,
    host: `${name}-1`,
    exampleAddress: EXAMPLE_ADDRESS[name] ?? '192.0.2.30',
    publicHost: name === 'production' ? model.project.domain : `${name}.${model.project.domain}`,
  }));
  const view: Omit<ProvisioningView, 'dataFiles'> = {
    project,
    deployPath: deployPath(model),
    group: HOST_GROUP,
    adminUser: ADMIN_USER,
    deployUser: DEPLOY_USER,
    secretsGroup: { name: SECRETS_GROUP, gid: model.gid },
    sshPort: SSH_PORT,
    publicPorts: publicPorts(model),
    environments,
    sysctls: sysctls(model),
    dockerLimits: dockerLimits(model),
    daemonJson: daemonJson(),
    targets: [
      { name: 'provision', help: 'Provision the ENV hosts with Ansible (ENV=staging|production)' },
      { name: 'provision-check', help: 'Dry-run provisioning of the ENV hosts: show what would change (--check --diff)' },
      { name: 'cloud-init', help: 'Render the cloud-init user-data for new ENV hosts (deploy/ansible/.build/ENV/)' },
    ],
    ansibleDir: ANSIBLE_DIR,
    roles: [...ROLES],
  };
  return { ...view, dataFiles: dataFiles(view) };
}

/** Inventories, group_vars and role defaults: the playbook's data, as plain objects. */
function dataFiles(view: Omit<ProvisioningView, 'dataFiles'>): AnsibleDataFile[] {
  const dir = ANSIBLE_DIR;
  const files: AnsibleDataFile[] = [
    {
      path: `${dir}/group_vars/all.yml`,
      comment: ['Values every environment shares, decided by the generator from the stack. Per-environment values', 'live in inventories/<env>/group_vars/ and win over these.'],
      data: {
        gitmesh_project: view.project,
        gitmesh_deploy_path: view.deployPath,
        gitmesh_admin_user: view.adminUser,
        gitmesh_deploy_user: view.deployUser,
        gitmesh_secrets_group: view.secretsGroup.name,
        gitmesh_secrets_gid: view.secretsGroup.gid,
        gitmesh_ssh_port: view.sshPort,
        gitmesh_public_tcp_ports: view.publicPorts,
        gitmesh_repo_root: '{{ playbook_dir }}/../..',
        // The deploy key's options, shared by the cloud-init user-data and the deploy_user role: no pty, no
        // forwarding, only the gate's commands, and only from the listed networks when there are any.
        gitmesh_deploy_gate: DEPLOY_GATE,
        gitmesh_deploy_key_options:
          'restrict{% if gitmesh_deploy_ssh_from | default([]) | length > 0 %},from="{{ gitmesh_deploy_ssh_from | join(\',\') }}"{% endif %},command="{{ gitmesh_deploy_gate }}"',
        ansible_user: '{{ gitmesh_admin_user }}',
        ansible_port: '{{ gitmesh_ssh_port }}',
        ansible_python_interpreter: '/usr/bin/python3',
      },
    },
  ];
  for (const env of view.environments) {
    files.push(
      {
        path: `${dir}/inventories/${env.name}/hosts.yml`,
        comment: [
          `The ${env.name} Docker hosts. Replace the example address with each host's address or DNS name;`,
          'add hosts under the same group. `make provision ENV=' + env.name + '` refuses example addresses.',
          'Optional per host: ansible_ssh_private_key_file (checked before any host is contacted).',
        ],
        data: { all: { children: { [view.group]: { hosts: { [env.host]: { ansible_host: env.exampleAddress } } } } } },
      },
      {
        path: `${dir}/inventories/${env.name}/group_vars/${view.group}.yml`,
        comment: [
          `Settings of the ${env.name} hosts. Public keys are not secrets; private keys never go in this repo.`,
          'Required before `make provision`: the operators\' keys and the deploy key (preflight lists what is missing).',
        ],
        data: {
          gitmesh_environment: env.name,
          // Written into .env on the host (GITMESH_PUBLIC_HOST); the deploy scripts own GITMESH_IMAGE_TAG.
          gitmesh_env: { GITMESH_PUBLIC_HOST: env.publicHost },
          gitmesh_admin_authorized_keys: [],
          gitmesh_deploy_authorized_key: '',
          gitmesh_deploy_ssh_from: [],
          gitmesh_ssh_allow_from: [],
          docker_source: 'docker',
          fail2ban_enabled: true,
          backup_mount_device: '',
        },
      },
    );
  }
  const defaults: Record<RoleName, { comment: string[]; data: Record<string, unknown> }> = {
    base: {
      comment: ['Base system: packages, unattended security upgrades, time sync, locale and time zone, journald, sysctl.'],
      data: {
        base_packages: ['apt-listchanges', 'ca-certificates', 'curl', 'git', 'jq', 'make', 'python3-apt', 'systemd-timesyncd', 'tzdata', 'unattended-upgrades', 'util-linux'],
        base_apt_cache_valid_time: 3600,
        base_timezone: 'Etc/UTC',
        base_locale: 'C.UTF-8',
        base_ntp_servers: ['0.debian.pool.ntp.org', '1.debian.pool.ntp.org', '2.debian.pool.ntp.org', '3.debian.pool.ntp.org'],
        base_journald: { Storage: 'persistent', Compress: 'yes', SystemMaxUse: '2G', SystemKeepFree: '4G', MaxRetentionSec: '1month' },
        base_unattended_upgrades_reboot: false,
        base_unattended_upgrades_reboot_time: '04:30',
        base_sysctls: Object.fromEntries(view.sysctls.map((s) => [s.key, s.value])),
      },
    },
    firewall: {
      comment: ['nftables: default-deny inbound, and a DOCKER-USER chain that drops forwarded traffic to published', 'container ports other than the public ones (Docker bypasses the INPUT chain).'],
      data: {
        firewall_public_tcp_ports: '{{ gitmesh_public_tcp_ports }}',
        firewall_ssh_port: '{{ gitmesh_ssh_port }}',
        firewall_ssh_allow_from: '{{ gitmesh_ssh_allow_from | default([]) }}',
        firewall_extra_tcp_ports: [],
        firewall_log_drops: true,
      },
    },
    docker: {
      comment: ['Docker Engine and the Compose v2 plugin. docker_source: `docker` (Docker\'s apt repository, the default)', 'or `debian` (Debian\'s docker.io and docker-compose; on Debian 12 the Compose v2 package comes from Debian 13).'],
      data: {
        docker_source: 'docker',
        docker_apt_url: 'https://download.docker.com/linux/debian',
        docker_debian_mirror: 'http://deb.debian.org/debian',
        docker_compose_min_version: '2.24.0',
        docker_daemon_config: view.daemonJson,
        docker_limit_nofile: view.dockerLimits.nofile,
        docker_limit_memlock: view.dockerLimits.memlock,
      },
    },
    deploy_user: {
      comment: ['The deploy user: owns the deploy path, runs docker compose, never sudo. Its SSH key only runs the deploy', 'entry points (a forced command), optionally only from gitmesh_deploy_ssh_from.'],
      data: {
        deploy_user_name: '{{ gitmesh_deploy_user }}',
        deploy_user_path: '{{ gitmesh_deploy_path }}',
        deploy_user_secrets_group: '{{ gitmesh_secrets_group }}',
        deploy_user_secrets_gid: '{{ gitmesh_secrets_gid }}',
        deploy_user_env_example: '{{ gitmesh_repo_root }}/.env.example',
        deploy_user_env: '{{ gitmesh_env | default({}) }}',
        deploy_user_authorized_key: '{{ gitmesh_deploy_authorized_key }}',
        deploy_user_ssh_from: '{{ gitmesh_deploy_ssh_from | default([]) }}',
      },
    },
    ssh: {
      comment: ['OpenSSH: keys only, no root, only the admin and deploy users, modern algorithms. The new configuration', 'is tested before sshd reloads; a reload keeps every open session.'],
      data: {
        ssh_port: '{{ gitmesh_ssh_port }}',
        ssh_allow_users: ['{{ gitmesh_admin_user }}', '{{ gitmesh_deploy_user }}'],
        ssh_forwarding_users: ['{{ gitmesh_admin_user }}'],
        ssh_ciphers: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr', 'aes192-ctr', 'aes128-ctr'],
        ssh_kex: ['sntrup761x25519-sha512@openssh.com', 'curve25519-sha256', 'curve25519-sha256@libssh.org', 'diffie-hellman-group18-sha512', 'diffie-hellman-group16-sha512'],
        // Post-quantum hybrid key exchange, offered first where OpenSSH has it (9.9 and later: Debian 13).
        ssh_kex_mlkem: 'mlkem768x25519-sha256',
        ssh_macs: ['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'umac-128-etm@openssh.com'],
        ssh_host_key_algorithms: ['ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256'],
      },
    },
    fail2ban: {
      comment: ['fail2ban for sshd (journald backend, nftables bans). Key-only SSH cannot be brute-forced; this keeps', 'scanners from filling the logs and the connection slots.'],
      data: { fail2ban_enabled: true, fail2ban_maxretry: 5, fail2ban_findtime: '10m', fail2ban_bantime: '1h', fail2ban_ignoreip: ['127.0.0.1/8', '::1'] },
    },
    backup_mount: {
      comment: ['Optional: a dedicated disk for the backup sets, mounted at the `backups` volume\'s data directory so', 'the compose stack needs no change. Empty device: the role does nothing.'],
      data: {
        backup_mount_device: '',
        backup_mount_fstype: 'ext4',
        backup_mount_options: 'defaults,noatime,nofail,x-systemd.device-timeout=30s',
        backup_mount_path: `/var/lib/docker/volumes/{{ gitmesh_project }}_backups/_data`,
      },
    },
  };
  for (const role of ROLES) files.push({ path: `${dir}/roles/${role}/defaults/main.yml`, comment: defaults[role].comment, data: defaults[role].data });
  return files;
}

/**
 * What the generated CI installs to lint the tree (a venv on the runner's Python 3.12): exact versions,
 * bumped deliberately. The generator's own suite runs Debian 12's ansible-core 2.14 and ansible-lint
 * 6.13 on the same files.
 */
export const ANSIBLE_CI = { ansibleCore: '2.21.5', ansibleLint: '26.10.1' } as const;

/** The generated CI's provisioning job: where the tree is and which inventories to syntax-check. */
export interface ProvisioningCi {
  readonly dir: string;
  readonly environments: readonly string[];
  readonly ansibleCore: string;
  readonly ansibleLint: string;
}

export function provisioningCi(model: DeploymentModel): ProvisioningCi | undefined {
  if (!provisions(model)) return undefined;
  return { dir: ANSIBLE_DIR, environments: model.settings.environments, ...ANSIBLE_CI };
}

/** Docker hosts exist only for the compose target. */
export const provisions = (model: DeploymentModel): boolean => model.settings.targets.compose;

export function provisioningContribution(model: DeploymentModel): Contribution {
  if (!provisions(model)) return {};
  const view = provisioningView(model);
  const envs = view.environments.map((e) => e.name);
  // Refuses an unknown ENV before Ansible runs; extra flags pass through ANSIBLE_ARGS (e.g. --limit).
  const guard = `@case "$(ENV)" in ${envs.join('|')}) ;; *) echo "ENV must be one of: ${envs.join(' ')} (got '$(ENV)')" >&2; exit 2 ;; esac`;
  const playbook = (file: string, extra = ''): string => `cd ${ANSIBLE_DIR} && ANSIBLE_CONFIG=ansible.cfg ansible-playbook -i inventories/$(ENV) ${file}${extra} $(ANSIBLE_ARGS)`;
  const recipes: Record<string, string[]> = {
    provision: [guard, playbook('site.yml')],
    'provision-check': [guard, playbook('site.yml', ' --check --diff')],
    'cloud-init': [guard, playbook('cloud-init.yml')],
  };
  return {
    makeTargets: view.targets.map((t) => ({ name: t.name, help: t.help, recipe: recipes[t.name] ?? [] })),
    docs: [{ path: 'docs/provisioning.md', title: 'Provisioning: hosts as code with Ansible and cloud-init (runbook "Provision a host")' }],
    gitignore: [`/${ANSIBLE_DIR}/.build/`],
  };
}
