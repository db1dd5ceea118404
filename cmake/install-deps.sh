#!/bin/sh
# Installs what building and testing xgan needs, from Debian's packages (through sudo when
# not root). Packages already installed are skipped, so this is quick the second time.
set -eu
pkgs="g++ cmake ninja-build ccache pkg-config libxtensor-dev libxsimd-dev libxtensor-blas-dev libopenblas-dev libtbb-dev
doctest-dev libstb-dev zlib1g-dev nlohmann-json3-dev libcli11-dev libbenchmark-dev libopenmpi-dev openmpi-bin"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
for option in "$@"; do
  case "$option" in
    --with-fashion-mnist) pkgs="$pkgs dataset-fashion-mnist" ;;
    --with-fuzzing) pkgs="$pkgs clang libclang-rt-14-dev" ;;  # libFuzzer's runtime is only recommended by clang
    *) echo "install-deps: unknown option $option (--with-fashion-mnist, --with-fuzzing)" >&2; exit 2 ;;
  esac
done
missing=""
for p in $pkgs; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing:$missing"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
