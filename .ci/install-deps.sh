#!/usr/bin/env bash
# Installs the Debian (bookworm) packages whose real tools the test suite drives:
# nginx, PostgreSQL 15, Redis, shellcheck, promtool, amtool, docker-compose 1.29,
# testssl.sh, wrk, hyperfine, compressors, age, rclone, tmux, make, Debian's Python (venv, pip,
# setuptools, wheel) for the Python worker's build rehearsal; and for the host lab: debootstrap,
# systemd-nspawn, socat, busybox-static, Ansible (ansible-core, ansible-lint) and cloud-init;
# and caddy and valgrind, which only `npm run bench` uses (the edge bench compares the generated
# nginx with Caddy and counts its instructions per request under callgrind; no test needs them).
#
# Idempotent and fast when everything is present: one dpkg-query call, no network.
# `apt-get update` runs at most once, and only when something is missing.
# Services shipped by these packages are never left running: the tests start their
# own instances on loopback, so a distro daemon on :80/:5432/:6379/:9090/:9093 would
# collide with them.
set -euo pipefail

REQUIRED=(
  nginx                    # Debian's full build: ssl, http_v2, stub_status (verified below)
  postgresql               # PostgreSQL 15 server
  postgresql-client
  redis-server
  redis-tools
  shellcheck
  prometheus               # promtool
  prometheus-alertmanager  # amtool
  docker-compose           # Debian's python docker-compose 1.29.2
  testssl.sh
  wrk
  hyperfine
  zstd
  pigz
  curl
  openssl
  util-linux               # flock
  iproute2                 # ip: the edge tests run nginx in a private network namespace
  jq                       # backup scripts: manifests, alert payloads
  rclone                   # backup scripts: offsite copy (against an S3 stand-in)
  barman                   # PITR: the generated barman service's tool, run against a real PostgreSQL 15
  barman-cli-cloud         # barman-cloud-* (offsite S3 copy of base backups and WAL)
  python3-boto3            # barman-cloud's S3 client
  time                     # GNU time: peak RSS in npm run bench
  git
  # Rehearsal of the Python worker's image build: Debian's interpreter, venv, pip, and the setuptools
  # and wheel that build its editable installs (PyPI is not reachable).
  python3
  python3-venv
  python3-pip
  python3-setuptools
  python3-wheel
  tmux                     # pseudo-terminal for the interactive tests (yo and the bin driven by keys)
  make                     # the generated Makefile's targets, run by the secrets tests
  # The host lab (test/support/host-lab.ts) and the generated Ansible provisioning:
  debootstrap              # Debian 12/13 root filesystems for the lab hosts
  systemd-container        # systemd-nspawn boots them
  socat                    # the lab LAN's apt proxy (Unix socket bridge out of the namespace)
  busybox-static           # a tiny image the lab's Docker engines run (docker import)
  openssh-client           # ssh/ssh-keygen: Ansible's transport and the login checks
  ansible-core             # ansible-playbook, ansible-inventory (2.14 in Debian 12)
  ansible-lint             # production profile on the generated roles (pulls yamllint)
  cloud-init               # `cloud-init schema` on the generated user-data
  # Native addon rehearsal: node-gyp builds bcrypt from source against the images' Node.js headers.
  g++
  caddy                    # npm run bench -- --only edge: the peer proxy (bench only, not tests)
  valgrind                 # npm run bench -- --only edge-instructions: callgrind (bench only)
)
OPTIONAL=(age)             # installed when the archive has it
SERVICES=(nginx postgresql redis-server prometheus prometheus-alertmanager prometheus-node-exporter
  cloud-init cloud-init-local cloud-config cloud-final caddy caddy-api)
COMMANDS=(nginx psql redis-server redis-cli shellcheck promtool amtool docker-compose
  testssl wrk hyperfine zstd pigz curl openssl flock git jq rclone tar tmux make g++ runuser
  debootstrap systemd-nspawn nsenter unshare socat busybox ssh ssh-keygen
  ansible-playbook ansible-inventory ansible-lint yamllint cloud-init caddy valgrind callgrind_control
  barman barman-cloud-backup barman-cloud-wal-archive barman-cloud-restore pg_receivewal)

log() { printf '[install-deps] %s\n' "$*" >&2; }

