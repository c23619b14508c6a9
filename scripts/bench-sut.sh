#!/usr/bin/env bash
# Runs Portico as the system under test of ../shared/bench: listens on $BENCH_SUT_PORT and forwards
# to the harness's origin, with one worker unless the harness asks for more.
set -euo pipefail
binary=${1:?usage: bench-sut.sh PATH/TO/portico}
dir=${BENCH_SUT_DIR:-$(mktemp -d)}
workers=${BENCH_WORKERS:-1}
cat > "$dir/proxy.conf" <<CONF
workers $workers;
listen 127.0.0.1:${BENCH_SUT_PORT:-18120};
limits { max_connections 20000; }
backend origin {
    server ${BENCH_ORIGIN_HOST:-127.0.0.1}:${BENCH_ORIGIN_PORT:-18110};
    keepalive 256;
}
route backend=origin;
CONF
exec "$binary" -c "$dir/proxy.conf"
