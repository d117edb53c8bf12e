#!/usr/bin/env bash
# Kademlia FIND_NODE benchmark: Waystone against go-libp2p's p2pd DHT server (`make bench-kad`). A benchmark, not a
# test.
#
# For each round and each server (alternating), the script starts the server on 127.0.0.1 (fresh temp dir and
# port), then Tests/Benchmarks/kadload, in one run:
#   1. joins DHT_PEERS DHT-server peers (fresh Ed25519 identities whose identify lists /ipfs/kad/1.0.0 and a
#      loopback listen address, each answering the server's FIND_NODE check with itself) to the server's routing
#      table: both servers add a DHT server only after it answered a FIND_NODE;
#   2. opens CLIENTS client connections (not DHT servers) and sends FIND_NODE for random peer-ID-shaped keys
#      (0x12 0x20 + 32 random bytes), STREAMS in flight, in windows of 0.5 s until the number of our DHT peers seen
#      in one window's answers (the routing table as seen from outside) has stopped growing for 2 s;
#   3. per mode, WARMUP seconds, then DURATION seconds measured: "reused" (STREAMS streams kept open, request →
#      response → next request) and "per-request" (open a stream, write, read the response, close).
# kadload reads the server's utime+stime (/proc/PID/stat) at the start and end of each measured window and its VmRSS
# (/proc/PID/status) at the end; every answer is decoded and must be a FIND_NODE response with at least one closer
# peer (anything else, a stream ended early or a 10 s timeout is an error). Then the server is stopped by its PID.
# Medians per server and mode over the rounds, and the Waystone/p2pd ratios.
#
# Environment:
#   SERVERS="waystone p2pd"  ROUNDS=3  DHT_PEERS=200  CLIENTS=8  STREAMS=64  DURATION=5  WARMUP=1
#   SOURCES=4 (client source addresses 127.0.0.2 ... 127.0.0.<SOURCES+1>)
#   BIN_UNDER_TEST=.build/release/waystone   (built here unless SKIP_BUILD=1)
#   KEEP=1                      keep the temp dir (raw results, server logs)
#
# Waystone runs with Tests/Benchmarks/kad-waystone.json: the per-peer DHT limits lifted
# (kademlia.limits.requestsPerSecondPerPeer 0 = no request rate, maxStreamsPerPeer 0 = no stream cap), the per-IP
# connection limits, pending-handshake cap and per-connection inbound streams per protocol lifted (the load comes
# from a few loopback IPs), libp2p.allowPrivateAddresses true (loopback peers are kept; this also turns off the IP
# diversity filter of the routing table), STUN off. p2pd runs with -dhtServer, relay, AutoNAT and NAT port mapping
# off, TCP on 127.0.0.1 only, no -b (its bootstrap peer list is its own ID, so nothing outside is ever dialed); it has
# no per-peer DHT request limits, and its resource manager (no flag for it) has default per-peer stream limits far
# above STREAMS / CLIENTS per connection.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVERS=${SERVERS:-"waystone p2pd"}
ROUNDS=${ROUNDS:-3}
DHT_PEERS=${DHT_PEERS:-200}
CLIENTS=${CLIENTS:-8}
STREAMS=${STREAMS:-64}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
SOURCES=${SOURCES:-4}
BIN_UNDER_TEST=${BIN_UNDER_TEST:-.build/release/waystone}
LOAD=.build/release/kadload
CONFIG=Tests/Benchmarks/kad-waystone.json
MODES="reused per-request"

BENCH=bench-kad KEY_COLUMN=3
source Tests/Benchmarks/bench-lib.sh
bench_prepare
sources=$(seq -s, -f '127.0.0.%g' 2 $((SOURCES + 1)))
http_get() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"; }

# The server's own figures after the run: Waystone's routing-table gauge and FIND_NODE count; for p2pd (no such
# metrics) its TCP sockets, which must all be on loopback.
server_facts() { # $1 = server, $2 = socket sample file; prints "table=N find_node=N" or "sockets=N foreign_sockets=N"
    case $1 in
        waystone)
            local metrics
            metrics=$(http_get "http://$SERVER_METRICS/metrics" 2>/dev/null || true)
            echo "table=$(awk '$1 == "waystone_kad_routing_table_peers" { print $2 }' <<<"$metrics")" \
                "find_node=$(awk '$1 == "waystone_kad_inbound_requests_total{type=\"find_node\",result=\"ok\"}" { print $2 }' <<<"$metrics")"
            ;;
        p2pd) cat "$2" 2>/dev/null || echo "sockets=- foreign_sockets=-" ;;
    esac
}

