#!/usr/bin/env bash
# libp2p connection benchmark: Waystone against go-libp2p's p2pd (`make bench-libp2p`). A benchmark, not a test.
#
# For each round, each connection count and each server (alternating), the script starts the server on 127.0.0.1
# (fresh temp dir and port), then Tests/Benchmarks/libp2pload opens N connections to it from several 127.0.0.x
# source addresses (full upgrade: multistream-select, Noise XX, Yamux, then identify; one fresh peer identity per
# connection) and holds them idle. libp2pload reads the server's utime+stime (/proc/PID/stat) before the first
# connect and after the last identify, and its VmRSS (/proc/PID/status) before the first connect and with all N held
# idle (after HOLD seconds). Then the client exits and the server is stopped by its PID. Medians per server and N.
#
# Environment:
#   SERVERS="waystone p2pd"  CONNS="1000 10000"  ROUNDS=5  HOLD=3 (seconds held idle before the RSS is read)
#   CONCURRENCY=128 (handshakes in flight)  SOURCES=4 (client source addresses 127.0.0.2 ... 127.0.0.<SOURCES+1>)
#   BIN_UNDER_TEST=.build/release/waystone   (built here unless SKIP_BUILD=1)
#   KEEP=1                      keep the temp dir (raw results, server logs)
#
# Waystone runs with Tests/Benchmarks/libp2p-waystone.json: libp2p.limits per-IP connection caps, the per-IP rate of
# new connections, the total and the pending-handshake caps all lifted (the load comes from a few loopback IPs, and
# p2pd has no such limits), libp2p.allowPrivateAddresses true, STUN off. p2pd runs with its defaults except
# relay, AutoNAT and NAT port mapping off and TCP on 127.0.0.1 only (its connection manager is off unless
# -connManager is given; it has no flag for its resource manager).
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVERS=${SERVERS:-"waystone p2pd"}
CONNS=${CONNS:-"1000 10000"}
ROUNDS=${ROUNDS:-5}
HOLD=${HOLD:-3}
CONCURRENCY=${CONCURRENCY:-128}
SOURCES=${SOURCES:-4}
BIN_UNDER_TEST=${BIN_UNDER_TEST:-.build/release/waystone}
LOAD=.build/release/libp2pload
CONFIG=Tests/Benchmarks/libp2p-waystone.json

BENCH=bench-libp2p KEY_COLUMN=2
source Tests/Benchmarks/bench-lib.sh
bench_prepare
max_conns=$(tr ' ' '\n' <<<"$CONNS" | sort -n | tail -n 1)
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((max_conns + 512)) ]; then
    echo "bench-libp2p: open-file limit $(ulimit -n) is too low for $max_conns connections" >&2
    exit 1
fi
sources=$(seq -s, -f '127.0.0.%g' 2 $((SOURCES + 1)))

RESULTS=$WORK/results.tsv
# server conns round conn_per_s cpu_ms_per_conn conn_per_cpu_s rss_kib_per_conn errors held rss_before rss_held
: >"$RESULTS"
echo "bench-libp2p: servers [$SERVERS], connections [$CONNS], $ROUNDS rounds, $CONCURRENCY handshakes in flight," \
    "sources $sources, hold ${HOLD}s, $(nproc) cores, open files $(ulimit -n)" >&2
