#!/usr/bin/env bash
# Runs the README's demo: two demo origins (a on 127.0.0.1:9001, b on :9002) behind Portico with the
# top-level proxy.conf (127.0.0.1:8080, weights 3:1). Portico runs in the foreground; the origins
# are stopped when it exits, however it exits.
#
#   usage: scripts/run-demo.sh BUILD_DIR        e.g. scripts/run-demo.sh .build/release
set -euo pipefail

build_dir=${1:?usage: run-demo.sh BUILD_DIR (e.g. .build/release)}
root=$(cd "$(dirname "$0")/.." && pwd)
config=${PORTICO_CONFIG:-$root/proxy.conf}

for binary in portico portico-demo-origin; do
    if [[ ! -x "$build_dir/$binary" ]]; then
        echo "run-demo: $build_dir/$binary not found; build first (make release)" >&2
        exit 1
    fi
done

origins=()
stop_origins() {
    for pid in "${origins[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${origins[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_origins EXIT

"$build_dir/portico-demo-origin" --port 9001 --name a &
origins+=($!)
"$build_dir/portico-demo-origin" --port 9002 --name b &
origins+=($!)

# Wait (up to 5 s) until both origins accept, so the first requests through Portico succeed.
for port in 9001 9002; do
    for _ in $(seq 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        sleep 0.1
    done
done

echo "run-demo: origins a (:9001) and b (:9002) are up; try: curl -i http://127.0.0.1:8080/" >&2
# Ctrl-C reaches portico (same process group) and stops it gracefully; the trap then stops the origins.
status=0
"$build_dir/portico" -c "$config" || status=$?
exit "$status"
