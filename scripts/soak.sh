#!/usr/bin/env bash
# Soak test for backend resilience (run by hand; not part of `make test`): drives GET traffic
# through a release build of Portico for DURATION seconds (default 120) while its three origins
# are killed and restarted in turn every ten seconds, so at least two are up at any moment.
# Reports failed requests (target: none) and Portico's RSS every ten seconds (target: flat).
#
#   make build && scripts/soak.sh [DURATION]
set -euo pipefail
duration=${1:-120}
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$root/.build/release/portico
dir=$(mktemp -d)
command -v wrk >/dev/null || { echo "soak: wrk is needed (apt-get install wrk)" >&2; exit 1; }
[ -x "$binary" ] || { echo "soak: build first (make build)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ports=($(free_port) $(free_port) $(free_port))
proxy_port=$(free_port)

cat > "$dir/origin.py" <<'PY'
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"ok from " + sys.argv[1].encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass
class Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024  # the default backlog of 5 drops connections under load
Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY

{
    echo "workers 2;"
    echo "listen 127.0.0.1:$proxy_port;"
    echo "backend app {"
    for port in "${ports[@]}"; do echo "    server 127.0.0.1:$port;"; done
    echo "    retries 2; connect_timeout 500ms; response_timeout 5s;"
    echo "    health { path /healthz; interval 500ms; timeout 500ms; rise 2; fall 2; }"
    echo "    circuit_breaker { failures 3; open 2s; open_max 10s; max_ejection_percent 67; }"
    echo "}"
    echo "route backend=app;"
} > "$dir/proxy.conf"

declare -A origin_pid
start_origin() { python3 "$dir/origin.py" "$1" & origin_pid[$1]=$!; }
for port in "${ports[@]}"; do start_origin "$port"; done
"$binary" -c "$dir/proxy.conf" 2> "$dir/portico.log" &
proxy_pid=$!
cleanup() {
    kill "$proxy_pid" "${origin_pid[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT
sleep 1

echo "soak: $duration s of GET traffic; origins ${ports[*]} killed and restarted in turn every 10 s"
wrk -t2 -c32 -d"${duration}s" "http://127.0.0.1:$proxy_port/item" > "$dir/wrk.txt" &
wrk_pid=$!
elapsed=0
victim=0
while [ "$elapsed" -lt "$duration" ]; do
    sleep 5
    elapsed=$((elapsed + 5))
    if [ $((elapsed % 10)) -eq 5 ]; then
        port=${ports[$victim]}
        kill -9 "${origin_pid[$port]}" 2>/dev/null || true
        echo "soak: ${elapsed}s killed origin $port"
    else
        port=${ports[$victim]}
        start_origin "$port"
        echo "soak: ${elapsed}s restarted origin $port; portico RSS $(awk '/VmRSS/ {print $2, $3}' /proc/$proxy_pid/status)"
        victim=$(((victim + 1) % 3))
    fi
done
wait "$wrk_pid"
cat "$dir/wrk.txt"
non2xx=$(awk '/Non-2xx/ {print $NF}' "$dir/wrk.txt")
socket_errors=$(awk '/Socket errors/ {print}' "$dir/wrk.txt")
echo "soak: failed requests: ${non2xx:-0} non-2xx${socket_errors:+; $socket_errors}"
echo "soak: breaker and health changes logged: $(grep -c -E 'breaker|health' "$dir/portico.log" || true) (log: $dir/portico.log)"
