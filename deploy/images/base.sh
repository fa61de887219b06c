#!/usr/bin/env bash
# The base of every stand-in image: a minimal Debian root filesystem made with
# `debootstrap --variant=minbase` of the suite this machine's apt uses, imported with
# `docker import`. Usage: base.sh TAG  (skips the work when TAG exists; BG_REBUILD_BASE=1
# rebuilds it, which also invalidates every stand-in layer built on it).
set -euo pipefail
tag="${1:?usage: base.sh TAG}"
suite="${BG_BASE_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}"
mirror="${BG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
log() { printf '[images] %s\n' "$*" >&2; }

if [[ "${BG_REBUILD_BASE:-0}" != 1 ]] && docker image inspect "$tag" >/dev/null 2>&1; then
  log "base $tag present"
  exit 0
fi
command -v debootstrap >/dev/null 2>&1 || { log "ERROR: debootstrap missing (apt-get install debootstrap)"; exit 1; }
root="$(mktemp -d /var/tmp/bg-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
log "debootstrap --variant=minbase $suite into $root"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 ||
  { tail -n 30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# The same sources the machine uses (security updates included), apt kept lean.
cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
SRC
cat >"$root/etc/apt/apt.conf.d/90stand-in" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
APT
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["/bin/bash"]' - "$tag" >/dev/null
log "base $tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1e6}')"
