#!/usr/bin/env bash
# Sets up what the container tests and `make image` run on, when it is missing, and says where
# it is. Idempotent, and bounded in time (every wait below has a limit).
#
#   scripts/container-engine.sh podman     podman with runc, its Docker-compatible socket running;
#                                          prints the DOCKER_HOST value for docker-compose
#   scripts/container-engine.sh base       ENGINE has debian:bookworm-slim (pulled, or made with
#                                          debootstrap --variant=minbase and imported when no
#                                          registry answers, as on these machines)
#   scripts/container-engine.sh image NAME builds NAME from docker/Dockerfile with ENGINE: in the
#                                          official Swift image when ENGINE has it or can pull it,
#                                          else from the binary `make static` builds on the host
#   scripts/container-engine.sh test-setup all of the above with podman for `make test`'s
#                                          container tests; prints the variables they read, or
#                                          MOCKCONVEX_CONTAINERS_UNAVAILABLE with the reason where
#                                          containers cannot run at all
#   scripts/container-engine.sh standins   ENGINE has images under the names the compose files use
#                                          for socat and nginx, built on that base from Debian's
#                                          packages when they cannot be pulled
#
# Why podman is configured so: crun fails on a kernel with hybrid cgroups (v1 with a v2 mount), so
# runc; and runc containers would otherwise inherit the host's open-file limit, which is far above
# what some tools (nginx) accept, hence default_ulimits. Only Debian and Ubuntu are supported.
set -euo pipefail

ENGINE="${ENGINE:-podman}"
CACHE="${MOCKCONVEX_IMAGE_CACHE:-/var/cache/mockconvex}"
SOCKET="${MOCKCONVEX_PODMAN_SOCKET:-/run/mockconvex-podman/podman.sock}"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

apt_install() {
  echo "installing: $*" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The runtime and limits are written once into /etc/containers/containers.conf's [containers]
# and [engine] tables; a file that already says something else is left alone.
configure_podman() {
  local conf=/etc/containers/containers.conf
  if [ -e "$conf" ] && grep -q '^ *runtime *= *"runc"' "$conf" && grep -q '^ *default_ulimits' "$conf"; then
    return
  fi
  # A file of the machine's own: its tables cannot be prepended to, so it is left as it is.
  if [ -e "$conf" ] && grep -qE '^ *(runtime|default_ulimits) *=|^ *\[(containers|engine)\]' "$conf"; then
    echo "$conf has settings of its own; add runtime = \"runc\" under [engine] and default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"] under [containers] if containers fail" >&2
    return
  fi
  echo "configuring: runc and nofile/nproc limits of 1024 in $conf" >&2
  $sudo mkdir -p /etc/containers
  {
    echo '# Written by mockconvex scripts/container-engine.sh'
    echo '[containers]'
    echo 'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]'
    echo '[engine]'
    echo 'runtime = "runc"'
    if [ -e "$conf" ]; then cat "$conf"; fi
  } | $sudo tee "$conf.new" >/dev/null
  $sudo mv "$conf.new" "$conf"
}

# `podman system service` on a socket of its own (not the system's podman.socket unit: these
# machines may have no systemd), started in the background when nothing answers on it.
start_service() {
  # One left running from a folder since deleted answers pings but runs no container (below).
  local pid
  for pid in $(pgrep -f "podman system service --time 0 unix://$SOCKET" || true); do
    case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in
      *" (deleted)") $sudo kill "$pid" 2>/dev/null || true; sleep 0.5 ;;
    esac
  done
  if curl -fsS --max-time 5 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
    return
  fi
  $sudo mkdir -p "$(dirname "$SOCKET")"
  $sudo rm -f "$SOCKET"
  # --time 0: it stays up until stopped; setsid and nohup keep it beyond this script and make's
  # process group, and its output goes to a log beside the socket. It runs from / : the
  # checkout it was started from may be deleted (a temporary clone, a worktree), and conmon
  # then fails every container with "write child: broken pipe" (its log says "Failed to get
  # working directory").
  $sudo setsid nohup env -C / podman system service --time 0 "unix://$SOCKET" \
    >"$(dirname "$SOCKET")/service.log" 2>&1 < /dev/null &
  for _ in $(seq 1 100); do
    if curl -fsS --max-time 2 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  echo "podman system service did not answer on $SOCKET within 10 s; see $(dirname "$SOCKET")/service.log" >&2
  exit 1
}

setup_podman() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman netavark aardvark-dns conmon catatonit)
  command -v runc >/dev/null || missing+=(runc)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  configure_podman
  start_service
  echo "unix://$SOCKET"
}

has_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

# A registry that cannot be reached makes a pull fail; the limit keeps one that hangs from
# holding the run.
try_pull() { timeout 60 "$ENGINE" pull "$1" >/dev/null 2>&1; }

ensure_base() {
  local name=docker.io/library/debian:bookworm-slim
  has_image "$name" && return
  try_pull "$name" && return
  local tarball="$CACHE/bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || apt_install debootstrap
    echo "making $tarball with debootstrap --variant=minbase bookworm (a few minutes, once)" >&2
    local root="$CACHE/bookworm-minbase.tmp"
    $sudo rm -rf "$root"
    $sudo mkdir -p "$CACHE"
    timeout 900 $sudo debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1 || {
      echo "debootstrap failed; see $CACHE/debootstrap.log" >&2
      exit 1
    }
    # As debian:bookworm-slim has it: no package lists, no apt caches.
    $sudo rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    $sudo tar -C "$root" -cf "$tarball.tmp" .
    $sudo mv "$tarball.tmp" "$tarball"
    $sudo rm -rf "$root"
  fi
  "$ENGINE" import --change 'CMD ["bash"]' "$tarball" "$name" >/dev/null
}

