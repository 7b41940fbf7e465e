#!/usr/bin/env bash
# Build Analyst's Docker image on a machine that reaches package registries but no image registry.
#
#   deploy/build-local.sh            # engine (if needed) + base image (once) + analyst:local
#   deploy/build-local.sh --chroma   # ... and the Chroma server image (chroma:local) for compose
#   deploy/build-local.sh --engine   # only make sure a Docker engine runs (--base: and the base)
#
# 1. A Docker engine: uses the running one; else installs Debian's docker.io when missing and starts
#    `dockerd --iptables=false --storage-driver=vfs` in the background (log: $STATE/dockerd.log).
# 2. A base image, once: Debian bookworm from debootstrap (minbase) with Python 3.11, venv and pip,
#    from the Debian mirror this machine's apt is configured with (read at run time), imported with
#    `docker import` as $BASE_IMAGE. It stands in for python:3.11-slim-bookworm.
# 3. The project image: `docker build --build-arg BASE_IMAGE=... --network host`, with the host's CA
#    bundle handed to pip as a build secret (never stored in a layer).
# On a machine with Docker Hub, plain `docker build -t analyst .` does the same from the public base.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
STATE=${ANALYST_DOCKER_STATE:-/var/tmp/analyst-docker}
BASE_IMAGE=${BASE_IMAGE:-analyst-base:bookworm}
IMAGE=${ANALYST_IMAGE:-analyst:local}
CHROMA_IMAGE=${CHROMA_IMAGE:-chroma:local}
CA_BUNDLE=${ANALYST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
mkdir -p "$STATE"

say() { printf '[build-local] %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

# The 20.10 client that comes with Debian's docker.io drives the engine's built-in BuildKit without
# the buildx plugin; a newer client without buildx would fall back to the classic builder, which
# has no RUN --mount. Prefer a client that has buildx, else the engine's own version.
pick_client() {
  if [[ -n ${DOCKER:-} ]]; then return; fi
  local c
  for c in $(type -ap docker); do
    if "$c" buildx version >/dev/null 2>&1; then DOCKER=$c; return; fi
  done
  for c in /usr/bin/docker $(type -ap docker); do
    if [[ -x $c ]] && "$c" version --format '{{.Client.Version}}' 2>/dev/null | grep -q '^20\.'; then
      DOCKER=$c; return
    fi
  done
  DOCKER=$(type -p docker || true)
}

engine_up() { [[ -n ${DOCKER:-} ]] && "$DOCKER" info >/dev/null 2>&1; }

ensure_engine() {
  pick_client
  if engine_up; then return 0; fi
  if ! command -v dockerd >/dev/null 2>&1; then
    [[ $(id -u) == 0 ]] || die "no Docker engine and not root: cannot install docker.io"
    say "installing Debian's docker.io"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >"$STATE/apt.log" 2>&1 \
      || { apt-get update -qq >>"$STATE/apt.log" 2>&1 \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >>"$STATE/apt.log" 2>&1; } \
      || die "apt-get install docker.io failed (see $STATE/apt.log)"
    DOCKER=; pick_client
  fi
  [[ $(id -u) == 0 ]] || die "no Docker engine running and not root: cannot start dockerd"
  say "starting dockerd (vfs, no iptables); log: $STATE/dockerd.log"
  setsid dockerd --iptables=false --storage-driver=vfs >"$STATE/dockerd.log" 2>&1 < /dev/null &
  echo $! >"$STATE/dockerd.pid"
  for _ in $(seq 1 60); do
    engine_up && { say "engine up (pid $(cat "$STATE/dockerd.pid"))"; return 0; }
    kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null || break
    sleep 1
  done
  tail -20 "$STATE/dockerd.log" >&2 || true
  die "dockerd did not come up"
}

# The Debian mirror apt uses here: first URIs:/deb line for the main archive.
debian_mirror() {
  local files=() f m
  [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do [[ -f $f ]] && files+=("$f"); done
  m=$(grep -hE '^(URIs:|deb )' "${files[@]}" 2>/dev/null \
      | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' \
      | awk '{print $1}' | grep -v -- '-security' | head -1)
  [[ -n $m ]] || die "no Debian mirror found in /etc/apt/sources.list(.d)"
  echo "$m"
}

ensure_base() {
  if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then say "base image $BASE_IMAGE: cached"; return; fi
  command -v debootstrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >"$STATE/apt.log" 2>&1 \
    || die "debootstrap is missing and could not be installed"
  local mirror root t0=$SECONDS
  mirror=$(debian_mirror)
  root="$STATE/rootfs"
  rm -rf "$root"
  say "debootstrap bookworm (minbase) from the configured mirror -> $root"
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
    bookworm "$root" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
    || { tail -20 "$STATE/debootstrap.log" >&2; die "debootstrap failed (log: $STATE/debootstrap.log)"; }
  # Slim like the python images: no apt lists, caches, docs or man pages.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
         "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/tmp/*
  tar -C "$root" -c . | "$DOCKER" import \
    -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
  say "base image $BASE_IMAGE made in $((SECONDS - t0)) s"
}

build() {  # build TAG DOCKERFILE
  local tag=$1 file=$2 t0=$SECONDS secret=()
  [[ -s $CA_BUNDLE ]] && secret=(--secret "id=pip_cert,src=$CA_BUNDLE")
  say "building $tag from $file (base $BASE_IMAGE)"
  local log="$STATE/build-${tag//[:\/]/_}.log"
  if ! DOCKER_BUILDKIT=1 "$DOCKER" build --network host --progress plain \
      --build-arg "BASE_IMAGE=$BASE_IMAGE" "${secret[@]}" -f "$file" -t "$tag" "$REPO" >"$log" 2>&1; then
    tail -40 "$log" >&2
    die "build of $tag failed (log: $log)"
  fi
  grep -E '^#[0-9]+ (CACHED|DONE [0-9.]+s)' "$log" | awk '{t[$1]=$0} END {for (k in t) print t[k]}' \
    | sort -V | grep -E 'DONE [0-9]{2,}' >&2 || true   # the steps that took 10 s or more
  say "built $tag in $((SECONDS - t0)) s; size $("$DOCKER" image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.2f GB", $1/1e9}')"
}

main() {
  local chroma=0 only_engine=0 only_base=0
  for a in "$@"; do
    case $a in
      --chroma) chroma=1 ;;
      --engine) only_engine=1 ;;
      --base) only_base=1 ;;
      *) die "unknown option $a" ;;
    esac
  done
  ensure_engine
  [[ $only_engine == 1 ]] && return 0
  ensure_base
  [[ $only_base == 1 ]] && return 0
  build "$IMAGE" "$REPO/Dockerfile"
  [[ $chroma == 1 ]] && build "$CHROMA_IMAGE" "$REPO/deploy/chroma.Dockerfile"
  return 0
}

main "$@"
