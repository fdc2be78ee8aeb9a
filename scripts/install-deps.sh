#!/usr/bin/env bash
# Installs the Debian packages Coretex needs when any is missing: the C libraries the
# package links (nats.c, hiredis, ncursesw, libcurl), the servers the stack and the tests
# run (nats-server, redis-server), tmux for the console's end-to-end test, and what the
# repository review runs: git, and the linters it uses when present (shellcheck, pyflakes3).
set -euo pipefail
packages=(libnats-dev libhiredis-dev libncursesw5-dev libcurl4-openssl-dev nats-server redis-server tmux curl
          git shellcheck pyflakes3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