# Stand-ins for the compose files' images, made of Debian's packages with the entry points and
# file layout those images have: alpine/socat runs socat with the command as its arguments;
# nginx reads /etc/nginx/conf.d/*.conf and runs in the foreground.
ensure_standins() {
  ensure_base
  local dir
  dir="$(mktemp -d)"
  if ! has_image docker.io/alpine/socat:latest && ! try_pull docker.io/alpine/socat:latest; then
    printf '%s\n' 'FROM docker.io/library/debian:bookworm-slim' \
      'RUN apt-get update && apt-get install -y --no-install-recommends socat && rm -rf /var/lib/apt/lists/*' \
      'ENTRYPOINT ["socat"]' >"$dir/socat"
    build_standin docker.io/alpine/socat:latest "$dir/socat" "$dir"
  fi
  if ! has_image docker.io/library/nginx:1.27-alpine && ! try_pull docker.io/library/nginx:1.27-alpine; then
    printf '%s\n' 'FROM docker.io/library/debian:bookworm-slim' \
      'RUN apt-get update && apt-get install -y --no-install-recommends nginx && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/*' \
      'STOPSIGNAL SIGQUIT' \
      'CMD ["nginx", "-g", "daemon off;"]' >"$dir/nginx"
    build_standin docker.io/library/nginx:1.27-alpine "$dir/nginx" "$dir"
  fi
  rm -rf "$dir"
}

build_standin() {
  local network=()
  [ "$ENGINE" = podman ] && network=(--network host)
  timeout 900 "$ENGINE" build "${network[@]}" -t "$1" -f "$2" "$3" >"$CACHE/standin-build.log" 2>&1 || {
    echo "building the stand-in $1 failed; see $CACHE/standin-build.log" >&2
    exit 1
  }
}

build_image() {
  local name="$1" swift_image="${SWIFT_IMAGE:-swift:6.3-bookworm}" args=()
  local root
  root="$(cd "$(dirname "$0")/.." && pwd)"
  ensure_base
  if has_image "$swift_image" || timeout 1200 "$ENGINE" pull "$swift_image" >/dev/null 2>&1; then
    args+=(--build-arg "SWIFT_IMAGE=$swift_image" --build-arg BINARY_FROM=swift)
  else
    echo "$swift_image cannot be pulled: building the binary on this machine (make static)" >&2
    "${MAKE:-make}" -C "$root" --no-print-directory static >&2
    mkdir -p "$root/.build-image"
    cp "$(cd "$root" && MOCKCONVEX_STATIC_SQLITE=1 swift build -c release --static-swift-stdlib --product mockconvex \
      --scratch-path .build-static --show-bin-path)/mockconvex" "$root/.build-image/mockconvex"
    args+=(--build-arg BINARY_FROM=context --build-arg HOST_BINARY=.build-image/mockconvex)
  fi
  # podman keeps HEALTHCHECK only in Docker-format images; its RUN steps reach Debian's mirror
  # through the host's network.
  [ "$ENGINE" = podman ] && args+=(--format docker --network host)
  timeout 1800 "$ENGINE" build "${args[@]}" -f "$root/docker/Dockerfile" -t "$name" "$root"
  # Each build leaves its build stages (hundreds of MB) untagged; every make test builds, so
  # they would fill the disk run by run.
  "$ENGINE" image prune -f >/dev/null 2>&1 || true
}

# Containers that cannot run at all (no podman to be had, no root for rootful podman, a kernel
# that refuses) make the tests skip with the reason; anything failing after a container ran
# once fails the run.
test_setup() {
  local host
  if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
    echo "MOCKCONVEX_CONTAINERS_UNAVAILABLE='rootful podman needs root or passwordless sudo'"
    return
  fi
  if ! host="$(setup_podman 2>"$CACHE/setup.log")"; then
    echo "MOCKCONVEX_CONTAINERS_UNAVAILABLE='podman could not be installed or started; see $CACHE/setup.log'"
    return
  fi
  ensure_base >&2
  if ! timeout 120 podman run --rm docker.io/library/debian:bookworm-slim true >"$CACHE/run.log" 2>&1; then
    echo "MOCKCONVEX_CONTAINERS_UNAVAILABLE='podman cannot run a container here: $(tail -1 "$CACHE/run.log" | tr -d "'")'"
    return
  fi
  ensure_standins >&2
  build_image mockconvex:local >"$CACHE/image-build.log" 2>&1 || {
    echo "building mockconvex:local failed; see $CACHE/image-build.log" >&2
    exit 1
  }
  echo "DOCKER_HOST=$host"
  echo "MOCKCONVEX_IMAGE=mockconvex:local"
}

case "${1:-}" in
  test-setup) mkdir -p "$CACHE"; test_setup ;;
  image) mkdir -p "$CACHE"; build_image "${2:-mockconvex:local}" ;;
  podman) setup_podman ;;
  base) mkdir -p "$CACHE"; ensure_base ;;
  standins) mkdir -p "$CACHE"; ensure_standins ;;
  *) echo "usage: $0 podman|base|standins|image [NAME]" >&2; exit 2 ;;
esac
