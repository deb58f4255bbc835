#!/usr/bin/env bash
# Stream throughput: a tool that reads, checks and rewrites every record
# (stream_rw copy) piped into one that reads and checks (stream_rw sink),
# against `cat | cat` moving the same bytes.  Also zlib on and off.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; MB=${MB:-1024}; RUNS=${RUNS:-7}
tool=$BUILD/bench/stream_rw
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-stream.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
$tool gen "$MB" > "$tmp/raw.dlt"
$tool gen "$MB" --zlib > "$tmp/zlib.dlt"
cat "$tmp/raw.dlt" "$tmp/zlib.dlt" > /dev/null   # warm the page cache

t_cat=$(median_seconds "$RUNS" "cat < $tmp/raw.dlt | cat > /dev/null")
t_dl=$(median_seconds "$RUNS" "$tool copy < $tmp/raw.dlt | $tool sink")
t_zw=$(median_seconds "$RUNS" "$tool copy --zlib < $tmp/raw.dlt > /dev/null")
t_zr=$(median_seconds "$RUNS" "$tool sink < $tmp/zlib.dlt")
t_rr=$(median_seconds "$RUNS" "$tool sink < $tmp/raw.dlt")
raw_b=$(stat -c %s "$tmp/raw.dlt"); z_b=$(stat -c %s "$tmp/zlib.dlt")
echo "stream: $MB MiB of f32 through a pipe, median of $RUNS runs"
printf '  cat | cat            %7.3f s\n' "$t_cat"
printf '  copy | sink (dl)     %7.3f s   ratio to cat %s\n' "$t_dl" "$(ratio "$t_dl" "$t_cat")"
printf '  raw:  %d bytes, read %7.3f s\n' "$raw_b" "$t_rr"
printf '  zlib: %d bytes (%s of raw), write %7.3f s, read %7.3f s\n' "$z_b" "$(ratio "$z_b" "$raw_b")" "$t_zw" "$t_zr"
rm -rf "$tmp"
