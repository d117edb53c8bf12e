#!/usr/bin/env bash
# Stream plumbing benchmark, in process (`make bench-streams`): the same benchmark built from a base revision and from
# the current tree, run alternately, one table. A benchmark, not a test.
#
# Tests/Benchmarks/streams (streamsbench) wires two Libp2pConnection machines back to back, no sockets: the dialer
# opens streams of /bench/1.0.0 on the listener and writes BYTES in total (evenly over the streams) in CHUNK-byte
# writes, then closes them; the listener checks every delivered byte (deterministic pattern, memcmp) and its count
# per stream. Measured over the transfer phase (after the upgrade): CPU = getrusage user + sys of the process,
# allocation calls (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign; the MallocCounter target
# interposes glibc's and checks itself at every start), peak RSS = ru_maxrss. The floor row seals and opens the same
# BYTES with the Crypto module's ChaCha20-Poly1305 (OpenSSL) in 65519-byte frames, as Noise does; ×floor is a row's
# CPU over the floor's CPU, same binary. One process per measurement (peak RSS is per process); medians of ROUNDS.
#
# Base: `git worktree add --detach` of BASE at .build/bench-streams-base, with the current tree's
# Tests/Benchmarks/streams/ and Tests/Benchmarks/MallocCounter/ copied over it (the same sources in both) and, when
# its Package.swift lacks them, the target lines between the "bench-streams targets" markers of ours appended as
# `package.targets += [...]`; built with -Xswiftc -DSTREAMS_BASE (Compat.swift's old-API branch), the binary copied
# to .build/bench-streams/, the worktree removed.
#
# Environment:
#   BASE=d5b9688  ROUNDS=3  BYTES=1073741824  STREAMS="1 16"  CHUNK=65536
#   SIDES="base current"   which builds to run (e.g. SIDES=base while the current tree does not build)
#   SKIP_BUILD=1           reuse the binaries in .build/bench-streams/ (built by an earlier run)
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE=${BASE:-d5b9688}
ROUNDS=${ROUNDS:-3}
BYTES=${BYTES:-1073741824}
STREAMS=${STREAMS:-"1 16"}
CHUNK=${CHUNK:-65536}
SIDES=${SIDES:-"base current"}
OUT=.build/bench-streams
BASE_TREE=.build/bench-streams-base
BENCH=bench-streams

WORK=$(mktemp -d "/tmp/$BENCH.XXXXXX")
cleanup() {
    if [ -e "$BASE_TREE" ]; then git worktree remove --force "$BASE_TREE" 2>/dev/null || rm -rf "$BASE_TREE"; fi
    git worktree prune 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

has() { [[ " $SIDES " == *" $1 "* ]]; }

build_current() {
    echo "$BENCH: building the current tree" >&2
    if ! swift build -c release --product streamsbench >"$WORK/build-current.log" 2>&1; then
        grep -E 'error:' "$WORK/build-current.log" | head -n 20 >&2 || tail -n 20 "$WORK/build-current.log" >&2
        echo "$BENCH: the current tree does not build streamsbench (Compat.swift's #else branch is written against" \
            "the new stream API); SIDES=base measures the base alone" >&2
        exit 1
    fi
    cp "$(swift build -c release --show-bin-path)/streamsbench" "$OUT/streamsbench-current"
}

build_base() {
    local rev
    rev=$(git rev-parse --verify "$BASE^{commit}") || { echo "$BENCH: unknown BASE $BASE" >&2; exit 1; }
    echo "$BENCH: building base $BASE ($(git log -1 --format='%h %s' "$rev")) in $BASE_TREE" >&2
    [ ! -e "$BASE_TREE" ] || git worktree remove --force "$BASE_TREE" 2>/dev/null || rm -rf "$BASE_TREE"
    git worktree prune
    git worktree add --detach "$BASE_TREE" "$rev" >/dev/null 2>&1
    rm -rf "$BASE_TREE/Tests/Benchmarks/streams" "$BASE_TREE/Tests/Benchmarks/MallocCounter"
    cp -R Tests/Benchmarks/streams Tests/Benchmarks/MallocCounter "$BASE_TREE/Tests/Benchmarks/"
    if ! grep -q '"streamsbench"' "$BASE_TREE/Package.swift"; then
        local targets
        targets=$(sed -n '/bench-streams targets: begin/,/bench-streams targets: end/p' Package.swift)
        [ -n "$targets" ] || { echo "$BENCH: no bench-streams target markers in Package.swift" >&2; exit 1; }
        printf '\n// Appended by Tests/Benchmarks/streams.sh.\npackage.targets += [\n%s\n]\n' "$targets" \
            >>"$BASE_TREE/Package.swift"
    fi
    if ! (cd "$BASE_TREE" && swift build -c release --product streamsbench -Xswiftc -DSTREAMS_BASE) \
        >"$WORK/build-base.log" 2>&1; then
        tail -n 30 "$WORK/build-base.log" >&2
        echo "$BENCH: base $BASE does not build streamsbench" >&2
        exit 1
    fi
    cp "$(cd "$BASE_TREE" && swift build -c release --show-bin-path)/streamsbench" "$OUT/streamsbench-base"
    git worktree remove --force "$BASE_TREE"
}

mkdir -p "$OUT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    if has base; then build_base; fi
    if has current; then build_current; fi
fi
for side in $SIDES; do
    [ -x "$OUT/streamsbench-$side" ] || { echo "$BENCH: $OUT/streamsbench-$side missing (run without SKIP_BUILD)" >&2; exit 1; }
    "$OUT/streamsbench-$side" --self-test >"$WORK/self-test-$side.txt" 2>&1 ||
        { cat "$WORK/self-test-$side.txt" >&2; echo "$BENCH: $side self-test failed" >&2; exit 1; }
done

# field NAME LINE: the value of NAME=value in a result line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# col SIDE ROW COLUMN: the median of COLUMN over the rounds of SIDE's ROW in $RESULTS.
col() { awk -F'\t' -v s="$1" -v r="$2" -v c="$3" '$1 == s && $2 == r { print $c }' "$RESULTS" | median; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "-" || v == "") print "-"; else printf "%.*f\n", d, v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "" || b == "" || b == 0) print "-"; else printf "%.2f\n", a / b }'; }