SUDO=()
if [[ ${EUID} -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { log "must run as root (or with sudo available)"; exit 1; }
  SUDO=(sudo)
fi

# Prints the packages among "$@" that are not fully installed ("ii").
missing_of() {
  local installed
  installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null | awk '$1 == "ii" { print $2 }' || true)
  local p
  for p in "$@"; do
    grep -qxF -- "${p}" <<<"${installed}" || printf '%s\n' "${p}"
  done
}

# True when apt's current lists offer a candidate for the package.
has_candidate() {
  local cand
  cand=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
  [[ -n ${cand} && ${cand} != "(none)" ]]
}

# Forbid maintainer scripts from starting daemons (exit 101 = "action not allowed"),
# restoring whatever policy-rc.d existed before once we are done.
POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP=""
block_service_starts() {
  if [[ -e ${POLICY} ]]; then
    POLICY_BACKUP=$(mktemp)
    "${SUDO[@]}" cp -p "${POLICY}" "${POLICY_BACKUP}"
  fi
  printf '#!/bin/sh\n# temporary, written by .ci/install-deps.sh\nexit 101\n' | "${SUDO[@]}" tee "${POLICY}" >/dev/null
  "${SUDO[@]}" chmod 0755 "${POLICY}"
  trap restore_policy EXIT
}
restore_policy() {
  if [[ -n ${POLICY_BACKUP} ]]; then
    "${SUDO[@]}" cp -p "${POLICY_BACKUP}" "${POLICY}"
    rm -f "${POLICY_BACKUP}"
  else
    "${SUDO[@]}" rm -f "${POLICY}"
  fi
}

# Belt and braces on top of policy-rc.d: stop anything that did start and keep it from
# starting at boot (systemd hosts and sysv-init containers alike).
quiesce_services() {
  local svc
  for svc in "${SERVICES[@]}"; do
    if [[ -d /run/systemd/system ]]; then
      "${SUDO[@]}" systemctl disable --now "${svc}" >/dev/null 2>&1 || true
    elif [[ -x /etc/init.d/${svc} ]]; then
      "${SUDO[@]}" service "${svc}" stop >/dev/null 2>&1 || true
      "${SUDO[@]}" update-rc.d "${svc}" disable >/dev/null 2>&1 || true
    fi
  done
  # barman ships /etc/cron.d/barman (`barman cron` every minute as user barman): the tests run their own
  # barman with their own config, so the machine's cron must never run it.
  if [[ -e /etc/cron.d/barman ]] && grep -q '^[^#]' /etc/cron.d/barman; then
    "${SUDO[@]}" sed -i 's/^\([^#]\)/# disabled by .ci\/install-deps.sh: \1/' /etc/cron.d/barman
  fi
  # Debian's own switch for pg_ctlcluster-managed clusters: never auto-start.
  local conf
  for conf in /etc/postgresql/*/*/start.conf; do
    [[ -e ${conf} ]] || continue
    grep -qx 'manual' "${conf}" || printf 'manual\n' | "${SUDO[@]}" tee "${conf}" >/dev/null
  done
}

verify() {
  local cmd bad=0
  for cmd in "${COMMANDS[@]}"; do
    command -v "${cmd}" >/dev/null 2>&1 || { log "missing command after install: ${cmd}"; bad=1; }
  done
  [[ -x /usr/lib/postgresql/15/bin/postgres ]] || { log "missing /usr/lib/postgresql/15/bin/postgres"; bad=1; }
  /usr/bin/python3 -c 'import ensurepip, setuptools, wheel' 2>/dev/null || { log "Debian's python3 lacks venv/setuptools/wheel"; bad=1; }
  local nginx_v mod
  nginx_v=$(nginx -V 2>&1)
  for mod in http_ssl_module http_v2_module http_stub_status_module; do
    grep -q -- "--with-${mod}" <<<"${nginx_v}" || { log "nginx lacks ${mod}"; bad=1; }
  done
  return "${bad}"
}

main() {
  local -a missing
  mapfile -t missing < <(missing_of "${REQUIRED[@]}")
  local opt
  for opt in "${OPTIONAL[@]}"; do
    # Only worth an update when the package is missing and the (possibly stale) lists
    # don't already say it is unavailable.
    if [[ -n $(missing_of "${opt}") ]]; then
      if has_candidate "${opt}" || ((${#missing[@]} > 0)); then missing+=("${opt}"); fi
    fi
  done

  if ((${#missing[@]} == 0)); then
    verify
    log "all packages present"
    return 0
  fi

  log "missing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local -a apt_opts=(-y -q -o DPkg::Lock::Timeout=300
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  "${SUDO[@]}" apt-get "${apt_opts[@]}" update

  # An optional package the refreshed lists still lack is dropped, not fatal.
  local -a to_install=()
  local p
  for p in "${missing[@]}"; do
    if [[ " ${OPTIONAL[*]} " == *" ${p} "* ]] && ! has_candidate "${p}"; then
      log "optional package ${p} not available; skipping"
      continue
    fi
    to_install+=("${p}")
  done

  block_service_starts
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" install --no-install-recommends "${to_install[@]}"
  quiesce_services
  verify
  log "installed: ${to_install[*]}"
}

main "$@"
