#!/usr/bin/env bash
# A private Docker engine for machines that have none running (CI, a bare Debian box).
# Usage: deploy/engine.sh up|down|status|env|check
#
#   up      install what is missing (Debian's docker.io, Compose v2 from Debian trixie's
#           docker-compose package), start dockerd with its own data-root, exec-root,
#           socket, pid file and bridge, wait until it answers. Idempotent.
#   down    stop that dockerd by its pid (its containers stop with it), remove its bridge.
#   status  exit 0 when it answers, 3 when stopped.
#   env     print the DOCKER_HOST line to eval: eval "$(deploy/engine.sh env)"
#   check   exit 0 when this machine can run the engine, else print one line saying why
#           and exit 4 (CI runs the container tests only then).
#
# Needs root (dockerd does). Nothing here touches a system Docker: another socket, another
# data directory, another bridge. Settings that this kind of machine needs: overlay2 on the
# data-root's filesystem, the cgroupfs driver (cgroup v1, no systemd), BuildKit off (its
# frontend would be fetched from a registry), and default-ulimits nofile 20000 (a process
# here cannot raise its open-files limit above that, and containers fail to start if the
# engine asks for more).
set -euo pipefail

ENGINE_RUN="${BG_ENGINE_RUN:-/run/blueprintgraph-engine}"
ENGINE_DATA="${BG_ENGINE_DATA:-/var/lib/blueprintgraph-engine}"
ENGINE_SOCK="$ENGINE_RUN/docker.sock"
ENGINE_PID="$ENGINE_RUN/dockerd.pid"
ENGINE_LOG="${BG_ENGINE_LOG:-$ENGINE_DATA/dockerd.log}"
ENGINE_CONF="$ENGINE_RUN/daemon.json"
ENGINE_BRIDGE="${BG_ENGINE_BRIDGE:-bgdocker0}"
ENGINE_BRIDGE_CIDR="${BG_ENGINE_BRIDGE_CIDR:-172.31.250.1/24}"
# Networks compose creates come from here, clear of common LAN and VPN ranges.
ENGINE_POOL="${BG_ENGINE_POOL:-172.31.0.0/17}"
ENGINE_NOFILE="${BG_ENGINE_NOFILE:-20000}"
START_TIMEOUT="${BG_ENGINE_START_TIMEOUT:-60}"
STOP_TIMEOUT="${BG_ENGINE_STOP_TIMEOUT:-60}"
COMPOSE_PLUGIN_DIR="${BG_COMPOSE_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"
COMPOSE_SUITE="${BG_COMPOSE_SUITE:-trixie}"
DEBIAN_MIRROR="${BG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

log() { printf '[engine] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

docker_here() { DOCKER_HOST="unix://$ENGINE_SOCK" docker "$@"; }

read_pid() { [[ -f "$ENGINE_PID" ]] && tr -dc '0-9' <"$ENGINE_PID" || true; }

# Exit 0 if the recorded pid is a live dockerd (guards against a recycled pid).
running() {
  local pid
  pid="$(read_pid)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "dockerd"
}

answers() { docker_here info >/dev/null 2>&1; }

# ------------------------------------------------------------------ installation

apt_install() {
  log "installing $*"
  local policy=/usr/sbin/policy-rc.d own_policy=0
  # The packages' own services must not start: a policy-rc.d that refuses, unless the
  # machine already has one (which is then left as it is).
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" \
    >/dev/null || {
    timeout 600 apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" \
        >/dev/null
  } || rc=$?
  ((own_policy)) && rm -f "$policy"
  return "$rc"
}

# Compose v2 is the docker CLI plugin; bookworm only ships Compose v1. Trixie's package
# needs nothing but libc6 >= 2.34: its binary is unpacked (dpkg-deb -x) into the plugin
# folder, with apt run on a private list of the trixie suite (the system's apt state and
# sources are not touched).
install_compose() {
  local tmp deb
  tmp="$(mktemp -d)"
  log "installing Compose v2 from Debian $COMPOSE_SUITE's docker-compose package"
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$tmp/x"
  echo "deb $DEBIAN_MIRROR $COMPOSE_SUITE main" >"$tmp/sources.list"
  local -a opts=(-qq -o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives"
    -o Acquire::Languages=none -o APT::Sandbox::User=root)
  (cd "$tmp" && timeout 300 apt-get "${opts[@]}" update && timeout 300 apt-get "${opts[@]}" download docker-compose) ||
    die "could not fetch docker-compose from Debian $COMPOSE_SUITE"
  deb="$(ls "$tmp"/docker-compose_*.deb)"
  dpkg-deb -x "$deb" "$tmp/x"
  mkdir -p "$COMPOSE_PLUGIN_DIR"
  install -m 755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-compose" "$COMPOSE_PLUGIN_DIR/docker-compose"
  rm -rf "$tmp"
  log "$(docker compose version)"
}

