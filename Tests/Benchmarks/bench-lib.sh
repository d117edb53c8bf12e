# Shared by the libp2p benchmarks (libp2p.sh, kad.sh). Sourced, not run. The caller sets BENCH (its name, e.g.
# bench-kad), SERVERS, BIN_UNDER_TEST, LOAD (the load client binary), CONFIG (Waystone's benchmark config) and
# KEY_COLUMN (the results column that, with the server in column 1, selects a table row).

CTL=(python3 Tests/Interop/p2pd/p2pctl.py)
WORK=$(mktemp -d "/tmp/$BENCH.XXXXXX")
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "$BENCH: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Release builds of the load client and Waystone (unless SKIP_BUILD=1), p2pd installed, the client's self-test.
bench_prepare() {
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
        swift build -c release --product "$(basename "$LOAD")" >&2
        case " $SERVERS " in *" waystone "*) swift build -c release --product waystone >&2 ;; esac
    fi
    P2PD=""
    local s
    for s in $SERVERS; do
        case $s in
            waystone) [ -x "$BIN_UNDER_TEST" ] || { echo "$BENCH: $BIN_UNDER_TEST missing" >&2; exit 1; } ;;
            p2pd)
                P2PD=$(bash Tests/Interop/p2pd/install.sh | tail -n 1)
                [ -x "$P2PD" ] || { echo "$BENCH: p2pd missing (make deps-p2pd)" >&2; exit 1; }
                ;;
            *) echo "$BENCH: unknown server $s" >&2; exit 1 ;;
        esac
    done
    # Each process holds one descriptor per connection: raise the soft limit to the hard one.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    "$LOAD" --self-test >"$WORK/self-test.txt" ||
        { cat "$WORK/self-test.txt"; echo "$BENCH: $(basename "$LOAD") self-test failed" >&2; exit 1; }
}

# start_server SERVER DIR [P2PD_FLAG...]: Waystone with $CONFIG, or p2pd (TCP on 127.0.0.1, relay, AutoNAT and NAT
# port mapping off) with the flags; "@SELF@" in a flag becomes p2pd's own peer ID. Sets SERVER_PID, SERVER_ID,
# SERVER_ADDR (host:port) and, for Waystone, SERVER_METRICS.
start_server() {
    local server=$1 dir=$2 line="" i addr self flags=()
    shift 2
    SERVER_METRICS=""
    case $server in
        waystone)
            "$BIN_UNDER_TEST" run --config "$CONFIG" --data-dir "$dir/data" 2>"$dir/server.log" &
            SERVER_PID=$!
            for i in $(seq 1 100); do
                line=$(grep -m1 'msg=started' "$dir/server.log" 2>/dev/null) && break
                kill -0 "$SERVER_PID" 2>/dev/null || break
                sleep 0.1
            done
            SERVER_ID=$(grep -o 'peer_id=[^ ]*' <<<"$line" | cut -d= -f2 || true)
            SERVER_METRICS=$(grep -o 'metrics=[^ ]*' <<<"$line" | cut -d= -f2 || true)
            addr=$(grep -o 'libp2p=/ip4/127.0.0.1/tcp/[0-9]*' <<<"$line" | cut -d= -f2 || true)
            ;;
        p2pd)
            self=$("${CTL[@]}" genkey "$dir/p2pd.key")
            for i in "$@"; do flags+=("${i//@SELF@/$self}"); done
            "$P2PD" -q -listen "/unix$dir/p.sock" -id "$dir/p2pd.key" -hostAddrs=/ip4/127.0.0.1/tcp/0 \
                -relay=false -relayService=false -natPortMap=false -autonat=false "${flags[@]}" >"$dir/server.log" 2>&1 &
            SERVER_PID=$!
            for i in $(seq 1 100); do
                line=$(timeout 5 "${CTL[@]}" -s "/unix$dir/p.sock" identify 2>/dev/null) && break
                kill -0 "$SERVER_PID" 2>/dev/null || break
                sleep 0.1
            done
            SERVER_ID=$(head -n 1 <<<"$line")
            addr=$(grep -m1 '^/ip4/127.0.0.1/tcp/' <<<"$line" || true)
            ;;
    esac
    SERVER_ADDR=127.0.0.1:${addr##*/}
    if [ -z "$SERVER_ID" ] || [ "$SERVER_ADDR" = 127.0.0.1: ]; then
        echo "$BENCH: $server did not start; its output:" >&2
        tail -n 20 "$dir/server.log" >&2 || true
        exit 1
    fi
}

stop_server() {
    local i
    kill "$SERVER_PID" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# field NAME LINE: the value of NAME=value in a load client's result line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# Over $RESULTS (tab-separated, server in column 1, row key in column $KEY_COLUMN): col SERVER KEY COLUMN is the
# median, total the sum, minimum the smallest value of COLUMN in that row's rounds.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v s="$1" -v k="$2" -v c="$3" -v kc="$KEY_COLUMN" '$1 == s && $kc == k && $c != "-" && $c != "" { print $c }' "$RESULTS" | median; }
total() { awk -F'\t' -v s="$1" -v k="$2" -v c="$3" -v kc="$KEY_COLUMN" '$1 == s && $kc == k { t += $c } END { print t + 0 }' "$RESULTS"; }
minimum() { awk -F'\t' -v s="$1" -v k="$2" -v c="$3" -v kc="$KEY_COLUMN" '$1 == s && $kc == k && (v == "" || $c + 0 < v) { v = $c + 0 } END { print v + 0 }' "$RESULTS"; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "-" || v == "") print "-"; else printf "%.*f\n", d, v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f\n", a / b }'; }
has() { [[ " $SERVERS " == *" $1 "* ]]; }
