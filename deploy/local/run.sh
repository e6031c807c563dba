#!/usr/bin/env bash
# Sets up and runs hubspot-install on this machine behind real nginx, at http://localhost:8080.
#
#   bash deploy/local/run.sh
#
# Installs what is missing (libfcgi-dev, libsqlite3-dev, libpq-dev, nginx, curl; Debian/Ubuntu, as root or
# with sudo), builds the responder, writes a local state key and configuration under .build/local/, and starts nginx,
# the responder and, unless HUBSPOT_CLIENT_ID is set, a local HubSpot stand-in, so the whole
# install can be clicked through without a HubSpot account. Ctrl-C stops everything.
#
# With a real app: export HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and HUBSPOT_SCOPES (and
# HUBSPOT_OPTIONAL_SCOPES) first, and register http://localhost:8080/oauth/callback as a redirect
# URL of the app. Any variable of docs/configuration.md's table set in the environment wins.
#
# HubSpot Marketplace installs: INSTALL_MARKETPLACE=sign-in (or direct) serves that flow on
# http://localhost:8080/oauth/install, and the stand-in's Marketplace listing at
# http://localhost:8081/marketplace starts it (the stand-in's return page is allowed as a return host).
#
# PORT (8080), STANDIN_PORT (8081), BUILD (release; or debug) and WORK (.build/local) change the
# defaults.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
port=${PORT:-8080}
standin_port=${STANDIN_PORT:-8081}
build=${BUILD:-release}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in pkg-config libfcgi-dev libsqlite3-dev libpq-dev nginx curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the nginx it installs on port 80; this script runs its own.
  $sudo service nginx stop >/dev/null 2>&1 || true
fi

echo "Building hubspot-install ($build) ..."
for product in hubspot-install hubspot-install-tokens; do
  swift build -c "$build" --product "$product" 2>&1 | grep -E "error|warning: unre|Compiling|Build" | tail -2
done
bin="$(swift build -c "$build" --show-bin-path)/hubspot-install"

work="${WORK:-$root/.build/local}"
mkdir -p "$work/nginx/logs" "$work/nginx/temp"
chmod 700 "$work"
# One state key, kept across runs so links minted before a restart still work.
if [ ! -s "$work/state-keys" ]; then
  (umask 077 && "$bin" keygen > "$work/state-keys")
fi

redirect="http://localhost:$port/oauth/callback"
marketplace="${INSTALL_MARKETPLACE:-off}"
case "$marketplace" in
  off|sign-in|direct) ;;
  *) echo "INSTALL_MARKETPLACE must be off, sign-in or direct"; exit 1 ;;
esac
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [ -z "${HUBSPOT_CLIENT_ID:-}" ]; then
  # No real app configured: HubSpot's part is played by the local stand-in.
  export HUBSPOT_CLIENT_ID="local-0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5"
  export HUBSPOT_CLIENT_SECRET="local-stand-in-secret"
  export HUBSPOT_SCOPES="${HUBSPOT_SCOPES:-oauth contacts}"
  export HUBSPOT_OPTIONAL_SCOPES="${HUBSPOT_OPTIONAL_SCOPES-automation}"
  export HUBSPOT_AUTHORIZE_URL="http://localhost:$standin_port/oauth/authorize"
  export HUBSPOT_TOKEN_URL="http://127.0.0.1:$standin_port/oauth/2026-03/token"
  marketplace_options=()
  if [ "$marketplace" != off ]; then
    # The stand-in plays the Marketplace too: its listing sends the browser to our install URL,
    # and HubSpot's return page is the stand-in's, on a host the responder must be told to allow.
    marketplace_options=(--install-url "http://localhost:$port/oauth/install" --marketplace-flow "$marketplace")
    export INSTALL_RETURN_HOSTS="${INSTALL_RETURN_HOSTS:-localhost:$standin_port}"
  fi
  rm -f "$work/standin.ready"
  python3 "$root/Tests/integration/hubspot_standin.py" --port "$standin_port" --ready-file "$work/standin.ready" \
    --client-id "$HUBSPOT_CLIENT_ID" --client-secret "$HUBSPOT_CLIENT_SECRET" --redirect-uri "$redirect" \
    --scopes "$HUBSPOT_SCOPES" --optional-scopes "$HUBSPOT_OPTIONAL_SCOPES" \
    --account-scopes "oauth contacts" --app-name "${INSTALL_APP_NAME:-Local test app}" \
    ${marketplace_options[@]+"${marketplace_options[@]}"} > "$work/standin.log" 2>&1 &
  pids+=($!)
  standin="yes"
  for _ in $(seq 1 100); do [ -s "$work/standin.ready" ] && break; sleep 0.1; done
  [ -s "$work/standin.ready" ] || { echo "the HubSpot stand-in did not start; see $work/standin.log"; exit 1; }
