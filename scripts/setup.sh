#!/usr/bin/env bash
# Sets up everything the project needs on a fresh machine, idempotently:
#   - a virtualenv in .venv with the package (and, with --test, the test extras) installed;
#   - a Chromium: `playwright install chromium` first, Debian's chromium as the fallback;
#   - with --test: Dovecot, the IMAP server the e-mail integration tests start on loopback;
#     PostgreSQL, which the case store's PostgreSQL tests start on loopback (tests/pg).
# Re-running it is cheap: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*" >&2; }
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed (found: $("$PY" --version 2>&1)). Set PYTHON=/path/to/python3.11."
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
extras=""
[ "$with_test" = 1 ] && extras="[test]"
stamp=".venv/.installed${extras:+-test}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing the package${extras:+ with test extras}"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".${extras}"
  touch "$stamp"
fi

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    if [ ! -f /tmp/.cc-apt-updated ]; then apt-get update -qq >&2 && touch /tmp/.cc-apt-updated; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  else
    return 1
  fi
}

# A browser: Playwright's own build when it can be downloaded, else the system Chromium.
have_browser() {
  .venv/bin/python - <<'PY'
import sys
from playwright.sync_api import sync_playwright
from collector.browser import BrowserNotFound, find_browser
try:
    with sync_playwright() as p:
        choice = find_browser(p.chromium)
except BrowserNotFound:
    sys.exit(1)
print(choice.describe(), file=sys.stderr)
PY
}
if [ -n "${COLLECTOR_BROWSER_PATH:-}" ]; then
  say "using COLLECTOR_BROWSER_PATH=$COLLECTOR_BROWSER_PATH"
elif .venv/bin/python -c 'from playwright.sync_api import sync_playwright as s
import os,sys
with s() as p: sys.exit(0 if os.path.exists(p.chromium.executable_path) else 1)' 2>/dev/null; then
  say "Playwright's Chromium is installed"
else
  # A failed download is remembered (the machine cannot reach Playwright's CDN), so later runs
  # go straight to the system Chromium instead of waiting again; delete the stamp to retry.
  failed_stamp=.venv/.playwright-install-failed
  if [ -f "$failed_stamp" ]; then
    say "skipping playwright install chromium: it failed on $(cat "$failed_stamp") (rm $failed_stamp to try again)"
    installed=0
  else
    say "trying: playwright install chromium (a download; gives up after 300 s, log in .venv/playwright-install.log)"
    if timeout 300 .venv/bin/python -m playwright install chromium >.venv/playwright-install.log 2>&1; then
      say "Playwright's Chromium installed"
      installed=1
    else
      date -u +%Y-%m-%dT%H:%MZ >"$failed_stamp"
      say "playwright could not download its browser (see .venv/playwright-install.log)"
      installed=0
    fi
  fi
  if [ "$installed" = 0 ]; then
    if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
      say "using the system Chromium ($(command -v chromium || command -v chromium-browser))"
    else
      say "installing the system Chromium (apt-get install chromium)"
      apt_install chromium fonts-dejavu-core || say "could not install chromium: install it by hand or set COLLECTOR_BROWSER_PATH"
    fi
  fi
fi
have_browser || { say "no usable browser; see the messages above"; exit 2; }

if [ "$with_test" = 1 ] && ! command -v dovecot >/dev/null && [ ! -x /usr/sbin/dovecot ]; then
  say "installing Dovecot (IMAP server for the e-mail integration tests)"
  apt_install dovecot-imapd || say "could not install Dovecot: the IMAP tests will be skipped"
fi
if [ "$with_test" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing PostgreSQL (the case store's PostgreSQL tests start one on loopback)"
  apt_install postgresql || say "could not install PostgreSQL: the PostgreSQL tests will be skipped"
fi
say "ready"
