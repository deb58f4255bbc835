# The BATS side of tests/slurm/minislurm: one cluster per .bats file.
#
#   load ../slurm/slurm
#   setup_file()    { slurm_setup_file; }
#   teardown_file() { slurm_teardown_file; }
#   setup()         { slurm_setup; ... }
#
# slurm_setup_file starts a cluster in a directory of its own and exports
# SLURM_CONF, so sbatch, srun, squeue... use it; a watchdog stops the
# cluster if the test run dies without its teardown.  When no cluster can run
# here (not root, Slurm or munge not installed), and in the sanitizer suite
# (see HACKING.md), it starts nothing, and slurm_setup skips every test
# saying why.  (A skip in setup_file itself fails the file in BATS 1.8.)

MINISLURM="$DL_TEST_ROOT/tests/slurm/minislurm"

slurm_setup_file() {
    export SLURM_SKIP=""
    if [ -n "${DL_SAN:-}" ]; then
        SLURM_SKIP="the Slurm tests run in the unsanitized suite only"
        return 0
    fi
    local why
    if ! why=$("$MINISLURM" check); then
        SLURM_SKIP="no Slurm cluster here: $why"
        return 0
    fi
    # A short path: munge's and slurmstepd's sockets live under it.
    SLURM_HOME=$(mktemp -d "${TMPDIR:-/tmp}/dl-slurm.XXXXXX")
    export SLURM_HOME
    "$MINISLURM" start "$SLURM_HOME" "$$" || {
        tail -n 20 "$SLURM_HOME"/log/* >&3 2>/dev/null
        return 1
    }
    export SLURM_CONF=$SLURM_HOME/slurm.conf
}

slurm_setup() {
    [ -z "${SLURM_SKIP:-}" ] || skip "$SLURM_SKIP"
}

slurm_teardown_file() {
    [ -n "${SLURM_HOME:-}" ] || return 0
    "$MINISLURM" stop "$SLURM_HOME"
    rm -rf "$SLURM_HOME"
}

# ask_slurm ARGS...: scontrol ARGS.  A loaded slurmctld may not answer in
# time (scontrol fails, with nothing on standard output): asked again, up to
# 50 times, rather than taking silence for an answer.
ask_slurm() {
    local i out
    for ((i = 0; i < 50; i++)); do
        if out=$(scontrol "$@" 2>/dev/null); then
            [ -z "$out" ] || printf '%s\n' "$out"
            return 0
        fi
        sleep 0.2
    done
    echo "scontrol $*: no answer after 50 tries" >&2
    return 1
}

# job_field JOBID FIELD: a field of `scontrol show job` (JobState, ExitCode...);
# for an array, the first task's.
job_field() {
    local out
    out=$(ask_slurm show job -o "$1") || return 1
    head -n 1 <<<"$out" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# job_over JOBID: every task of the job is in a state it never leaves.  False
# while any is pending, running, completing or requeued, and when slurmctld
# does not answer (silence is no end).
job_over() {
    local out states
    out=$(scontrol show job -o "$1" 2>/dev/null) || return 1
    states=$(tr ' ' '\n' <<<"$out" | sed -n 's/^JobState=//p')
    [ -n "$states" ] &&
        ! grep -qvxE 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE' <<<"$states"
}

# wait_job SECONDS JOBID: waits until every task of the job has ended;
# fails after SECONDS (a hang, not a timing).
wait_job() {
    local limit=$1 job=$2 i
    for ((i = 0; i < limit * 5; i++)); do
        job_over "$job" && return 0
        sleep 0.2
    done
    echo "job $job not over after $limit s:" >&2
    scontrol show job "$job" >&2
    return 1
}

# start_requeued SECONDS JOBID N: waits until the job, requeued N times, runs
# again.  Slurm holds a requeued job for its credentials' lifetime (the
# cred_expire of minislurm's slurm.conf, 30 s): lifting the hold early would
# launch it with a revoked credential, which Slurm refuses.
start_requeued() {
    local limit=$1 job=$2 n=$3 i
    for ((i = 0; i < limit * 5; i++)); do
        [ "$(job_field "$job" Restarts)" = "$n" ] && [ "$(job_field "$job" JobState)" = RUNNING ] &&
            return 0
        sleep 0.2
    done
    echo "job $job not running again after $n requeues in $limit s:" >&2
    scontrol show job "$job" >&2
    return 1
}

# run_seconds JOBID: how long the job has been running, in seconds.
run_seconds() {
    local t d=0 h m sec
    t=$(job_field "$1" RunTime)
    case $t in *-*) d=${t%%-*} t=${t#*-} ;; esac
    IFS=: read -r h m sec <<<"$t"
    echo $(((10#$d * 24 + 10#$h) * 3600 + 10#$m * 60 + 10#$sec))
}

# wait_lines SECONDS FILE LINES: waits until FILE has more than LINES lines.
wait_lines() {
    local limit=$1 file=$2 lines=$3 i
    for ((i = 0; i < limit * 5; i++)); do
        # dl-train writes a log to a temporary beside it until it ends
        local part
        part=$(find "$(dirname "$file")" -maxdepth 1 -name ".$(basename "$file").??????" 2>/dev/null | head -n 1)
        [ "$(cat "$file" $part 2>/dev/null | wc -l)" -gt "$lines" ] && return 0
        sleep 0.2
    done
    echo "$file: not more than $lines lines after $limit s" >&2
    return 1
}