fi

# With a client secret (always, with the stand-in) the built-in exchange stores the tokens and the
# success page names the account; without one, deploy/local/hook.sh just records the install.
if [ -n "${HUBSPOT_CLIENT_SECRET:-}" ]; then
  hook="hubspot"
else
  hook="exec:$root/deploy/local/hook.sh"
fi
cat > "$work/hubspot-install.env" <<CONF
# Written by deploy/local/run.sh; variables set in the environment win over these.
HUBSPOT_REDIRECT_URI=$redirect
INSTALL_STATE_KEYS_FILE=$work/state-keys
INSTALL_STATE_DIR=$work/state
INSTALL_TOKEN_DB=$work/tokens.sqlite3
INSTALL_TOKEN_HOOK=$hook
INSTALL_TOKEN_HOOK_ENV=LOCAL_INSTALLS_LOG
INSTALL_APP_NAME=Local test app
INSTALL_PUBLIC_DIR=$root/public
CONF
export LOCAL_INSTALLS_LOG="$work/installs.log"

# The nginx site users copy, with only the listen line, TLS, root, socket and log paths changed.
sed -e "s|^\(\s*\)listen 443 ssl http2;|\1listen 127.0.0.1:$port;|" \
    -e "/listen \[::\]:443 ssl http2;/d" -e "/ssl_certificate/d" \
    -e "s|root /opt/hubspot-install/public;|root $root/public;|" \
    -e "s|unix:/run/hubspot-install/hubspot-install.sock;|unix:$work/hubspot-install.sock;|" \
    -e "s|/var/log/nginx/hubspot-install.access.log|$work/nginx/logs/access.log|" \
    -e "s|server_name install.example.com;|server_name localhost;|" \
    "$root/deploy/nginx/hubspot-install.conf" > "$work/nginx/hubspot-install.conf"
cp "$root/deploy/nginx/log-format.conf" /etc/nginx/fastcgi_params /etc/nginx/mime.types "$work/nginx/"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"
cat > "$work/nginx/nginx.conf" <<NGINX
$user_line
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 256; }
http {
    include mime.types;
    default_type application/octet-stream;
    client_body_temp_path $work/nginx/temp/body;
    fastcgi_temp_path $work/nginx/temp/fastcgi;
    proxy_temp_path $work/nginx/temp/proxy;
    uwsgi_temp_path $work/nginx/temp/uwsgi;
    scgi_temp_path $work/nginx/temp/scgi;
    include log-format.conf;
    include hubspot-install.conf;
}
NGINX

"$bin" check --config "$work/hubspot-install.env" > "$work/check.txt" || { cat "$work/check.txt"; exit 1; }
"$bin" serve --socket "$work/hubspot-install.sock" --config "$work/hubspot-install.env" 2>> "$work/responder.log" &
pids+=($!)
nginx -p "$work/nginx/" -e "$work/nginx/logs/error.log" -c "$work/nginx/nginx.conf" &
pids+=($!)

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "nginx or the responder did not start; see $work/"; exit 1; }

echo
echo "hubspot-install is running: open http://localhost:$port/"
[ -n "${standin:-}" ] && echo "HubSpot is played by the local stand-in on http://localhost:$standin_port (no account needed)."
if [ "$marketplace" != off ]; then
  echo "Marketplace install ($marketplace): the install URL is http://localhost:$port/oauth/install"
  [ -n "${standin:-}" ] && echo "  start it from the stand-in's listing: http://localhost:$standin_port/marketplace"
fi
echo "Logs: $work/responder.log (one JSON line per request)."
if [ "$hook" = hubspot ]; then
  echo "Stored tokens: $bin tokens list --db $work/tokens.sqlite3"
else
  echo "Installs: $work/installs.log"
fi
echo "Ctrl-C stops everything."
wait -n "${pids[@]}"
