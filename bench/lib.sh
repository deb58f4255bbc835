# Shared by the benchmark scripts: median wall time of a shell command.
# Usage: t=$(median_seconds RUNS 'command')
median_seconds() {
    runs=$1; shift
    for _ in $(seq "$runs"); do
        s=$(date +%s.%N)
        bash -c "$1" >/dev/null 2>&1 || { echo "bench: failed: $1" >&2; return 1; }
        e=$(date +%s.%N)
        echo "$e - $s" | bc -l
    done | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }
