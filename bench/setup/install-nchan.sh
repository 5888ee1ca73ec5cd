#!/usr/bin/env bash
# Makes sure nginx and its Nchan module are installed (Debian packages nginx and libnginx-mod-nchan),
# for the nchan baselines of the sse-fanout scenario. Only installs: it never starts, stops or
# configures the system's nginx service; the harness runs its own nginx with its own config.
#
# On success prints `NGINX=<binary>`, `MODULE=<ngx_nchan_module.so>` and `VERSION=<what they are>`,
# and exits 0.
# Otherwise prints one line, `UNAVAILABLE: <reason>`, and exits 3, so the harness can report that
# row as not measured and go on with the others.
#
# The paths it checks and the apt-get it runs can be overridden (BENCH_NGINX, BENCH_NCHAN_MODULE,
# BENCH_APT_GET), which is how the harness's tests exercise the missing-package path on a machine
# that has the packages.
set -u

nginx_bin="${BENCH_NGINX:-/usr/sbin/nginx}"
module="${BENCH_NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}"
apt_get="${BENCH_APT_GET:-apt-get}"

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
  if ! { "$apt_get" update && "$apt_get" install -y --no-install-recommends nginx libnginx-mod-nchan; } >"$log" 2>&1; then
    last="$(grep -v '^\s*$' "$log" | tail -n 1)"
    rm -f "$log"
    unavailable "apt-get install nginx libnginx-mod-nchan failed (${last:-no output})"
  fi
  rm -f "$log"
  installed || unavailable "apt-get installed nginx and libnginx-mod-nchan but $nginx_bin or $module is missing"
fi

echo "NGINX=$nginx_bin"
echo "MODULE=$module"
# For the report: which nginx and which Nchan were measured.
echo "VERSION=$("$nginx_bin" -v 2>&1 | sed -n 's|.*nginx/||p') $(dpkg-query -W -f='(libnginx-mod-nchan ${Version})' libnginx-mod-nchan 2>/dev/null)"
