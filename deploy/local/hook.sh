#!/bin/sh
# The local run's exec hook (INSTALL_TOKEN_HOOK=exec:...): a working example of the hook protocol.
# stdin is one JSON object: code, redirect_uri, client_id, scopes, optional_scopes, issued_at,
# request_id. A real hook exchanges the code for tokens (see docs/hooks.md); this one records that an
# install happened, without the code, and succeeds.
set -eu
grant=$(cat)
log=${LOCAL_INSTALLS_LOG:-/dev/null}
request_id=$(printf '%s' "$grant" | sed -n 's/.*"request_id":"\([^"]*\)".*/\1/p')
printf '%s install completed, request %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$request_id" >> "$log"
exit 0
