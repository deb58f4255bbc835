#!/usr/bin/env bats
# The cluster paths under a real Slurm: a one-node cluster of its own
# (tests/slurm/minislurm) runs the sweep's array job, a job that reaches its
# time limit and its resubmission, a sharded least-squares fit and the
# data-parallel training script of examples/cluster.  Skipped, saying why,
# when the machine cannot run a cluster (not root, Slurm not installed).

# `run ! cmd`: a bare `! cmd` before a test's last line is never checked
bats_require_minimum_version 1.5.0

load ../slurm/slurm
load linear_helpers
load sweep_helpers

setup_file() { slurm_setup_file; }
teardown_file() { slurm_teardown_file; }

setup() {
    slurm_setup
    EX="$DL_TEST_ROOT/examples"
    T="$BATS_TEST_TMPDIR"
    BIN=$(dirname "$(command -v dl-train)")
    unset MAKEFLAGS MFLAGS MAKELEVEL
    # Jobs inherit the environment: the tools, and where the sweep's files are.
    export DL_BIN="$BIN" SWEEP_OUT="$T/sweep" SWEEP_SPEC="$EX/sweep/net.yaml"
    GRID=(BIN="$BIN" OUT="$T/sweep" LRS=0.01 "UNITS=2 4 8" WDS=0 EPOCHS=5)
    cd "$T"
}

teardown() { :; }

# silent_slurm N: scontrol and squeue fail (as when slurmctld does not answer
# in time) for the next N calls, then work.
silent_slurm() {
    echo "$1" > "$T/silent"
    scontrol() { silenced || command scontrol "$@"; }
    squeue() { silenced || command squeue "$@"; }
}
silenced() {
    local n
    n=$(< "$T/silent")
    [ "$n" -gt 0 ] || return 1
    echo $((n - 1)) > "$T/silent"
}

@test "Slurm: a second cluster whose ports are taken (here by the first one's slurmctld) starts again on other ports" {
    local taken dir conf port cluster
    taken=$(awk -F= '$1 == "SlurmctldPort" { print $2 }' "$SLURM_CONF")
    dir=$(mktemp -d "${TMPDIR:-/tmp}/dl-slurm.XXXXXX")
    # its daemons cannot bind: it must see them stop, not wait for its node
    MINISLURM_PORTS="$taken $taken" run "$MINISLURM" start "$dir"
    conf=$dir/slurm.conf
    port=$(awk -F= '$1 == "SlurmctldPort" { print $2 }' "$conf")
    cluster=$(SLURM_CONF=$conf timeout 60 scontrol show config 2>/dev/null | awk '$1 == "ClusterName" { print $3 }')
    "$MINISLURM" stop "$dir"
    rm -rf "$dir"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ $output == *"a port was taken meanwhile; again on others"* ]]
    [ "$port" != "$taken" ]
    [ "$cluster" = "dl$port" ]   # its own slurmctld answered
}

@test "Slurm: waiting for a job takes no silence from a loaded slurmctld for the job's end" {
    local job
    job=$(sbatch --parsable -o /dev/null --wrap "while [ ! -e '$T/go' ]; do sleep 0.2; done")
    silent_slurm 5
    # the job cannot end before go exists: the wait must run out
    run wait_job 3 "$job"
    [ "$status" -eq 1 ]
    touch "$T/go"
    silent_slurm 5
    wait_job 300 "$job"
    [ "$(job_field "$job" JobState)" = COMPLETED ]
}

@test "Slurm: the sweep's array job trains every configuration, and the make after it only evaluates" {
    make -s -C "$EX/sweep" "${GRID[@]}" configs data
    local n job c
    n=$(wc -l < "$T/sweep/configs.tsv")
    [ "$n" -eq 3 ]
    job=$(sbatch --parsable --array=0-$((n - 1)) -o "$T/slurm-%A_%a.out" "$EX/sweep/slurm.sh")
    wait_job 300 "$job"
    # Every task ended with exit status 0.
    [ "$(ask_slurm show job -o "$job" | grep -c 'JobState=COMPLETED .*ExitCode=0:0')" -eq 3 ]
    for c in lr0.01_h2_wd0 lr0.01_h4_wd0 lr0.01_h8_wd0; do
        grep -q "$c: done" "$T"/slurm-*.out
        [ "$(rows "$T/sweep/runs/$c.log.tsv")" -eq 5 ]
    done
    run make -C "$EX/sweep" "${GRID[@]}"
    [ "$status" -eq 0 ]
    [[ $output != *slurm.sh* ]]
    [ "$(grep -c 'dl-predict' <<<"$output")" -eq 3 ]
    [ "$(rows "$T/sweep/results.tsv")" -eq 3 ]
}

