#!/usr/bin/env bash
# Installs what building and testing mockconvex needs, when it is missing:
# libevent and SQLite (headers and pkg-config files), pkg-config, and the tools the tests drive for real
# (curl, socat, nginx, wrk, iproute2, docker-compose to validate the compose files). Debian/Ubuntu through apt, macOS through Homebrew.
set -euo pipefail

want_tools="${1:-all}"   # "build" for what `make run` needs, "all" for the tests too

have_libevent() { pkg-config --exists libevent 2>/dev/null && pkg-config --exists libevent_pthreads 2>/dev/null; }
have_sqlite() { pkg-config --exists sqlite3 2>/dev/null; }

missing=()
case "$(uname -s)" in
  Linux)
    have_libevent || missing+=(libevent-dev pkg-config)
    have_sqlite || missing+=(libsqlite3-dev pkg-config)
    if [ "$want_tools" = all ]; then
      command -v curl >/dev/null || missing+=(curl)
      command -v socat >/dev/null || missing+=(socat)
      command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
      command -v wrk >/dev/null || missing+=(wrk)
      command -v ip >/dev/null || missing+=(iproute2)
      command -v setpriv >/dev/null || missing+=(util-linux)
      command -v docker-compose >/dev/null || missing+=(docker-compose)
      command -v python3 >/dev/null || missing+=(python3)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
      sudo=""
      [ "$(id -u)" -eq 0 ] || sudo="sudo"
      echo "installing: ${missing[*]}"
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    ;;
  Darwin)
    have_libevent || missing+=(libevent pkg-config)
    have_sqlite || missing+=(sqlite pkg-config)
    if [ "$want_tools" = all ]; then
      command -v socat >/dev/null || missing+=(socat)
      command -v nginx >/dev/null || missing+=(nginx)
      command -v wrk >/dev/null || missing+=(wrk)
      command -v docker-compose >/dev/null || missing+=(docker-compose)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
      echo "installing: ${missing[*]}"
      brew install "${missing[@]}"
    fi
    ;;
  *)
    echo "unsupported system $(uname -s): install libevent 2.1 with pkg-config by hand" >&2
    exit 1
    ;;
esac

if ! have_libevent || ! have_sqlite; then
  echo "libevent or sqlite3 was not found by pkg-config after installing; set PKG_CONFIG_PATH" >&2
  exit 1
fi
