#!/usr/bin/env bash
# Installs what building and testing mockconvex needs, when it is missing:
# libevent (with its OpenSSL bufferevents), OpenSSL and SQLite (headers and pkg-config files), wslay
# (headers; Debian ships no pkg-config file for it), pkg-config, and the tools the tests drive for
# real (curl, socat, nginx, wrk, iproute2, docker-compose and podman to run the compose files, and
# the openssl CLI that makes the TLS tests' certificate authority), and the
# real Convex clients the sync tests run: Node with the `ws` package and Chromium (Debian's
# packages), and the Python `convex` client and pytest from PyPI in a virtualenv under .build/,
# with the project's own Python helper (clients/python) installed there as a user installs it.
# Only Debian and Ubuntu are supported (through apt-get): mockconvex is built and tested on Linux
# only, and nothing builds it on macOS.
set -euo pipefail

want_tools="${1:-all}"   # "build" for what `make run` needs, "all" for the tests too, "bench" for `make bench`

have_libevent() { pkg-config --exists libevent 2>/dev/null && pkg-config --exists libevent_pthreads 2>/dev/null; }
# libevent_openssl.pc comes with libevent-dev; OpenSSL's headers and openssl.pc with libssl-dev.
have_openssl() { pkg-config --exists libevent_openssl 2>/dev/null && pkg-config --exists openssl 2>/dev/null; }
have_sqlite() { pkg-config --exists sqlite3 2>/dev/null; }
have_wslay() { [ -e /usr/include/wslay/wslay.h ] || [ -e /usr/local/include/wslay/wslay.h ]; }

if [ "$(uname -s)" != Linux ]; then
  echo "mockconvex is built and tested on Linux (Debian or Ubuntu) only; $(uname -s) is not supported" >&2
  exit 1
fi

missing=()
have_libevent || missing+=(libevent-dev pkg-config)
have_openssl || missing+=(libevent-dev libssl-dev pkg-config)
have_sqlite || missing+=(libsqlite3-dev pkg-config)
have_wslay || missing+=(libwslay-dev)
if [ "$want_tools" = all ]; then
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v socat >/dev/null || missing+=(socat)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v setpriv >/dev/null || missing+=(util-linux)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  command -v node >/dev/null || missing+=(nodejs)
  [ -e /usr/share/nodejs/ws/package.json ] || missing+=(node-ws)
  command -v chromium >/dev/null || missing+=(chromium)
  # The container tests: rootful podman with runc and netavark, and debootstrap for a base image
  # where no registry answers (scripts/container-engine.sh configures and starts them).
  command -v podman >/dev/null || missing+=(podman netavark aardvark-dns conmon catatonit)
  command -v runc >/dev/null || missing+=(runc)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
fi
if [ "$want_tools" = bench ]; then
  command -v wrk >/dev/null || missing+=(wrk)
  command -v socat >/dev/null || missing+=(socat)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v python3 >/dev/null || missing+=(python3)
  command -v valgrind >/dev/null || missing+=(valgrind)
  command -v objcopy >/dev/null || missing+=(binutils)
  command -v cc >/dev/null || command -v clang >/dev/null || missing+=(gcc)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "missing: ${missing[*]} (Debian package names); this script installs them on Debian or Ubuntu only, with apt-get" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! have_libevent || ! have_openssl || ! have_sqlite; then
  echo "libevent, libevent_openssl, openssl or sqlite3 was not found by pkg-config after installing; set PKG_CONFIG_PATH" >&2
  exit 1
fi
if ! have_wslay; then
  echo "wslay/wslay.h was not found in /usr/include or /usr/local/include after installing libwslay-dev" >&2
  exit 1
fi

# The Python client the sync tests run, `convex` 0.8.1 (a Rust core over the sync WebSocket),
# and pytest 9.2.0 for the pytest plugin's tests, in a virtualenv of the checkout's own, made once.
if [ "$want_tools" = all ]; then
  venv="$(dirname "$0")/../.build/python-clients"
  if ! "$venv/bin/python" -c 'import convex, pytest; assert (convex.__version__, pytest.__version__) == ("0.8.1", "9.2.0")' 2>/dev/null; then
    echo "installing: the Python convex client 0.8.1 and pytest 9.2.0 (PyPI) into .build/python-clients"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check convex==0.8.1 pytest==9.2.0
  fi
  # The helper and pytest plugin (clients/python), installed from its folder as a user would, and
  # again whenever its sources change (the hash of its files is kept beside the virtualenv).
  helper="$(dirname "$0")/../clients/python"
  stamp="$venv/mockconvex-helper.sha256"
  sources_hash="$(cd "$helper" && find . -type f ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sources_hash" ]; then
    echo "installing: the mockconvex Python helper (clients/python) into .build/python-clients"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$helper"
    echo "$sources_hash" > "$stamp"
  fi
fi
