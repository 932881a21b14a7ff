# Sourced by the hostile-client scripts: the demo company on a fresh SQLite database and a
# server on a free port. Sets $bin, $work, $base and $server; stops the server on exit.
#   source demo_server.sh SALESFLOW_BINARY
bin=$(realpath "$1")
work=$(mktemp -d)
export SALESFLOW_DATABASE_URL="sqlite://$work/salesflow.db"
export SALESFLOW_LOG=warn
"$bin" demo >"$work/demo.log"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# A demo user's API token: token_of rita
token_of() { "$bin" admin create-token --email "$1@demo.salesflow.test"; }

# Fails when the server died or logged a panic.
server_survived() {
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the server died:"; tail -n 40 "$work/server.log"; return 1
  fi
  if grep -q "panicked" "$work/server.log"; then
    echo "the server logged panics:"; grep -A3 "panicked" "$work/server.log" | head -n 40; return 1
  fi
}
