#!/usr/bin/env bash
# Installs what Frontdesk's lab and tests need on Debian/Ubuntu: the PBX (Kamailio with WebSocket, and
# its presence modules for colleague presence: presence, presence_xml, presence_dialoginfo, pua,
# pua_dialoginfo, pua_usrloc; their database is db_text, whose table files come with the kamailio
# package itself), the media relay (rtpengine), the outside callers (SIPp, baresip), Chromium,
# iproute2 for the lab's network namespace, and ffmpeg and sox, with which the tests listen to call
# recordings. Safe to run again; asks for sudo when not root. (Kamailio's msilo and db_text modules,
# which keep messages for extensions that are away, are in the kamailio package.)
set -euo pipefail
packages=(kamailio kamailio-websocket-modules kamailio-presence-modules rtpengine-daemon sip-tester baresip chromium iproute2 procps ffmpeg sox)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The Debian packages enable their own services; the lab runs its own instances on loopback instead.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for svc in kamailio rtpengine-daemon; do
    systemctl is-active --quiet "$svc" 2>/dev/null && { sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo); "${sudo_cmd[@]}" systemctl stop "$svc" || true; }
  done
fi
echo "System packages are ready."
