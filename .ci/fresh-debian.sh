#!/bin/sh
# Proves the README's first command on a machine where nothing was installed by hand: a bare
# Debian 12 root (debootstrap --variant=minbase), a fresh clone of this repository inside it, and
# `sh cmake/quickstart.sh` run there with a short training. A package missing from
# cmake/install-deps.sh fails here, whatever the CI machine itself has installed.
#
# Cached between runs in $XGAN_CI_CACHE (default /var/cache/xgan-ci), none of it installed
# software: the bare root as debootstrap made it (a tar), the .deb files apt downloaded (apt
# still installs every one of them in the new root) and ccache's compile cache (it hashes every
# header it reads, so it cannot hide a missing one).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${XGAN_CI_CACHE:-/var/cache/xgan-ci}
mirror=${XGAN_CI_MIRROR:-http://deb.debian.org/debian}
steps=${XGAN_CI_STEPS:-30}

say() { echo "fresh-debian: $*"; }
need_host() {  # host tools this script needs (the CI machine, not the checked set-up)
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing_host="${missing_host:-} $p"; done
  if [ -n "${missing_host:-}" ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing_host
  fi
}
[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap, chroot, mount)"; exit 1; }
need_host debootstrap git

mkdir -p "$cache/apt-archives/partial" "$cache/ccache"
base="$cache/bookworm-minbase.tar"
work=$(mktemp -d /var/tmp/xgan-fresh-debian.XXXXXX)
root="$work/root"
cleanup() {
  for m in var/cache/apt/archives root/.ccache dev/pts dev proc; do
    mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ ! -s "$base" ]; then
  say "debootstrap bookworm (minbase) from $mirror"
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/base" -cf "$base.partial" . && mv "$base.partial" "$base"
  rm -rf "$work/base"
fi
mkdir "$root"
tar -C "$root" -xf "$base"

# What a new machine of this kind has besides its packages: name resolution, the same Debian
# suites as this machine, and the certificate bundle and npm settings that npm needs here.
cp /etc/resolv.conf "$root/etc/resolv.conf"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
  : >"$root/etc/apt/sources.list"
fi
for f in /etc/apt/apt.conf.d/*; do
  grep -q 'Check-Valid-Until\|Check-Date' "$f" 2>/dev/null && cp "$f" "$root/etc/apt/apt.conf.d/"
done
ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$ca" ] && cp "$ca" "$root/etc/xgan-ci-ca.crt"
[ -f "$HOME/.npmrc" ] && cp "$HOME/.npmrc" "$root/root/.npmrc"

git clone --quiet --no-hardlinks "$repo" "$root/src/xgan"

mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mkdir -p "$root/root/.ccache"
mount --bind "$cache/ccache" "$root/root/.ccache"
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"

mkdir -p "$repo/build-ci"
log="$repo/build-ci/fresh-debian.log"
say "sh cmake/quickstart.sh --max-steps $steps --limit 2000 in a bare Debian 12 root (log: build-ci/fresh-debian.log)"
start=$(date +%s)
if ! chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 NODE_EXTRA_CA_CERTS=/etc/xgan-ci-ca.crt ${OPENBLAS_CORETYPE:+OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE} \
  sh -c "cd /src/xgan && sh cmake/quickstart.sh --max-steps $steps --limit 2000" >"$log" 2>&1; then
  tail -40 "$log"
  say "the README's first command failed in a bare Debian 12 root"
  exit 1
fi
grep -E '^(installing:|MNIST|training|epoch|done)' "$log" || true
run="$root/src/xgan/runs/mlp"
for f in config.json metrics.jsonl generator.safetensors report.html loss.png; do
  [ -s "$run/$f" ] || { say "runs/mlp/$f is missing after the quickstart"; exit 1; }
done
ls "$run"/samples/epoch_*.png >/dev/null 2>&1 || { say "no sample grid in runs/mlp/samples"; exit 1; }
cp "$run/samples/$(ls "$run/samples" | tail -1)" "$repo/build-ci/fresh-debian-samples.png"
say "ok in $(( $(date +%s) - start )) s: the tool built and trained in a bare root (grid: build-ci/fresh-debian-samples.png)"
