#!/bin/sh
# SPDX-License-Identifier: MIT
# Daemon memory benchmark: peak resident memory (VmHWM) of `lurewatch daemon` with the default pack
# and no sources, on a throwaway embedded cluster, beside the peak of `lurewatch match` on one line
# (the pack alone). Nothing is fetched.
#
# Environment (all optional): BENCH_DAEMON_SECONDS how long the daemon idles once started before
# its peak is read (6: one idle round and a bit); LUREWATCH_CACHE (warm it first, or the figure
# includes the compile's peak, which the daemon does not keep).
set -eu

LW=${LW:-$(pwd)/lurewatch}
IDLE=${BENCH_DAEMON_SECONDS:-6}
. "$(dirname "$0")/lib.sh"

[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time > /dev/null
W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
DPID=""
stop_daemon() { [ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; DPID=""; }
trap 'stop_daemon || true; clusters_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export LUREWATCH_CACHE=${LUREWATCH_CACHE:-${TMPDIR:-/tmp}/lurewatch-bench-cache}

say "bench: peak memory of lurewatch match on one line (the default pack alone)"
echo x | /usr/bin/time -f '%M' -o "$W/match.time" "$LW" match > /dev/null 2>&1 || true
put match.maxrss_kb "$(tail -n 1 "$W/match.time")"

say "bench: lurewatch daemon with the default pack and no sources, idle ${IDLE}s"
cluster_new daemon "log_level = info"
"$LW" --config "$CONF" daemon --pidfile "$W/daemon.pid" > "$W/daemon.out" 2> "$W/daemon.log" &
DPID=$!
i=0
until grep -q 'started' "$W/daemon.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 1200 ] || ! kill -0 "$DPID" 2>/dev/null; then
		say "bench: the daemon did not start:"; tail -n 5 "$W/daemon.log" >&2; DPID=""; exit 1
	fi
	sleep 0.1
done
sleep "$IDLE"
put daemon.vmhwm_kb "$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DPID/status")"
put daemon.vmrss_kb "$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DPID/status")"
stop_daemon || true

echo
echo "daemon memory: peak $(kbmb "$(get daemon.vmhwm_kb)") (now $(kbmb "$(get daemon.vmrss_kb)")) idle with the default pack;" \
	"lurewatch match on one line: $(kbmb "$(get match.maxrss_kb)")"
