#!/usr/bin/env bash
# The console's browser tests (tests/browser/) drive Chromium through Playwright for Python,
# using Debian's chromium package: Playwright's own browser builds are never downloaded
# (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD). This makes sure /usr/bin/chromium exists, installing the
# package when we can (root with apt-get, as in CI); otherwise the browser tests are skipped.
set -euo pipefail
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
CHROMIUM="${TWILIOKIT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests (Debian package chromium)..."
  apt-get update -qq
  # No recommends: the tests need the browser, not its desktop services.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "Chromium not found at $CHROMIUM; browser tests will be skipped (install Debian's 'chromium')." >&2
