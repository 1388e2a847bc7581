#!/usr/bin/env bash
# Installs the client library into a temporary prefix, builds the consumer
# project (tests/install/consumer) against it twice, with find_package and
# with pkg-config, and runs both against a real tandemd on a free port.
# Usage: client_install_test.sh BUILD_DIR SOURCE_DIR TANDEMD
set -euo pipefail
build=$1 source=$2 tandemd=$3
work=$(mktemp -d /tmp/tandem-install-test.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "client_install_test: $*" >&2; exit 1; }

cmake --install "$build" --component tandem-client --prefix "$work/prefix" > "$work/install.log"
header_dir="$work/prefix/include/tandem/client"
[ -f "$header_dir/client.h" ] || fail "no installed client.h"
# Only the public header and what it includes: nothing internal.
[ "$(ls "$header_dir" | sort | tr '\n' ' ')" = "client.h config.h distribution.h hash_tag.h " ] ||
  fail "unexpected installed headers: $(ls "$header_dir")"
pc_dir=$(dirname "$(find "$work/prefix" -name tandem.pc | head -1)")
[ -f "$pc_dir/tandem.pc" ] || fail "no tandem.pc"

cmake -S "$source/tests/install/consumer" -B "$work/consumer-build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configure"; }
cmake --build "$work/consumer-build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; fail "cmake build"; }
# shellcheck disable=SC2046
c++ -std=c++20 -o "$work/pc-consumer" "$source/tests/install/consumer/main.cc" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs tandem) > "$work/pc.log" 2>&1 ||
  { cat "$work/pc.log"; fail "pkg-config build"; }

# A tandemd on an ephemeral port; the port comes back in the port file.
mkdir -m 1777 "$work/run"
user_flag=()
[ "$(id -u)" -eq 0 ] && user_flag=(-u nobody)
MEMCACHED_PORT_FILENAME="$work/run/ports" "$tandemd" -p -1 -U 0 -l 127.0.0.1 -t 1 -m 16 "${user_flag[@]}" \
  > "$work/tandemd.log" 2>&1 &
pid=$!
port=
for _ in $(seq 1 100); do
  port=$( (sed -n "s/^TCP INET: \([0-9]*\).*/\1/p" "$work/run/ports" 2>/dev/null || true) | head -1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { cat "$work/tandemd.log"; fail "tandemd did not report its port"; }

expected="consumer: hello, batch hello, deleted yes"
out=$("$work/consumer-build/consumer" "127.0.0.1:$port") || fail "cmake consumer failed"
[ "$out" = "$expected" ] || fail "cmake consumer printed: $out"
out=$("$work/pc-consumer" "127.0.0.1:$port") || fail "pkg-config consumer failed"
[ "$out" = "$expected" ] || fail "pkg-config consumer printed: $out"
echo "client_install_test: ok (find_package and pkg-config consumers against tandemd :$port)"
