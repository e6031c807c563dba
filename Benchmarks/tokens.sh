#!/usr/bin/env bash
# What `hubspot-install-tokens access-token HUB` costs an app's backend when the token is fresh
# (no refresh, no request to HubSpot): one process start, one read of the store, one line out.
# The release build against a SQLite file and against a PostgreSQL database on this machine
# (a temporary server, started and removed here like the tests do: initdb, password auth on
# 127.0.0.1). Runs of the two stores are interleaved; wall time and the process's CPU time
# (user + sys, from wait4's rusage: the PostgreSQL server's own work is not in it). Then
# Benchmarks/aead.sh, if present. A benchmark, not a test: it prints figures and exits 0.
#
#   Benchmarks/tokens.sh              # 200 runs of each
#   RUNS=500 Benchmarks/tokens.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
runs=${RUNS:-200}
[[ "$runs" =~ ^[0-9]+$ ]] && [ "$runs" -gt 0 ] || { echo "tokens.sh: RUNS must be a whole number" >&2; exit 2; }

swift build -c release --product hubspot-install-tokens >&2
bin=$(swift build -c release --show-bin-path)
pgbin=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}

work=$(mktemp -d "${TMPDIR:-/tmp}/hubspot-install-tokens-bench.XXXXXX")
as_server=()
if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL does not run as root: its programs run as the postgres system user.
    chown postgres: "$work"
    as_server=(runuser -u postgres --)
fi
cleanup() {
    "${as_server[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# A temporary PostgreSQL server: password (SCRAM) auth for the role `bench` on 127.0.0.1.
password="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "$password" >"$work/pgpass" && chmod 600 "$work/pgpass"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/pgpass"
"${as_server[@]}" "$pgbin/initdb" -D "$work/pg" -U bench --pwfile="$work/pgpass" --auth=scram-sha-256 -E UTF8 \
    --locale=C --no-sync >/dev/null
"${as_server[@]}" "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-k $work -p $port -h 127.0.0.1" start >/dev/null
PGPASSWORD=$password "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U bench tokens
url="postgresql://bench:$password@127.0.0.1:$port/tokens"

# Ours in a directory of our own user: the SQLite store refuses a directory another user owns.
mine="$work/mine"
mkdir -m 700 "$mine"
echo "benchmark-only-secret" >"$mine/client-secret" && chmod 600 "$mine/client-secret"
config() {
    cat <<CONF
HUBSPOT_CLIENT_ID=9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a
HUBSPOT_REDIRECT_URI=https://install.example.com/oauth/callback
HUBSPOT_SCOPES=oauth crm.objects.contacts.read
INSTALL_STATE_KEYS=$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))')
INSTALL_STATE_DIR=$mine/state
INSTALL_TOKEN_HOOK=hubspot
HUBSPOT_CLIENT_SECRET_FILE=$mine/client-secret
HUBSPOT_TOKEN_URL=http://127.0.0.1:9/oauth/2026-03/token
INSTALL_TOKEN_DB=$1
CONF
}
config "$mine/tokens.sqlite3" >"$mine/sqlite.env"
config "$url" >"$mine/postgresql.env"
chmod 600 "$mine/sqlite.env" "$mine/postgresql.env"

# One fresh account in each: the SQLite file written here with the store's schema (version 2), the
# PostgreSQL tables created by the program itself (`list`, on first use).
python3 - "$mine/tokens.sqlite3" <<'PY'
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE tokens (hub_id INTEGER PRIMARY KEY NOT NULL, hub_domain TEXT, access_token TEXT NOT NULL,
  refresh_token TEXT NOT NULL, expires_at INTEGER, scopes TEXT NOT NULL, token_type TEXT NOT NULL,
  installed_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, user_id INTEGER, user_email TEXT, app_id INTEGER,
  hublet TEXT, status TEXT NOT NULL DEFAULT 'active', install_id TEXT);
CREATE TABLE install_claims (install_id TEXT PRIMARY KEY NOT NULL, claimed_at INTEGER NOT NULL, finished_at INTEGER,
  hub_id INTEGER, account TEXT, ungranted_optional_scopes TEXT);
PRAGMA user_version = 2;
PRAGMA journal_mode = wal;
""")
now = int(time.time())
db.execute("INSERT INTO tokens VALUES (4242, 'bench.hubspot.com', 'CK-bench-access', 'na1-bench-refresh', ?, "
           "'oauth crm.objects.contacts.read', 'bearer', ?, ?, NULL, NULL, NULL, 'na1', 'active', NULL)",
           (now + 86400, now, now))
db.commit()
os.chmod(sys.argv[1], 0o600)
PY
"$bin/hubspot-install-tokens" list --config "$mine/postgresql.env" >/dev/null
now=$(date +%s)
PGPASSWORD=$password "$pgbin/psql" -qAt -h 127.0.0.1 -p "$port" -U bench -d tokens -v now="$now" <<'SQL'
INSERT INTO tokens VALUES (4242, 'bench.hubspot.com', 'CK-bench-access', 'na1-bench-refresh', :now + 86400,
  'oauth crm.objects.contacts.read', 'bearer', :now, :now, NULL, NULL, NULL, 'na1', 'active', NULL);
SQL

python3 - "$bin/hubspot-install-tokens" "$mine" "$runs" <<'PY'
import os, statistics, sys, time
program, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
stores = ["sqlite", "postgresql"]
samples = {store: {"wall": [], "cpu": []} for store in stores}

def once(store):
    argv = [program, "access-token", "4242", "--config", f"{work}/{store}.env"]
    read, write = os.pipe()
    start = time.perf_counter()
    pid = os.posix_spawn(program, argv, {"PATH": "/usr/bin:/bin"},
                         file_actions=[(os.POSIX_SPAWN_DUP2, write, 1), (os.POSIX_SPAWN_DUP2, write, 2)])
    os.close(write)
    out = b""
    while chunk := os.read(read, 4096):
        out += chunk
    os.close(read)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if status != 0 or out != b"CK-bench-access\n":
        sys.exit(f"tokens.sh: access-token on {store} failed (status {status}): {out.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime

for store in stores:  # warm the page cache and the server
    for _ in range(5):
        once(store)
for _ in range(runs):
    for store in stores:
        wall, cpu = once(store)
        samples[store]["wall"].append(wall * 1000)
        samples[store]["cpu"].append(cpu * 1000)

def p90(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]

print(f"hubspot-install-tokens access-token HUB, fresh token, release build, {runs} runs each (ms)")
print(f"{'store':<12}{'wall median':>12}{'wall p90':>10}{'cpu median':>12}{'cpu p90':>10}")
for store in stores:
    wall, cpu = samples[store]["wall"], samples[store]["cpu"]
    print(f"{store:<12}{statistics.median(wall):>12.2f}{p90(wall):>10.2f}{statistics.median(cpu):>12.2f}{p90(cpu):>10.2f}")
PY

if [ -f "$here/aead.sh" ]; then
    echo
    bash "$here/aead.sh"
fi
