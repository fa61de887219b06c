#!/usr/bin/env bash
# Install the Debian packages some integration tests run (syslog-ng with its http module,
# Prometheus with promtool, chromium for the /docs page) when they are missing. Only as root with apt-get; otherwise,
# or if apt fails, say so and exit 0: those tests then skip, naming the package.
set -uo pipefail

missing=()
command -v syslog-ng >/dev/null 2>&1 || [ -x /usr/sbin/syslog-ng ] || missing+=(syslog-ng-core)
ls /usr/lib/syslog-ng/*/libhttp.so >/dev/null 2>&1 || missing+=(syslog-ng-mod-http)
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# The /docs page test's headless browser; about 12 s of apt-get install on a CI machine.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "[test-programs] syslog-ng, prometheus, promtool and chromium present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "[test-programs] missing ${missing[*]}; not root or no apt-get: their tests will skip"
  exit 0
fi

echo "[test-programs] installing ${missing[*]}"
# The packages' own services must not start (no init here, or ports the tests use):
# a policy-rc.d that refuses, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
if timeout 600 apt-get update -qq \
  && timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  echo "[test-programs] installed ${missing[*]}"
else
  echo "[test-programs] apt-get failed; the tests that need ${missing[*]} will skip"
fi
[ "$own_policy" -eq 1 ] && rm -f "$policy"
exit 0
