# Shared by the benchmark scripts.
# The tools of $BUILD first on PATH, and BUILD made absolute: make takes
# BUILD=build or BUILD=/abs/dir alike.  Usage: tools_on_path
tools_on_path() {
    case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
    PATH="$BUILD/bin:$PATH"
}
# The median of the numbers on standard input, one a line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# Wall seconds of a shell command, output discarded.  Read on bash's own
# clock around the command run in this shell, so that no process of the
# harness's (a `date`, a subshell) is timed with it: they cost milliseconds,
# as much as a small import's whole work.  Usage: t=$(wall_seconds 'command')
wall_seconds() {
    local s e
    s=${EPOCHREALTIME/[.,]/}
    { eval "$1"; } >/dev/null 2>&1 || { echo "bench: failed: $1" >&2; return 1; }
    e=${EPOCHREALTIME/[.,]/}
    echo "scale=6; ($e - $s) / 1000000" | bc -l
}
# Median wall time of a shell command.  Usage: t=$(median_seconds RUNS
# 'command' ['setup']): setup runs before each run, untimed (removing the
# last run's output, whose removal is no part of the command's work).
median_seconds() {
    runs=$1; shift
    for _ in $(seq "$runs"); do
        [ -z "${2:-}" ] || bash -c "$2" >/dev/null 2>&1
        wall_seconds "$1" || return 1
    done | median
}
# CPU seconds (user + system, of every process the command starts, to the
# microsecond) of a shell command, read by bench/cpu_seconds (wait4): a
# loaded machine disturbs it less than wall time.  The shell that runs the
# command is counted too, about a millisecond; a row that times a command
# of a few ms calls bench/cpu_seconds on it directly, without the shell.
# Usage: t=$(cpu_seconds 'command')
cpu_seconds() {
    "$BUILD/bench/cpu_seconds" bash -c "$1" || { echo "bench: failed: $1" >&2; return 1; }
}
# Median CPU seconds of RUNS runs.  Usage: t=$(median_cpu_seconds RUNS 'command')
median_cpu_seconds() {
    for _ in $(seq "$1"); do
        cpu_seconds "$2" || return 1
    done | median
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }
# predict_floor BUILD FILE: the least CPU seconds dl-predict can spend on
# FILE, 40,000 rows for the MNIST-sized network (mnist_mlp_spec), at this
# OPENBLAS_NUM_THREADS: its forward products alone at their shapes, 1,024
# rows a call as dl-predict and torch make them, with the same OpenBLAS
# (bench/nn_kernels forward), and reading FILE's bytes with read(2); and
# the products' wall seconds (shared out among the threads; the reading is
# not).  Prints the three, best of 5 each: "PRODUCTS READ PRODUCTS_WALL".
predict_floor() {
    "$1/bench/nn_kernels" forward 40000 1024 "$2" | awk '{ print $2, $4, $8 }'
}
# npy_dataset X.npy Y.npy: the data set (records x and y) on standard output.
npy_dataset() { dl-tensor import --name x "$1"; dl-tensor import --name y "$2"; }
# mnist_mlp_spec TRAINING: the MNIST-sized network of train.sh (a) and
# mpi_scaling.sh (784-256-128-10 relu, softmax CE, Adam 1e-3) with the
# given flow-style training mapping, as YAML on standard output.
mnist_mlp_spec() {
    cat <<YAML
model:
  layers:
    - {units: 256, activation: relu}
    - {units: 128, activation: relu}
    - {units: 10, activation: softmax}
loss: ce
optimizer: {name: adam, lr: 0.001}
training: $1
YAML
}
