#!/usr/bin/env bash
# The distributed collector on one machine, in one command: PostgreSQL on loopback, the mock
# Seller Center, a browser server (collector browser-server), two workers (collector worker)
# and two seller accounts; then `collect --all-accounts --distributed` over both and a summary
# per account. Everything lives in a temporary folder, removed at the end (--keep keeps it).
# Needs scripts/setup.sh --test (PostgreSQL). See docs/scaling.md.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "cluster-demo.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done
PY="$PWD/.venv/bin/python"
say() { printf '[cluster-demo] %s\n' "$*" >&2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { say "PostgreSQL is not installed: run scripts/setup.sh --test"; exit 2; }

work=$(mktemp -d /tmp/collector-cluster-XXXXXX)
chmod 755 "$work"
pids=()
as=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "${as[@]}" "$bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  if [ "$keep" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# the first line of a file once it is there (a server's startup output)
first_line_matching() { for _ in $(seq 1 600); do grep -m1 -E "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

say "PostgreSQL on loopback"
mkdir -p "$work/pg"
if [ "$(id -u)" = 0 ]; then chown postgres "$work/pg"; as=(runuser -u postgres --); fi
"${as[@]}" "$bin/initdb" -D "$work/pg/data" -U collector -A trust -E UTF8 >/dev/null
pg_port=$(free_port)
"${as[@]}" "$bin/pg_ctl" -D "$work/pg/data" -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg" \
  -l "$work/pg/log" -w start >/dev/null
export COLLECTOR_DATABASE_URL="postgresql://collector@127.0.0.1:$pg_port/postgres"

say "the mock Seller Center"
"$PY" -m collector mock-site --port "$(free_port)" >"$work/mock.out" 2>&1 &
pids+=($!)
url=$(first_line_matching "$work/mock.out" 'at http' | sed -E 's#.* at (http://[^ ]+)/login.*#\1#')
first_line_matching "$work/mock.out" 'Press Ctrl-C' >/dev/null
export SHOP_EMAIL=$(sed -nE 's/^  email: +//p' "$work/mock.out")
export SHOP_PASSWORD=$(sed -nE 's/^  password: +//p' "$work/mock.out")
export SHOP_TOTP=$(sed -nE 's/^  2FA: +TOTP secret ([A-Z2-7]+).*/\1/p' "$work/mock.out")

say "a browser server"
"$PY" -m collector browser-server --port 0 >"$work/browser.out" 2>"$work/browser.err" &
pids+=($!)
export COLLECTOR_BROWSER_ENDPOINT=$(first_line_matching "$work/browser.out" '^ws://')

say "two seller accounts"
cat >"$work/accounts.toml" <<EOF
[[account]]
name = "acme"
base_url = "$url"
email_env = "SHOP_EMAIL"
password_env = "SHOP_PASSWORD"
totp_secret_env = "SHOP_TOTP"
requests_per_minute = 600
out = "out/acme"

[[account]]
name = "bolt"
base_url = "$url"
email_env = "SHOP_EMAIL"
password_env = "SHOP_PASSWORD"
totp_secret_env = "SHOP_TOTP"
requests_per_minute = 600
out = "out/bolt"
EOF
export COLLECTOR_ACCOUNTS_FILE="$work/accounts.toml" COLLECTOR_DATA_DIR="$work/data" COLLECTOR_SELLER_TIMEZONE="America/Chicago"

say "two workers"
for n in 1 2; do
  "$PY" -m collector worker >"$work/worker-$n.out" 2>"$work/worker-$n.log" &
  pids+=($!)
done
for n in 1 2; do first_line_matching "$work/worker-$n.log" 'taking orders' >/dev/null; done

pos=$("$PY" -c 'from collector.demo import demo_pos
from fixtures.site import default_scenario
print(" ".join(f"--po {po}" for po in demo_pos(default_scenario())[:4]))')
say "collect over both accounts (4 orders each), as tasks of 2 orders for the two workers"
# shellcheck disable=SC2086 # $pos is a list of options
status=0
(cd "$work" && "$PY" -m collector collect --all-accounts --distributed --batch 2 $pos) || status=$?

echo
echo "per account:"
for account in acme bolt; do
  bundles=$(find "$work/out/$account/bundles" -mindepth 1 -maxdepth 1 -type d ! -name '.*' 2>/dev/null | wc -l)
  echo "  $account: $bundles bundle(s) in $work/out/$account/bundles"
done
echo "  tasks: $("$PY" -c 'import os, psycopg
with psycopg.connect(os.environ["COLLECTOR_DATABASE_URL"]) as db:
    rows = db.execute("SELECT args->>%s, status::text, count(*) FROM procrastinate_jobs GROUP BY 1, 2 ORDER BY 1, 2", ("account",)).fetchall()
print(", ".join(f"{a} {s} {n}" for a, s, n in rows))')"
exit "$status"
