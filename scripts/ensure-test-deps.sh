#!/usr/bin/env bash
# Makes sure the system packages the tests need are installed (`npm test`
# runs this first): Redis, OpenStack Swift with its S3 API, memcached and
# Chromium. Silent when all are present. Installs what is missing with apt-get
# when it can (root, or passwordless sudo); otherwise prints the command and
# fails. Running it again changes nothing.
set -euo pipefail

has() { command -v "$1" >/dev/null 2>&1; }

missing=()
need() { # need <package>... : add packages to $missing, each once
  local pkg
  for pkg in "$@"; do
    case " ${missing[*]:-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
  done
}

find_missing() {
  missing=()
  has redis-server || need redis-server
  has swift-proxy-server || need swift swift-proxy
  has swift-object-server || need swift swift-object
  has swift-container-server || need swift swift-container
  has swift-account-server || need swift swift-account
  # The launcher runs Swift with Debian's interpreter; `python3` on PATH may be
  # another one (pyenv, a venv) that lacks the swift module.
  /usr/bin/python3 -c 'import swift' >/dev/null 2>&1 || need python3-swift
  has memcached || need memcached
  has chromium || need chromium
}

find_missing
[ ${#missing[@]} -eq 0 ] && exit 0

install=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -eq 0 ]; then
  as_root=(env)
elif has sudo && sudo -n true 2>/dev/null; then
  as_root=(sudo -n env)
else
  as_root=()
fi
if ! has apt-get || [ ${#as_root[@]} -eq 0 ]; then
  {
    echo "The tests need system packages that are not installed: ${missing[*]}"
    echo "Install them (Debian/Ubuntu) with:"
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${install[*]}"
  } >&2
  exit 1
fi

echo "ensure-test-deps: installing ${missing[*]}" >&2
"${as_root[@]}" apt-get update
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive "${install[@]}"

find_missing
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-test-deps: still missing after apt-get install: ${missing[*]}" >&2
  exit 1
fi