install_missing() {
  local -a pkgs=()
  command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
  command -v iptables >/dev/null 2>&1 || pkgs+=(iptables)
  command -v debootstrap >/dev/null 2>&1 || pkgs+=(debootstrap)
  if ((${#pkgs[@]})); then
    command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get to install them"
    apt_install "${pkgs[@]}" || die "apt-get could not install ${pkgs[*]}"
  fi
  docker compose version >/dev/null 2>&1 || install_compose
}

# ------------------------------------------------------------------ engine

make_bridge() {
  ip link show "$ENGINE_BRIDGE" >/dev/null 2>&1 && return 0
  ip link add name "$ENGINE_BRIDGE" type bridge
  ip addr add "$ENGINE_BRIDGE_CIDR" dev "$ENGINE_BRIDGE"
  ip link set "$ENGINE_BRIDGE" up
}

write_config() {
  cat >"$ENGINE_CONF" <<EOF
{
  "data-root": "$ENGINE_DATA/data",
  "exec-root": "$ENGINE_RUN/exec",
  "pidfile": "$ENGINE_PID",
  "hosts": ["unix://$ENGINE_SOCK"],
  "storage-driver": "overlay2",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "features": {"buildkit": false},
  "bridge": "$ENGINE_BRIDGE",
  "default-address-pools": [{"base": "$ENGINE_POOL", "size": 24}],
  "default-ulimits": {"nofile": {"Name": "nofile", "Soft": $ENGINE_NOFILE, "Hard": $ENGINE_NOFILE}},
  "log-driver": "json-file",
  "log-opts": {"max-size": "20m", "max-file": "2"}
}
EOF
}

up() {
  [[ "$(id -u)" -eq 0 ]] || die "dockerd needs root; run as root (CI does)"
  if running && answers; then
    log "already running (pid $(read_pid), $ENGINE_SOCK)"
    return 0
  fi
  install_missing
  if running; then
    log "dockerd $(read_pid) is up but does not answer yet; waiting"
  else
    mkdir -p "$ENGINE_RUN" "$ENGINE_DATA"
    rm -f "$ENGINE_PID" "$ENGINE_SOCK"
    make_bridge
    write_config
    log "starting dockerd (data $ENGINE_DATA, socket $ENGINE_SOCK, log $ENGINE_LOG)"
    # setsid: its own session, so it outlives this shell; it writes its pid file itself.
    nohup setsid dockerd --config-file "$ENGINE_CONF" </dev/null >>"$ENGINE_LOG" 2>&1 &
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until answers; do
    if ((SECONDS >= deadline)); then
      tail -n 30 "$ENGINE_LOG" >&2 || true
      die "dockerd did not answer on $ENGINE_SOCK within ${START_TIMEOUT}s"
    fi
    sleep 0.5
  done
  log "running (pid $(read_pid)); use it with: export DOCKER_HOST=unix://$ENGINE_SOCK"
}

down() {
  local pid
  pid="$(read_pid)"
  if running; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "dockerd did not stop within ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
    fi
    log "stopped"
  else
    log "not running"
  fi
  rm -f "$ENGINE_PID" "$ENGINE_SOCK"
  if ip link show "$ENGINE_BRIDGE" >/dev/null 2>&1; then
    ip link delete "$ENGINE_BRIDGE" 2>/dev/null || true
  fi
}

status() {
  if running && answers; then
    echo "engine: running (pid $(read_pid), unix://$ENGINE_SOCK)"
    return 0
  fi
  if running; then
    echo "engine: starting or unhealthy (pid $(read_pid))"
    return 1
  fi
  echo "engine: stopped"
  return 3
}

# What `up` needs of the machine, checked without installing or starting anything.
check() {
  local why=""
  if [[ "$(id -u)" -ne 0 ]]; then
    why="dockerd needs root"
  elif ! command -v dockerd >/dev/null 2>&1 && ! command -v apt-get >/dev/null 2>&1; then
    why="no dockerd and no apt-get to install Debian's docker.io"
  elif ! command -v ip >/dev/null 2>&1; then
    why="no ip command (iproute2) to make the engine's bridge"
  elif ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
    why="the kernel has no overlay filesystem (overlay2 storage)"
  elif ! ip link show "$ENGINE_BRIDGE" >/dev/null 2>&1 &&
    ! { ip link add name bgprobe0 type bridge 2>/dev/null && ip link delete bgprobe0; }; then
    why="cannot create a network bridge here (no CAP_NET_ADMIN)"
  fi
  if [[ -n "$why" ]]; then
    echo "$why"
    return 4
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) echo "export DOCKER_HOST=unix://$ENGINE_SOCK" ;;
  check) check ;;
  *) die "usage: $0 up|down|status|env|check" ;;
esac