@test "Slurm: a task at its time limit leaves a checkpoint, exit 6; submitted again it resumes to the same bits" {
    make -s -C "$EX/sweep" "${GRID[@]}" data
    local long=(-s training.epochs=1000000 -s training.early_stopping.patience=0)
    local job
    job=$(sbatch --parsable --time=10 -o "$T/cut.out" "$EX/sweep/slurm.sh" cut "${long[@]}")
    # Once it trains, cut its limit to between one and two minutes from now:
    # below slurm.sh's --signal=B:TERM@120, so the signal is due at once, and
    # slurmctld sends it at its next periodic check of the limits (every
    # 30 s), before the limit itself.
    # (the log is written to a temporary beside it until dl-train ends)
    local i part=
    for ((i = 0; i < 600; i++)); do
        part=$(find "$T/sweep/runs" -name '.cut.log.tsv.*' 2>/dev/null | head -n 1)
        [ -z "$part" ] || break
        sleep 0.2
    done
    wait_lines 120 "$part" 2
    ask_slurm update JobId="$job" TimeLimit=$(($(run_seconds "$job") / 60 + 2))
    wait_job 300 "$job"
    ask_slurm show job -o "$job"
    cat "$T/cut.out"
    # Stopped by the script's signal, before the limit: not TIMEOUT.
    [ "$(job_field "$job" JobState)" = FAILED ]
    [ "$(job_field "$job" ExitCode)" = 6:0 ]
    grep -q 'cut: interrupted' "$T/cut.out"
    [ -e "$T/sweep/runs/cut.interrupted" ]
    dl-predict "$T/sweep/runs/cut.ckpt" "$T/sweep/val-raw.dlt" | dl-eval >/dev/null
    # The same task submitted again continues the run a few epochs further,
    # to the checkpoint an uninterrupted run gives.
    local stopped end
    stopped=$(tail -n 1 "$T/sweep/runs/cut.log.tsv" | cut -f 1)
    end=$((stopped + 5))
    job=$(sbatch --parsable -o "$T/resume.out" "$EX/sweep/slurm.sh" cut \
          -s training.epochs=$end -s training.early_stopping.patience=0)
    wait_job 300 "$job"
    [ "$(job_field "$job" JobState)" = COMPLETED ]
    grep -q 'cut: resuming the interrupted run' "$T/resume.out"
    [ ! -e "$T/sweep/runs/cut.interrupted" ]
    resumed_as_whole "$end"
}

