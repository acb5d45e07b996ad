#!/usr/bin/env bash
# Installs what Telefonia needs on Debian 12. Idempotent and quick when everything
# is already there. Run as root (or with sudo available).
#   scripts/install-deps.sh --run   what building and running the server needs:
#       C libraries libosip2-dev libortp-dev libmpg123-dev libsqlite3-dev libsrtp2-dev libssl-dev
#       (the web phone's DTLS-SRTP) libpq-dev (the PostgreSQL store) pkg-config,
#       espeak-ng and sox (the default prompts), tzdata (time profiles in local time)
#   scripts/install-deps.sh         the above, plus what the tests need:
#       baresip-core (SIP phone), lame (MP3 test files), sip-tester (SIPp), postgresql (the
#       PostgreSQL store's tests), kamailio and iproute2 (the cluster test), Python's
#       pytest, numpy and pjsua2-python (a scripted SIP phone)
set -euo pipefail

MODE="${1:-test}"

APT_PACKAGES=(libosip2-dev libortp-dev libmpg123-dev libsqlite3-dev libsrtp2-dev libssl-dev libpq-dev pkg-config espeak-ng sox tzdata)
if [ "$MODE" != "--run" ]; then
  # chromium + chromium-driver: the panel's browser tests (Selenium drives them).
  APT_PACKAGES+=(baresip-core lame python3-pip sip-tester chromium chromium-driver postgresql kamailio iproute2)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

[ "$MODE" = "--run" ] && exit 0

PYTHON="${PYTHON:-python3}"
# pjsua2-python: a scripted SIP phone (DTMF as RFC 4733 events or SIP INFO).
PY_PACKAGES=(pytest numpy pjsua2-python selenium schemathesis)
if "$PYTHON" -c "import pytest, numpy, pjsua2, selenium, schemathesis" 2>/dev/null; then
  echo "install-deps: Python packages present ($("$PYTHON" --version 2>&1))"
else
  echo "install-deps: pip installing ${PY_PACKAGES[*]} for $("$PYTHON" --version 2>&1)"
  # Debian's own python3 refuses pip installs without --break-system-packages (PEP 668).
  "$PYTHON" -m pip install -q "${PY_PACKAGES[@]}" \
    || "$PYTHON" -m pip install -q --break-system-packages "${PY_PACKAGES[@]}"
fi