for round in $(seq 1 "$ROUNDS"); do
    for n in $CONNS; do
        for server in $SERVERS; do
            dir=$WORK/$server-$n-$round
            mkdir -p "$dir"
            start_server "$server" "$dir"
            set +e
            out=$("$LOAD" --server "$SERVER_ADDR" --peer "$SERVER_ID" --conns "$n" --concurrency "$CONCURRENCY" \
                --sources "$sources" --server-pid "$SERVER_PID" --hold "$HOLD" --timeout 300)
            set -e
            stop_server
            echo "$server round $round: $out" >>"$WORK/raw.txt"
            if [ -z "$(field identified "$out")" ]; then
                echo "bench-libp2p: libp2pload gave no result against $server: $out" >&2
                exit 1
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$n" "$round" \
                "$(field conn_per_s "$out")" "$(field server_cpu_ms_per_conn "$out")" \
                "$(field conn_per_server_cpu_s "$out")" "$(field rss_kib_per_conn "$out")" "$(field errors "$out")" \
                "$(field held "$out")" "$(field server_rss_before_kib "$out")" "$(field server_rss_held_kib "$out")" \
                >>"$RESULTS"
            printf '  round %s %-8s %6s conns: %8s conn/s  %6s ms CPU/handshake  %7s handshakes/CPU-s  %7s KiB/conn  errors %s  held %s  (client: %s s CPU)  %s\n' \
                "$round" "$server" "$n" "$(field conn_per_s "$out")" "$(field server_cpu_ms_per_conn "$out")" \
                "$(field conn_per_server_cpu_s "$out")" "$(field rss_kib_per_conn "$out")" "$(field errors "$out")" \
                "$(field held "$out")" "$(field client_cpu_s "$out")" \
                "$([ "$(field reasons "$out")" = - ] || echo "failures: $(field reasons "$out")")" >&2
        done
    done
done


echo
echo "libp2p connections (TCP + Noise + Yamux + identify, then held idle), 127.0.0.1, medians of $ROUNDS rounds;" \
    "$(nproc) cores: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); $(uname -r)"
echo "Waystone $("$BIN_UNDER_TEST" version 2>/dev/null | cut -d' ' -f2) with $CONFIG (libp2p.limits per-IP caps, rate," \
    "total and pending-handshake caps lifted: p2pd has no per-IP limits);"
echo "p2pd (go-libp2p v0.32.1, hivemind 1.1.12 wheel) with relay/AutoNAT/NAT-PMP off, connection manager off (default)."
echo "Client: libp2pload (Node's Libp2pConnection, one thread), $CONCURRENCY handshakes in flight from $SOURCES source" \
    "addresses; CPU = server utime+stime over the connect phase; RSS per conn = (VmRSS held - VmRSS before) / N."
echo
echo "| server | connections | conn/s | server CPU ms / handshake | handshakes / server CPU-s | RSS KiB / idle conn |" \
    "RSS MiB before → held | errors | held (min) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $CONNS; do
    for s in $SERVERS; do
        echo "| $s | $n | $(fmt "$(col "$s" "$n" 4)" 0) | $(fmt "$(col "$s" "$n" 5)" 3) | $(fmt "$(col "$s" "$n" 6)" 0) |" \
            "$(fmt "$(col "$s" "$n" 7)" 1) |" \
            "$(fmt "$(col "$s" "$n" 10 | awk '{ print ($1 == "-") ? "-" : $1 / 1024 }')" 1) →" \
            "$(fmt "$(col "$s" "$n" 11 | awk '{ print ($1 == "-") ? "-" : $1 / 1024 }')" 1) |" \
            "$(total "$s" "$n" 8) | $(minimum "$s" "$n" 9) |"
    done
done
status=0
if has waystone && has p2pd; then
    echo
    echo "| connections | Waystone/p2pd conn/s | Waystone/p2pd handshakes per CPU-s (goal ≥ 2) | Waystone/p2pd RSS per idle conn (goal ≤ 0.33) |"
    echo "| ---: | ---: | ---: | ---: |"
    for n in $CONNS; do
        echo "| $n | $(ratio "$(col waystone "$n" 4)" "$(col p2pd "$n" 4)") |" \
            "$(ratio "$(col waystone "$n" 6)" "$(col p2pd "$n" 6)") |" \
            "$(ratio "$(col waystone "$n" 7)" "$(col p2pd "$n" 7)") |"
    done
fi
for s in $SERVERS; do
    for n in $CONNS; do
        errors=$(total "$s" "$n" 8)
        held=$(minimum "$s" "$n" 9)
        if [ "$errors" = 0 ] && [ "$held" = "$n" ]; then
            echo "$s: $n connections held idle without errors in every round"
        else
            echo "$s: $n connections: $errors errors over $ROUNDS rounds, at least $held held (failures in $WORK/raw.txt with KEEP=1)"
            [ "$s" = waystone ] && status=1
        fi
    done
done
exit $status
