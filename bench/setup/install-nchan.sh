#!/usr/bin/env bash
# Makes sure nginx and its Nchan module are installed (Debian packages nginx and libnginx-mod-nchan),
# for the nchan baselines of the sse-fanout scenario. Only installs: it never starts, stops or
# configures the system's nginx service; the harness runs its own nginx with its own config.
# The nginx package's postinst would start the service (port 80) through invoke-rc.d, so while
# apt-get runs a temporary /usr/sbin/policy-rc.d refuses every service start (exit 101, Debian's
# "action forbidden"); it is removed afterwards, failure and interruption included. A policy-rc.d
# that is already there is the administrator's and is left as it is. (The package still enables the
# service for the next boot, as Debian packages do; `systemctl disable nginx` undoes that.)
#
# On success prints `NGINX=<binary>`, `MODULE=<ngx_nchan_module.so>` and `VERSION=<what they are>`,
# and exits 0.
# Otherwise prints one line, `UNAVAILABLE: <reason>`, and exits 3, so the harness can report that
# row as not measured and go on with the others.
#
# The paths it checks, the apt-get it runs and the policy file it writes can be overridden
# (BENCH_NGINX, BENCH_NCHAN_MODULE, BENCH_APT_GET, BENCH_POLICY_RC_D), which is how the harness's
# tests exercise the missing-package path on a machine that has the packages.
set -u

nginx_bin="${BENCH_NGINX:-/usr/sbin/nginx}"
module="${BENCH_NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}"
apt_get="${BENCH_APT_GET:-apt-get}"
policy="${BENCH_POLICY_RC_D:-/usr/sbin/policy-rc.d}"
own_policy=

# Removes the policy file only if this script wrote it.
release_policy() {
  if [ -n "$own_policy" ]; then
    rm -f "$policy"
    own_policy=
  fi
}
trap release_policy EXIT
# Without these, a signal would end bash without running the EXIT trap.
trap 'exit 130' INT
trap 'exit 143' TERM

unavailable() {
  echo "UNAVAILABLE: $1"
  exit 3
}

installed() {
  [ -x "$nginx_bin" ] && [ -f "$module" ]
}

if ! installed; then
  command -v "$apt_get" >/dev/null 2>&1 || unavailable "nginx with the Nchan module is not installed and apt-get is not available"
  [ "$(id -u)" = 0 ] || unavailable "nginx with the Nchan module is not installed and installing it (apt-get) needs root"
  log="$(mktemp)"
  export DEBIAN_FRONTEND=noninteractive
  # noclobber: written only if no policy exists, in one step, so an existing one is never replaced.
  if ( set -o noclobber; printf '#!/bin/sh\n# Temporary, from bench/setup/install-nchan.sh: no service starts while it installs nginx.\nexit 101\n' >"$policy" ) 2>/dev/null; then
    own_policy=1
    chmod 755 "$policy"
  fi
  if ! { "$apt_get" update && "$apt_get" install -y --no-install-recommends nginx libnginx-mod-nchan; } >"$log" 2>&1; then
    last="$(grep -v '^\s*$' "$log" | tail -n 1)"
    rm -f "$log"
    unavailable "apt-get install nginx libnginx-mod-nchan failed (${last:-no output})"
  fi
  rm -f "$log"
  release_policy
  installed || unavailable "apt-get installed nginx and libnginx-mod-nchan but $nginx_bin or $module is missing"
fi

echo "NGINX=$nginx_bin"
echo "MODULE=$module"
# For the report: which nginx and which Nchan were measured.
echo "VERSION=$("$nginx_bin" -v 2>&1 | sed -n 's|.*nginx/||p') $(dpkg-query -W -f='(libnginx-mod-nchan ${Version})' libnginx-mod-nchan 2>/dev/null)"