@test "Slurm: a sharded least-squares fit (an array of --partial, then --combine) equals the one-process fit" {
    head -n 50 "$FIX/train.csv" > "$T/s0.csv"
    sed -n '51,137p' "$FIX/train.csv" > "$T/s1.csv"
    tail -n +138 "$FIX/train.csv" > "$T/s2.csv"
    local k job comb
    for k in 0 1 2; do
        dl-tensor import -t 1 "$T/s$k.csv" -o "$T/s$k.dlt"
        echo "s$k.dlt"
    done > "$T/shards.txt"
    job=$(sbatch --parsable --array=0-2 -o "$T/part-%A_%a.out" \
          "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2)
    comb=$(sbatch --parsable --dependency=afterok:"$job" -o "$T/combine.out" \
          "$EX/cluster/lstsq.sbatch" combine shards.txt parts model.ckpt -q)
    wait_job 300 "$comb"
    cat "$T"/*.out
    [ "$(ask_slurm show job -o "$job" | grep -c 'JobState=COMPLETED .*ExitCode=0:0')" -eq 3 ]
    [ "$(job_field "$comb" JobState)" = COMPLETED ]
    # The weights numpy fits on all rows, and those of one process.
    dl-tensor export --name w "$T/model.ckpt" > "$T/w.csv"
    WANT_SKIP=1 numbers_near "$T/w.csv" "$FIX/train_poly2_w.txt" 1e-10
    import_csv train.csv 1 | dl-design --poly 2 -q | dl-lstsq -q --method normal -o "$T/one.ckpt"
    numbers_near "$T/w.csv" <(dl-tensor export --name w "$T/one.ckpt") 1e-12
    # The combined model carries the design: it predicts raw x as the other.
    import_csv test.csv 1 > "$T/test.dlt"
    numbers_near <(dl-predict "$T/model.ckpt" "$T/test.dlt" | dl-tensor export --name yhat) \
                 <(dl-predict "$T/one.ckpt" "$T/test.dlt" | dl-tensor export --name yhat) 1e-12
    # The array submitted again finds its parts done; a missing part is named.
    job=$(sbatch --parsable --array=0-2 -o "$T/again-%A_%a.out" \
          "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2)
    wait_job 300 "$job"
    [ "$(grep -l 'is already there' "$T"/again-*.out | wc -l)" -eq 3 ]
    rm "$T/parts/1.part"
    run "$EX/cluster/lstsq.sbatch" combine shards.txt parts model2.ckpt
    [ "$status" -eq 1 ]
    [[ $output == *"parts: no part for task(s) 1: submit them again (sbatch --array=1 ...)"* ]]
    [ ! -e "$T/model2.ckpt" ]
}

@test "Slurm: train.sbatch interrupted requeues itself and resumes; past DL_REQUEUE it waits to be submitted again; the end is the uninterrupted run's" {
    make -s -C "$EX/sweep" "${GRID[@]}" data
    local long=(-s training.epochs=1000000 -s training.early_stopping.patience=0)
    local one=(--nodes=1 --ntasks-per-node=1 --cpus-per-task=1)
    local job first second end
    job=$(DL_REQUEUE=1 sbatch --parsable "${one[@]}" -o "$T/train.out" "$EX/cluster/train.sbatch" \
          "$EX/sweep/net.yaml" sweep/train.dlt net.ckpt --val sweep/val.dlt "${long[@]}")
    # What Slurm sends at --signal=TERM@300 (to the job's steps), sent now.
    wait_lines 120 "$T/net.log.tsv" 2
    scancel --signal=TERM "$job"
    # Requeued, and started again at once.
    start_requeued 300 "$job" 1
    wait_lines 120 "$T/net.resumed.log.tsv" 2
    first=$(wc -l < "$T/net.log.tsv")
    scancel --signal=TERM "$job"
    wait_job 120 "$job"
    cat "$T/train.out"
    [ "$(job_field "$job" JobState)" = FAILED ]
    [ "$(job_field "$job" ExitCode)" = 6:0 ]
    [ "$(grep -c 'resuming the interrupted run in net.ckpt' "$T/train.out")" -eq 1 ]
    grep -q 'submit the job again (requeued 1 times, DL_REQUEUE=1)' "$T/train.out"
    [ -e "$T/net.ckpt.interrupted" ]
    second=$(tail -n 1 "$T/net.log.tsv" | cut -f 1)
    [ "$second" -gt "$((first - 1))" ]
    # Submitted again, a few epochs further: the checkpoint and the learning
    # curve of one uninterrupted run.
    end=$((second + 5))
    job=$(sbatch --parsable "${one[@]}" -o "$T/train2.out" "$EX/cluster/train.sbatch" \
          "$EX/sweep/net.yaml" sweep/train.dlt net.ckpt --val sweep/val.dlt \
          -s training.epochs=$end -s training.early_stopping.patience=0)
    wait_job 120 "$job"
    cat "$T/train2.out"
    [ "$(job_field "$job" JobState)" = COMPLETED ]
    [ ! -e "$T/net.ckpt.interrupted" ]
    dl-train -q -j 1 "$EX/sweep/net.yaml" sweep/train.dlt --val sweep/val.dlt --log whole.log.tsv \
        -s training.epochs=$end -s training.early_stopping.patience=0 -o whole.ckpt
    cmp net.ckpt whole.ckpt
    diff <(cut -f 1-3 net.log.tsv) <(cut -f 1-3 whole.log.tsv)
}

# Skips unless dl-train can run over MPI here (mpirun, and the plugin built).
mpi_or_skip() {
    command -v mpirun > /dev/null || skip "mpirun not installed (Debian: openmpi-bin)"
    [ -f "$BIN/../lib/dltk/mpi.so" ] || skip "dl-train's MPI plugin not built (no mpicc)"
    # mpirun refuses root without these.
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    # 500 rows in chunks of 64: the two processes' shares end inside chunks.
    dl-tensor import -t 1 --chunk-rows 64 "$DL_TEST_ROOT/data/fish2d.csv" -o "$T/f2.dlt"
}

@test "Slurm: srun --mpi=pmix -n 2 dl-train gives the checkpoint of mpirun -np 2" {
    mpi_or_skip
    srun --mpi=list 2>&1 | grep -qw pmix
    # One BLAS thread in both: the checkpoint records the thread count, and
    # OpenBLAS's own choice differs between srun's CPU binding and mpirun's.
    local args=(-q -j 1 -s training.epochs=4 -s training.early_stopping.patience=0 f2.dlt)
    timeout 300 srun --mpi=pmix -n 2 dl-train "$EX/fish2d.yaml" "${args[@]}" -o srun.ckpt
    timeout 300 mpirun -np 2 --oversubscribe dl-train "$EX/fish2d.yaml" "${args[@]}" -o mpirun.ckpt
    cmp srun.ckpt mpirun.ckpt
    # Two processes, not one: minibatches are made of other rows then.
    dl-train "$EX/fish2d.yaml" "${args[@]}" -o one.ckpt
    run ! cmp -s srun.ckpt one.ckpt
}

@test "Slurm: srun -n 2 without --mpi=pmix, or with --mpi=pmi2, is refused in one line per task naming --mpi=pmix; one task of --mpi=pmix needs no plugin" {
    mpi_or_skip
    # minislurm's MpiDefault is none: no PMI of any kind in the tasks.
    run timeout 300 srun -n 2 dl-train "$EX/fish2d.yaml" -q -o x.ckpt f2.dlt
    [ "$status" -eq 2 ]
    [ "$(grep -c '^dl-train: srun started 2 tasks without an MPI launch (no PMIx or PMI in the environment): give srun --mpi=pmix$' <<< "$output")" -eq 2 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 2 ]
    if srun --mpi=list 2>&1 | grep -qw pmi2; then
        run timeout 300 srun --mpi=pmi2 -n 2 dl-train "$EX/fish2d.yaml" -q -o x.ckpt f2.dlt
        [ "$status" -eq 2 ]
        [ "$(grep -c '^dl-train: started with PMI but not PMIx (srun --mpi=pmi2?), which this Open MPI cannot join: give srun --mpi=pmix$' <<< "$output")" -eq 2 ]
        [ "$(grep -c '^dl-train' <<< "$output")" -eq 2 ]
    fi
    [ ! -e x.ckpt ]
    timeout 300 srun --mpi=pmix -n 1 env DL_MPI_PLUGIN=/nonexistent/mpi.so \
        dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 -o x.ckpt f2.dlt
    [ -s x.ckpt ]
}

@test "Slurm: scancel --signal=TERM to a job of srun --mpi=pmix -n 2 dl-train stops it as dl-train(1) says: exit 6, a checkpoint" {
    mpi_or_skip
    local args=(-q -j 1 -s training.epochs=100000 -s training.early_stopping.patience=0)
    timeout 300 srun -J dl-stop --mpi=pmix -n 2 dl-train "$EX/fish2d.yaml" "${args[@]}" \
        --log stop.tsv -o stop.ckpt f2.dlt 2> stop.err &
    local srun_pid=$! status=0 job
    wait_lines 120 stop.tsv 2
    job=$(squeue -h -n dl-stop -o %i | head -n 1)
    [ -n "$job" ]
    scancel --signal=TERM "$job"
    wait "$srun_pid" || status=$?
    cat stop.err
    [ "$status" -eq 6 ]
    grep -q '^dl-train: interrupted .*resumes after epoch' stop.err
    done=$(dl-tensor export --name state.counters stop.ckpt | head -n 1)
    [ "$done" -ge 2 ]
}

@test "Slurm: train.sbatch with 2 tasks, interrupted and submitted again, ends as mpirun -np 2 uninterrupted" {
    mpi_or_skip
    local two=(--nodes=1 --ntasks-per-node=2 --cpus-per-task=1)
    local job end
    job=$(DL_REQUEUE=0 sbatch --parsable "${two[@]}" -o "$T/train.out" "$EX/cluster/train.sbatch" \
          "$EX/fish2d.yaml" f2.dlt net.ckpt -s training.epochs=1000000 -s training.early_stopping.patience=0)
    wait_lines 120 "$T/net.log.tsv" 2
    # What Slurm sends to every process at --signal=TERM@300, sent now.
    scancel --signal=TERM "$job"
    wait_job 120 "$job"
    cat "$T/train.out"
    [ "$(job_field "$job" JobState)" = FAILED ]
    [ "$(job_field "$job" ExitCode)" = 6:0 ]
    grep -q 'submit the job again (requeued 0 times, DL_REQUEUE=0)' "$T/train.out"
    end=$(($(tail -n 1 "$T/net.log.tsv" | cut -f 1) + 3))
    job=$(sbatch --parsable "${two[@]}" -o "$T/train2.out" "$EX/cluster/train.sbatch" \
          "$EX/fish2d.yaml" f2.dlt net.ckpt -s training.epochs=$end -s training.early_stopping.patience=0)
    wait_job 120 "$job"
    cat "$T/train2.out"
    [ "$(job_field "$job" JobState)" = COMPLETED ]
    grep -q 'resuming the interrupted run in net.ckpt' "$T/train2.out"
    timeout 300 mpirun -np 2 --oversubscribe dl-train -q -j 1 "$EX/fish2d.yaml" f2.dlt \
        --log whole.log.tsv -s training.epochs=$end -s training.early_stopping.patience=0 -o whole.ckpt
    cmp net.ckpt whole.ckpt
    diff <(cut -f 1-3 net.log.tsv) <(cut -f 1-3 whole.log.tsv)
}