# p2pd's TCP sockets other than its listener, sampled while kadload is connected (after $1 seconds): each peer
# address must be on 127.0.0.0/8. Writes "sockets=N foreign_sockets=N" to $2.
sample_sockets() {
    (
        sleep "$1"
        sockets=$(ss -Htanp 2>/dev/null | awk -v p="pid=$SERVER_PID," '$1 != "LISTEN" && index($0, p) { print $5 }')
        echo "sockets=$(grep -c . <<<"$sockets" || true) foreign_sockets=$(grep -v -c '^127\.\|^$' <<<"$sockets" || true)" >"$2"
    ) &
    SAMPLER_PID=$!
}

RESULTS=$WORK/results.tsv
# server round mode req_per_s cpu_us_per_req req_per_cpu_s rss_kib errors table_seen populate_seen identified p50 p99
: >"$RESULTS"
echo "bench-kad: servers [$SERVERS], $DHT_PEERS DHT-server peers, $CLIENTS client connections, $STREAMS requests in" \
    "flight, modes [$MODES] ${WARMUP}+${DURATION} s each, $ROUNDS rounds, sources $sources, $(nproc) cores" >&2
for round in $(seq 1 "$ROUNDS"); do
    for server in $SERVERS; do
        dir=$WORK/$server-$round
        mkdir -p "$dir"
        # No -b; the bootstrap list (used only with -b, and by the DHT when its table is empty) is p2pd itself, which
        # go-libp2p never dials: nothing outside 127.0.0.1 can be reached.
        start_server "$server" "$dir" -dhtServer "-bootstrapPeers=/ip4/127.0.0.1/tcp/1/p2p/@SELF@"
        SAMPLER_PID=""
        [ "$server" = p2pd ] && sample_sockets 4 "$dir/sockets.txt"
        set +e
        out=$("$LOAD" --server "$SERVER_ADDR" --peer "$SERVER_ID" --server-pid "$SERVER_PID" --dht-peers "$DHT_PEERS" \
            --clients "$CLIENTS" --streams "$STREAMS" --seconds "$DURATION" --warmup "$WARMUP" --sources "$sources" \
            --modes "${MODES// /,}")
        set -e
        [ -z "$SAMPLER_PID" ] || wait "$SAMPLER_PID" || true
        facts=$(server_facts "$server" "$dir/sockets.txt")
        stop_server
        { echo "$server round $round: $facts"; echo "$out"; } >>"$WORK/raw.txt"
        populate=$(grep '^kadload populate' <<<"$out" || true)
        if [ -z "$populate" ]; then
            echo "bench-kad: kadload gave no result against $server: $out" >&2
            exit 1
        fi
        printf '  round %s %-8s populate: %s/%s DHT peers identified in %s s, table seen %s after %s s (settled %s)%s; server checked %s peers with %s queries\n' \
            "$round" "$server" "$(field identified "$populate")" "$DHT_PEERS" "$(field connect_s "$populate")" \
            "$(field table_seen "$populate")" "$(field settle_s "$populate")" "$(field settled "$populate")" \
            "$([ "$server" = waystone ] && echo ", Waystone's gauge $(field table "x $facts")" || echo ", p2pd sockets $(field sockets "x $facts"), non-loopback $(field foreign_sockets "x $facts")")" \
            "$(field peers_queried "$populate")" "$(field server_queries "$populate")" >&2
        for mode in $MODES; do
            line=$(grep "^kadload mode=$mode " <<<"$out" || true)
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$round" "$mode" \
                "$(field req_per_s "$line")" "$(field server_cpu_us_per_req "$line")" \
                "$(field req_per_server_cpu_s "$line")" "$(field server_rss_kib "$line")" "$(field errors "$line")" \
                "$(field table_seen "$line")" "$(field table_seen "$populate")" "$(field identified "$populate")" \
                "$(field p50_ms "$line")" "$(field p99_ms "$line")" >>"$RESULTS"
            printf '  round %s %-8s %-11s %8s req/s  %7s µs CPU/req  %7s req/CPU-s  RSS %6s KiB  p50 %s ms p99 %s ms  table seen %s  %s peers/answer  errors %s  (client %s s CPU)  %s\n' \
                "$round" "$server" "$mode" "$(field req_per_s "$line")" "$(field server_cpu_us_per_req "$line")" \
                "$(field req_per_server_cpu_s "$line")" "$(field server_rss_kib "$line")" "$(field p50_ms "$line")" \
                "$(field p99_ms "$line")" "$(field table_seen "$line")" "$(field peers_per_answer "$line")" \
                "$(field errors "$line")" "$(field client_cpu_s "$line")" \
                "$([ "$(field reasons "$line")" = - ] || echo "failures: $(field reasons "$line")")" >&2
        done
    done
