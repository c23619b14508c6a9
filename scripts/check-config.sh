#!/usr/bin/env bash
# Checks `portico -t` against the repository's configurations: the top-level proxy.conf must pass,
# and every Tests/Fixtures/bad/*.conf must fail with exit status 1 and print, on stderr, exactly the
# line its first-line comment gives after "# expect: ". Fixtures are run from their own directory
# with a bare file name, so the expected FILE:LINE:COL reads as the fixture writes it.
#
#   usage: scripts/check-config.sh PATH/TO/portico        e.g. scripts/check-config.sh .build/debug/portico
set -uo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: check-config.sh PATH/TO/portico" >&2
    exit 2
fi
if [[ ! -x $1 ]]; then
    echo "check-config: $1 is not an executable; build first (swift build)" >&2
    exit 2
fi
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL $1" >&2
    shift
    for line in "$@"; do echo "    $line" >&2; done
}

# The default configuration must be accepted.
cd "$root" || exit 2
stdout=$("$binary" -t -c proxy.conf 2>"$errors")
status=$?
stderr=$(cat "$errors")
if [[ $status -eq 0 && $stdout == *"configuration ok"* ]]; then
    pass
else
    fail proxy.conf "expected exit 0 and \"configuration ok\"" "got exit $status" "stdout: $stdout" "stderr: $stderr"
fi

# Each bad fixture must be refused with the line it names.
cd "$root/Tests/Fixtures/bad" || exit 2
shopt -s nullglob
fixtures=(*.conf)
if [[ ${#fixtures[@]} -eq 0 ]]; then
    fail Tests/Fixtures/bad "no fixtures found"
fi
for fixture in "${fixtures[@]}"; do
    first=$(head -n 1 "$fixture")
    if [[ $first != "# expect: "* ]]; then
        fail "$fixture" "first line must be \"# expect: $fixture:LINE:COL: message\""
        continue
    fi
    expected=${first#"# expect: "}
    "$binary" -t -c "$fixture" >/dev/null 2>"$errors"
    status=$?
    stderr=$(cat "$errors")
    if [[ $status -eq 1 ]] && grep -Fxq -- "$expected" "$errors"; then
        pass
    else
        fail "$fixture" "expected exit 1 and: $expected" "got exit $status and: $stderr"
    fi
done

echo "check-config: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
