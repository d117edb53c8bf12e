#!/usr/bin/env bash
# STUN Binding benchmark: Waystone against coturn (`make bench-stun`). A benchmark, not a test.
#
# For each round and each server (alternating), the script starts the server on 127.0.0.1 (fresh port, temp dir),
# runs every load with Tests/Benchmarks/stunload, reads the server's CPU time (utime+stime, /proc/PID/stat) before
# and after each load, then stops the server by its PID. It prints medians per load.
#
# Environment:
#   SERVERS="waystone coturn"   which servers (SERVERS=coturn while Waystone has no STUN role)
#   ROUNDS=3 DURATION=4 WARMUP=0.5 RATE=50000
#   BIN_UNDER_TEST=.build/release/waystone   (built here unless SKIP_BUILD=1)
#   KEEP=1                      keep the temp dir (raw results, server logs)
#
# Waystone runs with stun.limits unlimited (WAYSTONE_STUN_LIMITS_REQUESTS_PER_SECOND_PER_IP=0): all load comes from
# 127.0.0.1, which its per-IP token bucket would otherwise throttle. coturn has no such limit.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVERS=${SERVERS:-"waystone coturn"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-4}
WARMUP=${WARMUP:-0.5}
RATE=${RATE:-50000}
BIN_UNDER_TEST=${BIN_UNDER_TEST:-.build/release/waystone}
GEN=.build/release/stunload
# name|stunload arguments
LOADS=(
    "udp-1|--mode udp --inflight 1"
    "udp-16|--mode udp --inflight 16"
    "udp-256|--mode udp --inflight 256"
    "tcp-16 (4x4)|--mode tcp --conns 4 --inflight 16"
    "tcp-256 (16x16)|--mode tcp --conns 16 --inflight 256"
    "udp-rate-${RATE}|--mode udp-rate --rate $RATE"
)

WORK=$(mktemp -d /tmp/bench-stun.XXXXXX)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "bench-stun: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    swift build -c release --product stunload >&2
    case " $SERVERS " in *" waystone "*) swift build -c release --product waystone >&2 ;; esac
fi
for s in $SERVERS; do
    case $s in
        coturn) command -v turnserver >/dev/null || { echo "bench-stun: turnserver missing (apt-get install coturn)" >&2; exit 1; } ;;
        waystone) [ -x "$BIN_UNDER_TEST" ] || { echo "bench-stun: $BIN_UNDER_TEST missing" >&2; exit 1; } ;;
        *) echo "bench-stun: unknown server $s" >&2; exit 1 ;;
    esac
done
"$GEN" --self-test >"$WORK/self-test.txt" || { cat "$WORK/self-test.txt"; echo "bench-stun: stunload self-test failed" >&2; exit 1; }

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # utime+stime of a process (all threads), in clock ticks; the fields after "(comm)"
    local stat
    stat=$(cat "/proc/$1/stat")
    stat=${stat##*) }
    set -- $stat
    echo $((${12} + ${13}))
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        if ! ss -Hlnut "( sport = :$p )" 2>/dev/null | grep -q .; then echo "$p"; return; fi
    done
}

start_server() { # $1 = server, $2 = port, $3 = dir; sets SERVER_PID
    case $1 in
        coturn)
            : >"$3/empty.conf"
            turnserver -c "$3/empty.conf" --stun-only --no-cli --no-tls --no-dtls --no-software-attribute \
                -L 127.0.0.1 -p "$2" --pidfile "$3/turnserver.pid" \
                -l "$3/turnserver.log" --simple-log --no-stdout-log >"$3/stdout.log" 2>&1 &
            ;;
        waystone)
            mkdir -p "$3/data"
            WAYSTONE_STUN_LISTEN=127.0.0.1:$2 WAYSTONE_METRICS_LISTEN=127.0.0.1:0 \
                WAYSTONE_STUN_LIMITS_REQUESTS_PER_SECOND_PER_IP=0 \
                "$BIN_UNDER_TEST" run --data-dir "$3/data" --log-level warn >"$3/stdout.log" 2>&1 &
            ;;
    esac
    SERVER_PID=$!
    local i out
    for i in $(seq 1 50); do # ready when UDP and TCP Binding both answer (up to ~10 s)
        kill -0 "$SERVER_PID" 2>/dev/null || break
        if out=$("$GEN" --server "127.0.0.1:$2" --mode udp --inflight 1 --duration 0.1 --warmup 0 2>/dev/null) &&
            [ "$(field ok "$out")" -gt 0 ] &&
            out=$("$GEN" --server "127.0.0.1:$2" --mode tcp --conns 1 --inflight 1 --duration 0.1 --warmup 0 2>/dev/null) &&
            [ "$(field ok "$out")" -gt 0 ]; then
            return 0
        fi
        sleep 0.2
    done
    echo "bench-stun: $1 does not answer STUN Binding on 127.0.0.1:$2 (UDP and TCP); its output:" >&2
    tail -n 20 "$3/stdout.log" >&2 || true
    [ "$1" = waystone ] && echo "bench-stun: without a Waystone STUN role, run SERVERS=coturn" >&2
    exit 1
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