ROWS=""
for n in $STREAMS; do ROWS="$ROWS streams-$n"; done
ROWS="$ROWS floor"
RESULTS=$WORK/results.tsv
# side row round cpu_s_per_gib gb_s_per_core allocs_per_mib peak_rss_kib cpu_s wall_s
: >"$RESULTS"
echo "$BENCH: sides [$SIDES], base $BASE, $BYTES bytes, chunk $CHUNK, rows [${ROWS# }], $ROUNDS rounds," \
    "$(nproc) cores" >&2
for round in $(seq 1 "$ROUNDS"); do
    for row in $ROWS; do
        for side in $SIDES; do
            case $row in
                floor) args=(--mode floor --bytes "$BYTES") ;;
                *) args=(--mode transfer --streams "${row#streams-}" --bytes "$BYTES" --chunk "$CHUNK") ;;
            esac
            if ! line=$("$OUT/streamsbench-$side" "${args[@]}"); then
                echo "$BENCH: $side $row failed: $line" >&2
                exit 1
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$side" "$row" "$round" "$(field cpu_s_per_gib "$line")" \
                "$(field gb_s_per_core "$line")" "$(field allocs_per_mib "$line")" "$(field peak_rss_kib "$line")" \
                "$(field cpu_s "$line")" "$(field wall_s "$line")" >>"$RESULTS"
            printf '  round %s %-7s %-10s %8s CPU-s/GiB %7s GB/s/core %8s allocs/MiB  peak RSS %6s KiB  (%s s CPU, %s s wall)\n' \
                "$round" "$side" "$row" "$(field cpu_s_per_gib "$line")" "$(field gb_s_per_core "$line")" \
                "$(field allocs_per_mib "$line")" "$(field peak_rss_kib "$line")" "$(field cpu_s "$line")" \
                "$(field wall_s "$line")" >&2
        done
    done
done

label() { case $1 in floor) echo "floor (ChaChaPoly seal + open)" ;; streams-1) echo "1 stream" ;; *) echo "${1#streams-} streams" ;; esac; }
echo
echo "Stream plumbing in process (two Libp2pConnection machines back to back, no sockets): $BYTES bytes per run," \
    "$CHUNK-byte writes; medians of $ROUNDS rounds; $(nproc) cores: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); $(uname -r)"
sides=""
if has base; then sides="base = $BASE (-DSTREAMS_BASE: the old stream API)"; fi
if has current; then
    tree="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift Tests/Benchmarks || echo ' + uncommitted changes')"
    sides="${sides:+$sides, }current = $tree (the new stream API)"
fi
echo "$sides. CPU = getrusage user + sys over the transfer; ×floor = CPU over the floor row's CPU, same side."
echo
header="| row |"
rule="| --- |"
for side in $SIDES; do
    header="$header $side CPU-s/GiB | $side GB/s/core | $side allocs/MiB | $side peak RSS MiB | $side ×floor |"
    rule="$rule ---: | ---: | ---: | ---: | ---: |"
done
if has base && has current; then
    header="$header CPU current/base |"
    rule="$rule ---: |"
fi
echo "$header"
echo "$rule"
for row in $ROWS; do
    line="| $(label "$row") |"
    for side in $SIDES; do
        cpu=$(col "$side" "$row" 4)
        line="$line $(fmt "$cpu" 3) | $(fmt "$(col "$side" "$row" 5)" 3) | $(fmt "$(col "$side" "$row" 6)" 1) |"
        line="$line $(fmt "$(col "$side" "$row" 7 | awk '{ print ($1 == "-") ? "-" : $1 / 1024 }')" 1) |"
        line="$line $(ratio "$cpu" "$(col "$side" floor 4)") |"
    done
    if has base && has current; then line="$line $(ratio "$(col current "$row" 4)" "$(col base "$row" 4)") |"; fi
    echo "$line"
done
echo
echo "Every run delivered all $BYTES bytes in order on every stream (checked on receipt); allocation counter self-checked."
