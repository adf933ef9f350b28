#!/usr/bin/env bash
# Installs the system packages stomp-streams needs on Debian, only when something is missing:
# ActiveMQ Classic, RabbitMQ, websockify (binary WebSocket bridge for ActiveMQ), and Chromium
# for the browser tests (skip with SKIP_CHROMIUM=1). Services are NOT started by the packages:
# scripts/brokers.sh starts its own instances with the project's configs.
set -euo pipefail

packages=(activemq rabbitmq-server websockify python3 python3-numpy)
[ "${SKIP_CHROMIUM:-}" = 1 ] || packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "setup-system: need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup-system: installing ${missing[*]}"
# Keep the packages' init scripts from starting system-wide brokers during installation.
guard=/usr/sbin/policy-rc.d
had_guard=0
[ -e "$guard" ] && had_guard=1
if [ $had_guard = 0 ]; then
  printf '#!/bin/sh\nexit 101\n' > "$guard"
  chmod +x "$guard"
  trap 'rm -f "$guard"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" > /tmp/stomp-streams-apt.log 2>&1 || {
  tail -30 /tmp/stomp-streams-apt.log >&2
  exit 1
}
echo "setup-system: done"