done


echo
echo "Kademlia FIND_NODE (random keys, k = 20 closer peers per answer), 127.0.0.1, medians of $ROUNDS rounds;" \
    "$(nproc) cores: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); $(uname -r)"
echo "Routing tables filled by $DHT_PEERS DHT-server peers of the client (k = 20 per bucket: not all fit, alike for" \
    "both); load from $CLIENTS other connections, $STREAMS requests in flight, ${DURATION} s measured per mode after" \
    "${WARMUP} s warm-up."
echo "Waystone $("$BIN_UNDER_TEST" version 2>/dev/null | cut -d' ' -f2) with $CONFIG: per-peer limits lifted" \
    "(kademlia.limits.requestsPerSecondPerPeer 0, maxStreamsPerPeer 0; libp2p per-IP and per-protocol stream limits off);"
echo "p2pd (go-libp2p v0.32.1, go-libp2p-kad-dht v0.25.1) -dhtServer, relay/AutoNAT/NAT-PMP off (no per-peer DHT limits;" \
    "resource manager defaults)."
echo "Client: kadload (Node's Libp2pConnection, one thread). CPU = server utime+stime over the measured window; a" \
    "request = one decoded FIND_NODE answer."
echo
echo "| server | mode | requests/s | server CPU µs / request | requests / server CPU-s | server RSS MiB |" \
    "p50 / p99 ms | table seen (min) | errors |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for mode in $MODES; do
    for s in $SERVERS; do
        echo "| $s | $mode | $(fmt "$(col "$s" "$mode" 4)" 0) | $(fmt "$(col "$s" "$mode" 5)" 1) |" \
            "$(fmt "$(col "$s" "$mode" 6)" 0) |" \
            "$(fmt "$(col "$s" "$mode" 7 | awk '{ print ($1 == "-") ? "-" : $1 / 1024 }')" 1) |" \
            "$(fmt "$(col "$s" "$mode" 12)" 2) / $(fmt "$(col "$s" "$mode" 13)" 2) |" \
            "$(minimum "$s" "$mode" 9) | $(total "$s" "$mode" 8) |"
    done
done
status=0
if has waystone && has p2pd; then
    echo
    echo "| mode | Waystone/p2pd requests/s | Waystone/p2pd requests per server CPU-s (goal ≥ 2) |"
    echo "| --- | ---: | ---: |"
    for mode in $MODES; do
        echo "| $mode | $(ratio "$(col waystone "$mode" 4)" "$(col p2pd "$mode" 4)") |" \
            "$(ratio "$(col waystone "$mode" 6)" "$(col p2pd "$mode" 6)") |"
    done
fi
for s in $SERVERS; do
    identified=$(awk -F'\t' -v s="$s" '$1 == s && (v == "" || $11 + 0 < v) { v = $11 + 0 } END { print v + 0 }' "$RESULTS")
    for mode in $MODES; do
        errors=$(total "$s" "$mode" 8)
        seen=$(minimum "$s" "$mode" 9)
        if [ "$errors" = 0 ] && [ "$identified" = "$DHT_PEERS" ] && [ "$seen" -gt 0 ]; then
            echo "$s $mode: no errors in $ROUNDS rounds; all $DHT_PEERS DHT peers joined, at least $seen in the table"
        else
            echo "$s $mode: $errors errors over $ROUNDS rounds, at least $identified of $DHT_PEERS DHT peers identified," \
                "table seen ≥ $seen (details in $WORK/raw.txt with KEEP=1)"
            [ "$s" = waystone ] && status=1
        fi
    done
done
exit $status
