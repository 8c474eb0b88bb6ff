#!/usr/bin/env bash
# Installs the Debian 12 packages rtcgate needs to build and test, only those missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libboost-dev libssl-dev libsrtp2-dev liburing-dev libsqlite3-dev libpq-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev libre2-dev
  libc-ares-dev libopus-dev libspandsp-dev
  python3 sip-tester openssl iproute2
)
# Node.js fetches JsSIP for the demo phone (web/) and runs the browser tests' tooling; Debian's is
# enough where none is installed.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if [[ "${1:-}" == "--test" ]]; then
  # gnuplot-nox: the soak bench's plot (bench/gateway/soak.py); clang-format: make format-check.
  packages+=(clang-format kamailio kamailio-extra-modules kamailio-websocket-modules kamailio-tls-modules
             rtpengine-daemon chromium util-linux gnuplot-nox dnsmasq-base coturn iptables)
fi

# JsSIP for /phone, bundled into the binary by the build (cmake/embed_web.py); reinstalled when
# web/package-lock.json is newer than what npm last installed.
install_web_modules() {
  local web
  web="$(cd "$(dirname "${BASH_SOURCE[0]}")/../web" && pwd)"
  [[ "$web/node_modules/.package-lock.json" -nt "$web/package-lock.json" ]] && return 0
  echo "install-deps: npm ci --prefix web (JsSIP for the demo phone)" >&2
  npm ci --prefix "$web" --no-audit --no-fund
}

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
install_web_modules