RESULTS=$WORK/results.tsv # server round load req_s p50 p99 req_per_cpu_s errors lost gen_rss_kb reconnects
RSS=$WORK/rss.tsv         # server round peak_rss_kb
: >"$RESULTS"
: >"$RSS"
echo "bench-stun: servers [$SERVERS], $ROUNDS rounds, ${DURATION}s per load (+${WARMUP}s warm-up), $(nproc) cores" >&2
checked_negative=0
for round in $(seq 1 "$ROUNDS"); do
    for server in $SERVERS; do
        dir=$WORK/$server-$round
        mkdir -p "$dir"
        port=$(free_port)
        start_server "$server" "$port" "$dir"
        if [ $checked_negative = 0 ]; then # live proof that the verifier rejects a wrong mapped address
            for m in udp tcp; do
                out=$("$GEN" --server "127.0.0.1:$port" --mode $m --inflight 4 --conns 2 --duration 0.3 --warmup 0 \
                    --expect-port-offset 1)
                if [ "$(field ok "$out")" != 0 ] || [ "$(field bad "$out")" -le 0 ]; then
                    echo "bench-stun: verifier accepted a wrong XOR-MAPPED-ADDRESS: $out" >&2
                    exit 1
                fi
            done
            checked_negative=1
        fi
        for spec in "${LOADS[@]}"; do
            name=${spec%%|*}
            args=${spec#*|}
            before=$(cpu_ticks "$SERVER_PID")
            # shellcheck disable=SC2086
            out=$("$GEN" --server "127.0.0.1:$port" $args --duration "$DURATION" --warmup "$WARMUP")
            after=$(cpu_ticks "$SERVER_PID")
            echo "$server round $round $name: $out" >>"$WORK/raw.txt"
            answered=$(field answered_total "$out")
            cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", t / hz }')
            errors=$(($(field bad "$out") + $(field send_errors "$out") + $(field closed "$out")))
            per_cpu=$(awk -v n="$answered" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", n / c; else print "nan" }')
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$round" "$name" "$(field req_per_s "$out")" \
                "$(field p50_us "$out")" "$(field p99_us "$out")" "$per_cpu" "$errors" \
                "$(field lost "$out")" "$(field maxrss_kb "$out")" "$(field reconnects "$out")" >>"$RESULTS"
            printf '  round %s %-8s %-18s %8s req/s  p50 %5s us  p99 %6s us  %8s req/CPU-s  errors %s lost %s reconnects %s\n' \
                "$round" "$server" "$name" "$(field req_per_s "$out")" "$(field p50_us "$out")" \
                "$(field p99_us "$out")" "$per_cpu" "$errors" "$(field lost "$out")" "$(field reconnects "$out")" >&2
        done
        printf '%s\t%s\t%s\n' "$server" "$round" "$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status")" >>"$RSS"
        stop_server
    done
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v s="$1" -v l="$2" -v c="$3" '$1 == s && $3 == l { print $c }' "$RESULTS" | median; }
sum() { awk -F'\t' -v s="$1" -v c="$2" '$1 == s { n += $c } END { print n + 0 }' "$RESULTS"; }

echo
echo "STUN Binding benchmark, 127.0.0.1, medians of $ROUNDS rounds, ${DURATION}s per load; $(nproc) cores:" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); $(uname -r)"
echo "Waystone ran with stun.limits unlimited (WAYSTONE_STUN_LIMITS_REQUESTS_PER_SECOND_PER_IP=0): the load comes from"
echo "one loopback IP; coturn ($(turnserver --version 2>/dev/null | head -n 1 || echo '?'), --stun-only, default threads) has no such limit."
echo "p50/p99 in microseconds; req/CPU-s = responses / server utime+stime. Generator: stunload (every response verified)."
header="| load |"
sep="| --- |"
for s in $SERVERS; do
    header="$header $s req/s | $s p50 | $s p99 | $s req/CPU-s |"
    sep="$sep ---: | ---: | ---: | ---: |"
done
both=0
case " $SERVERS " in *" waystone "*" coturn "* | *" coturn "*" waystone "*) both=1 ;; esac
if [ $both = 1 ]; then header="$header waystone/coturn req/CPU-s |"; sep="$sep ---: |"; fi
echo "$header"
echo "$sep"
for spec in "${LOADS[@]}"; do
    name=${spec%%|*}
    row="| $name |"
    for s in $SERVERS; do
        row="$row $(col "$s" "$name" 4) | $(col "$s" "$name" 5) | $(col "$s" "$name" 6) | $(col "$s" "$name" 7) |"
    done
    if [ $both = 1 ]; then
        row="$row $(awk -v w="$(col waystone "$name" 7)" -v c="$(col coturn "$name" 7)" 'BEGIN { if (c > 0) printf "%.2f", w / c; else print "-" }') |"
    fi
    echo "$row"
done
status=0
for s in $SERVERS; do
    bad=$(sum "$s" 8)
    lost=$(sum "$s" 9)
    rss=$(awk -F'\t' -v s="$s" '$1 == s && $3 > m { m = $3 } END { print m + 0 }' "$RSS")
    echo "$s: peak RSS ${rss} KiB (VmHWM, max over rounds); errors $bad (bad responses + send errors + TCP connections lost), UDP requests timed out $lost;"\
        "TCP connections it closed (stunload reconnected) $(sum "$s" 11)"
    [ "$bad" = 0 ] || status=1
done
echo "stunload: peak RSS $(awk -F'\t' '$10 > m { m = $10 } END { print m + 0 }' "$RESULTS") KiB (max over runs)"
[ $status = 0 ] || echo "bench-stun: some responses failed verification (see above)" >&2
exit $status
