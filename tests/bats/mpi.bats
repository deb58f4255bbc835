#!/usr/bin/env bats
# dl-train data-parallel under a real mpirun: the same weights as one
# process, bit-identical reruns, rank 0 alone writing, faults (a rank's bad
# data, a spec that differs, SIGTERM to one rank, a rank that dies) ending
# the whole job cleanly.  Skipped, saying why, without mpirun or the plugin.

load fails

EX="$DL_TEST_ROOT/examples"

setup() {
    command -v mpirun > /dev/null || skip "mpirun not installed (Debian: openmpi-bin)"
    local bin
    bin=$(dirname "$(command -v dl-train)")
    [ -f "$bin/../lib/dltk/mpi.so" ] || skip "dl-train's MPI plugin not built (no mpicc)"
    # mpirun refuses root without these; the CI runs as root.
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    # Under ASan: Open MPI's own allocations outlive MPI_Finalize (not ours:
    # see the file); its components stay loaded so that LeakSanitizer can
    # name them, with full stacks through libraries without frame pointers.
    if [ -n "${DL_SAN:-}" ]; then
        export LSAN_OPTIONS="suppressions=$DL_TEST_ROOT/tests/lsan-openmpi.supp:print_suppressions=0"
        export LD_PRELOAD="$bin/../tests/nodlclose.so"
        export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0:fast_unwind_on_malloc=0"
    fi
    TMP=$(mktemp -d)
    # 500 rows in chunks of 64: shares begin and end inside chunks.
    dl-tensor import -t 1 --chunk-rows 64 "$DL_TEST_ROOT/data/fish2d.csv" > "$TMP/f2.dlt"
}

teardown() {
    # a run a failed test left behind: mpirun passes SIGTERM to its ranks
    [ -z "${job:-}" ] || kill -TERM "$job" 2> /dev/null || true
    [ -z "${job:-}" ] || wait "$job" 2> /dev/null || true
    rm -rf "$TMP"
}

mpi() {
    local n=$1
    shift
    timeout 300 mpirun -np "$n" --oversubscribe "$@"
}

# Full-batch training for 10 steps, no held-out rows.
FULL=(-s training.epochs=10 -s training.batch_size=100000 -s training.validation=0
      -s training.early_stopping.patience=0)

# Relative difference |a - b| / |b| (Euclidean norms) of tensor NAME of two
# checkpoints: float sums in another order move single elements near zero
# by more than their size, the tensor by rounding only.
max_rel() {
    paste <(dl-tensor export --name "$1" --format tsv "$2" | tr '\t' '\n') \
          <(dl-tensor export --name "$1" --format tsv "$3" | tr '\t' '\n') |
        awk '{ d += ($1 - $2) ^ 2; n += $2 ^ 2 } END { printf "%.3g\n", sqrt(d / n) }'
}

# dl-train on N ranks in one of the two ways: one copy of the weights in
# shared memory, each rank updating its shard (shared), or every rank
# updating its own copy after MPI sums the gradient (summed).
mpi_way() {
    local n=$1 way=$2
    shift 2
    if [ "$way" = shared ]; then
        mpi "$n" dl-train "$@"
    else
        DL_MPI_SHARED=0 mpi "$n" -x DL_MPI_SHARED dl-train "$@"
    fi
}

@test "full batch: mpirun -np 2 and -np 3 give one process's weights to 1e-5 (500 rows), shared or summed" {
    dl-train "$EX/fish2d.yaml" -q "${FULL[@]}" -o "$TMP/one.ckpt" "$TMP/f2.dlt"
    for n in 2 3; do
        for way in shared summed; do
            mpi_way $n $way "$EX/fish2d.yaml" -q "${FULL[@]}" -o "$TMP/n$n.ckpt" "$TMP/f2.dlt"
            for t in state.layer1.weight state.layer1.bias state.layer2.weight \
                     state.layer3.weight state.optim.m state.optim.v; do
                r=$(max_rel $t "$TMP/n$n.ckpt" "$TMP/one.ckpt")
                echo "$n $way $t $r"
                awk -v r="$r" 'BEGIN { exit !(r < 1e-5) }'
            done
        done
    done
    # the test can fail: another step count is far from 1e-5
    dl-train "$EX/fish2d.yaml" -q "${FULL[@]}" -s training.epochs=9 -o "$TMP/nine.ckpt" "$TMP/f2.dlt"
    r=$(max_rel state.layer1.weight "$TMP/nine.ckpt" "$TMP/one.ckpt")
    awk -v r="$r" 'BEGIN { exit !(r > 1e-3) }'
}

@test "one node: ranks sharing the weights, each updating its shard, give the bits of MPI sums (2 ranks), with every optimizer" {
    for opt in '{name: adam, lr: 0.01}' \
               '{name: adamw, lr: 0.01, weight_decay: 0.1, decay_bias: false, l1: 0.001}' \
               '{name: sgd, lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01}' \
               '{name: rmsprop, lr: 0.01, momentum: 0.5, weight_decay: 0.01, decay_bias: false}'; do
        for way in shared summed; do
            mpi_way 2 $way "$EX/fish2d.yaml" -s "optimizer=$opt" -s training.epochs=3 \
                -s training.early_stopping.patience=0 -o "$TMP/$way.ckpt" "$TMP/f2.dlt" 2> "$TMP/err"
            grep -q "waiting for the other processes" "$TMP/err" || [ $way = summed ]
            grep -q "waiting for the gradient sums" "$TMP/err" || [ $way = shared ]
        done
        echo "$opt"
        cmp "$TMP/shared.ckpt" "$TMP/summed.ckpt"
    done
    # clipping takes the norm of every shard's gradient: one process's fit
    dl-train "$EX/fish2d.yaml" -q "${FULL[@]}" -s optimizer.clip_norm=0.05 -o "$TMP/one.ckpt" "$TMP/f2.dlt"
    for n in 2 3; do
        mpi_way $n shared "$EX/fish2d.yaml" -q "${FULL[@]}" -s optimizer.clip_norm=0.05 \
            -o "$TMP/n$n.ckpt" "$TMP/f2.dlt"
        r=$(max_rel state.layer1.weight "$TMP/n$n.ckpt" "$TMP/one.ckpt")
        echo "clip $n $r"
        awk -v r="$r" 'BEGIN { exit !(r < 1e-5) }'
    done
    dl-train "$EX/fish2d.yaml" -q "${FULL[@]}" -o "$TMP/noclip.ckpt" "$TMP/f2.dlt"
    r=$(max_rel state.layer1.weight "$TMP/noclip.ckpt" "$TMP/one.ckpt")
    awk -v r="$r" 'BEGIN { exit !(r > 1e-3) }'
}

@test "several nodes (ranks taken 2 by 2 as nodes): each node shares its copy, shards summed across nodes; one process's fit" {
    dl-train "$EX/fish2d.yaml" -q "${FULL[@]}" -o "$TMP/one.ckpt" "$TMP/f2.dlt"
    for i in 1 2; do
        DL_MPI_NODE_SIZE=2 mpi 4 -x DL_MPI_NODE_SIZE dl-train "$EX/fish2d.yaml" "${FULL[@]}" \
            -o "$TMP/h$i.ckpt" "$TMP/f2.dlt" 2> "$TMP/err"
        grep -q "waiting for the other processes" "$TMP/err"
    done
    cmp "$TMP/h1.ckpt" "$TMP/h2.ckpt"
    for t in state.layer1.weight state.layer1.bias state.layer3.weight state.optim.m state.optim.v; do
        r=$(max_rel $t "$TMP/h1.ckpt" "$TMP/one.ckpt")
        echo "$t $r"
        awk -v r="$r" 'BEGIN { exit !(r < 1e-5) }'
    done
    # nodes of 2 and 1 processes: MPI sums instead
    DL_MPI_NODE_SIZE=2 mpi 3 -x DL_MPI_NODE_SIZE dl-train "$EX/fish2d.yaml" "${FULL[@]}" \
        -o "$TMP/h3.ckpt" "$TMP/f2.dlt" 2> "$TMP/err"
    grep -q "waiting for the gradient sums" "$TMP/err"
    r=$(max_rel state.layer1.weight "$TMP/h3.ckpt" "$TMP/one.ckpt")
    awk -v r="$r" 'BEGIN { exit !(r < 1e-5) }'
}

@test "DL_MPI_SHARED other than 0 or 1, DL_MPI_NODE_SIZE other than a positive number: a usage error, not the default layout" {
    for v in no false; do
        run env DL_MPI_SHARED=$v timeout 300 mpirun -np 2 --oversubscribe -x DL_MPI_SHARED \
            dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" "$TMP/f2.dlt"
        [ "$status" -eq 2 ]
        [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
        [[ $output == *"dl-train: rank 0: DL_MPI_SHARED: '$v' is not 0 or 1"* ]]
    done
    for v in 0 2x -1 ' 2'; do
        run env DL_MPI_NODE_SIZE="$v" timeout 300 mpirun -np 2 --oversubscribe -x DL_MPI_NODE_SIZE \
            dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" "$TMP/f2.dlt"
        [ "$status" -eq 2 ]
        [[ $output == *"dl-train: rank 0: DL_MPI_NODE_SIZE: '$v' is not a positive whole number of processes"* ]]
    done
    [ ! -e "$TMP/x.ckpt" ]
    DL_MPI_SHARED=1 DL_MPI_NODE_SIZE=1 mpi 2 -x DL_MPI_SHARED -x DL_MPI_NODE_SIZE \
        dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    # one process reads neither
    DL_MPI_SHARED=no dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 -o "$TMP/y.ckpt" "$TMP/f2.dlt"
}

@test "one node with /dev/shm too small for the weights: MPI sums them instead, the same bits, nothing left" {
    [ "$(id -u)" -eq 0 ] || skip "needs root, to mount a small /dev/shm in a private mount namespace"
    command -v unshare > /dev/null || skip "unshare not installed (Debian: util-linux)"
    # 4 million weights: 96 MB shared, where 16 MB leaves room for MPI's own
    printf 'model:\n  layers:\n    - {units: 2000, activation: tanh}\n    - {units: 2000, activation: tanh}\n    - {units: 1, activation: sigmoid}\nloss: bce\ntraining: {epochs: 2, batch_size: 100, seed: 1, validation: 0}\n' > "$TMP/wide.yaml"
    cd "$TMP"
    unshare -m sh -c 'mount -t tmpfs -o size=16m tmpfs /dev/shm &&
        timeout 300 mpirun -np 2 --oversubscribe dl-train wide.yaml f2.dlt -o small.ckpt 2> err;
        echo $? > status; ls -A /dev/shm > left'
    cat err
    [ "$(cat status)" -eq 0 ]
    grep -q "waiting for the gradient sums" err
    [ ! -s left ]
    mpi 2 dl-train wide.yaml f2.dlt -o shm.ckpt 2> err
    grep -q "waiting for the other processes" err
    cmp small.ckpt shm.ckpt
}

@test "minibatches, shuffling, a validation split: the same N twice gives the same bits" {
    args=(-q -s training.epochs=4 -s training.early_stopping.patience=0 "$TMP/f2.dlt")
    mpi 3 dl-train "$EX/fish2d.yaml" "${args[@]}" -o "$TMP/a.ckpt"
    mpi 3 dl-train "$EX/fish2d.yaml" "${args[@]}" -o "$TMP/b.ckpt"
    cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
    # each global batch holds one process's rows: the weights agree closely
    dl-train "$EX/fish2d.yaml" "${args[@]}" -o "$TMP/one.ckpt"
    r=$(max_rel layer1.weight "$TMP/a.ckpt" "$TMP/one.ckpt")
    awk -v r="$r" 'BEGIN { exit !(r < 1e-4) }'
}

@test "rank 0 alone writes the checkpoint, the log and the progress lines" {
    cd "$TMP"
    mpi 2 dl-train "$EX/fish2d.yaml" -s training.epochs=3 -s training.early_stopping.patience=0 \
        --val f2.dlt --log curve.tsv --diagnostics diag.tsv -o net.ckpt f2.dlt 2> err
    [ "$(grep -c '^epoch [0-9]*/3: train .* val ' err)" -eq 3 ]
    [ "$(wc -l < curve.tsv)" -eq 4 ]
    [ "$(grep -c '^epoch' diag.tsv)" -eq 1 ]
    [ "$(ls)" = "$(printf 'curve.tsv\ndiag.tsv\nerr\nf2.dlt\nnet.ckpt')" ]
    dl-predict net.ckpt f2.dlt | dl-eval > /dev/null
    # the validation loss is of every rank's rows: one process says the same
    dl-train "$EX/fish2d.yaml" -q -s training.epochs=3 -s training.early_stopping.patience=0 \
        --val f2.dlt --log one.tsv -o /dev/null f2.dlt
    paste <(cut -f3 curve.tsv | tail -n +2) <(cut -f3 one.tsv | tail -n +2) |
        awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-5 * $2) exit 1 }'
}

@test "under mpirun the checkpoint goes to -o: standard output, a terminal there even when redirected, is refused saying so" {
    cd "$TMP"
    run mpi 2 dl-train "$EX/fish2d.yaml" -q f2.dlt
    [ "$status" -eq 2 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 0: standard output is a terminal, as a launcher such as mpirun makes it even when its own output is redirected: give the checkpoint as -o FILE"* ]]
    mpi 2 dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 f2.dlt -o net.ckpt
    dl-tensor info net.ckpt > /dev/null
}

@test "--diagnostics when rank 0 holds no row of the last batch: its statistics of z and a are nan, not an earlier batch's; the gradient norms are the whole batch's" {
    # 500 rows in batches of 3, unshuffled: the last batch is rows 499 and 500,
    # all in rank 2's share (rows 335..500 of 3 shares)
    args=(-q -s training.epochs=1 -s training.batch_size=3 -s training.shuffle=false
          -s training.validation=0 -s training.early_stopping.patience=0 "$TMP/f2.dlt")
    dl-train "$EX/fish2d.yaml" "${args[@]}" --diagnostics "$TMP/one.tsv" -o "$TMP/one.ckpt"
    for way in shared summed; do
        mpi_way 3 $way "$EX/fish2d.yaml" "${args[@]}" --diagnostics "$TMP/$way.tsv" \
            -o "$TMP/$way.ckpt"
        cat "$TMP/$way.tsv"
        [ "$(tail -n +2 "$TMP/$way.tsv" | cut -f5-8 | sort -u)" = "$(printf 'nan\tnan\tnan\tnan')" ]
        paste <(tail -n +2 "$TMP/$way.tsv" | cut -f9,10) <(tail -n +2 "$TMP/one.tsv" | cut -f9,10) |
            awk '{ for (i = 1; i <= 2; i++) { d = $i - $(i + 2); if (d < 0) d = -d
                                              if (!(d <= 1e-5 * $(i + 2))) exit 1 } }'
    done
}

@test "--print-config under mpirun: rank 0 alone prints the spec, once" {
    dl-train "$EX/fish2d.yaml" -s training.epochs=3 --print-config > "$TMP/one.yaml"
    grep -q 'epochs: 3' "$TMP/one.yaml"
    mpi 2 dl-train "$EX/fish2d.yaml" -s training.epochs=3 --print-config > "$TMP/two.yaml"
    diff "$TMP/one.yaml" "$TMP/two.yaml"
}

@test "a rank that cannot read its share: one message naming the rank and the file, no hang" {
    # corrupt the last payload byte: the last chunk is rank 1's alone
    size=$(stat -c %s "$TMP/f2.dlt")
    byte=$(od -An -tu1 -j $((size - 1)) -N1 "$TMP/f2.dlt" | tr -d ' ')
    printf "\\$(printf '%03o' $(((byte + 1) % 256)))" |
        dd of="$TMP/f2.dlt" bs=1 seek=$((size - 1)) conv=notrunc 2> /dev/null
    run mpi 2 dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 1: $TMP/f2.dlt: record 18 ('y'): payload checksum mismatch"* ]]
    [ ! -e "$TMP/x.ckpt" ]
}

@test "a bad row in rank 1's share: x's and y's errors name the row of the file, as one process does" {
    cd "$TMP"
    # 10 rows, the 9th bad: rank 1 holds rows 6 to 10; the columns of f2.dlt,
    # which --val below needs
    rows() {
        printf 'speed,depth,type\n'
        for i in $(seq 10); do
            if [ "$i" = 9 ]; then echo "$1"; else echo "$i,$((2 * i)),$((i % 2))"; fi
        done
    }
    rows 1,inf,0 | dl-tensor import -t 1 --allow-nonfinite > inf.dlt
    rows 1,,0 | dl-tensor import -t 1 --missing '' > missing.dlt
    rows 1,1e300,0 | dl-tensor import -t 1 > big.dlt
    rows 1,2,nan | dl-tensor import -t 1 --allow-nonfinite > ynan.dlt
    for f in inf missing big ynan; do
        run dl-train -q -j1 -s training.validation=0 "$EX/fish2d.yaml" -o x.ckpt $f.dlt
        [ "$status" -eq 1 ]
        one=${output#dl-train: }
        [[ $one == "$f.dlt: record '"[xy]"': row 9"* ]]
        run mpi 2 dl-train -q -j1 -s training.validation=0 "$EX/fish2d.yaml" -o x.ckpt $f.dlt
        echo "$output"
        [ "$status" -eq 1 ]
        [[ $output == *"dl-train: rank 1: $one"* ]]
        # the same row as held out by --val
        run mpi 2 dl-train -q -j1 -s training.validation=0 "$EX/fish2d.yaml" --val $f.dlt \
            -o x.ckpt f2.dlt
        [ "$status" -eq 1 ]
        [[ $output == *"dl-train: rank 1: $one"* ]]
    done
    [ ! -e x.ckpt ]
}

@test "chunks that differ (x.names, dtype, width) are refused as by one process, whichever rank reads them" {
    cd "$TMP"
    tail -n +2 "$DL_TEST_ROOT/data/fish2d.csv" > body.csv
    head -n 250 body.csv > a.csv
    tail -n 250 body.csv > b.csv
    dl-tensor import -t 1 --names p,q,y a.csv > a.dlt
    dl-tensor import -t 1 --names r,s,y b.csv > b.dlt
    cat a.dlt b.dlt > names.dlt
    dl-tensor import -t 1 --names p,q,y --dtype f32 b.csv > b32.dlt
    cat a.dlt b32.dlt > dtype.dlt
    dl-tensor import -t 1 --format csv --no-header a.csv > a.dlt
    sed 's/^/1,/' b.csv | dl-tensor import -t 1 --format csv --no-header > b3.dlt
    cat a.dlt b3.dlt > width.dlt
    for f in names dtype width; do
        run dl-train -q "$EX/fish2d.yaml" -o x.ckpt $f.dlt
        [ "$status" -eq 1 ]
        one=${output#dl-train: }
        run mpi 2 dl-train -q "$EX/fish2d.yaml" -o x.ckpt $f.dlt
        echo "$output"
        [ "$status" -eq 1 ]
        [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
        [[ $output == *"dl-train: rank 0: $one"* ]]
    done
    [[ $one == "width.dlt: record 3 ('x'): chunk axis 1 is 3, expected 2, the first chunk's (record 1)" ]]
    [ ! -e x.ckpt ]
}

@test "specs that differ between ranks are refused at start-up, naming the rank" {
    cp "$EX/fish2d.yaml" "$TMP/net0.yaml"
    sed 's/units: 16/units: 8/' "$EX/fish2d.yaml" > "$TMP/net1.yaml"
    run mpi 2 sh -c 'exec dl-train -q -o "$0/x.ckpt" "$0/net$OMPI_COMM_WORLD_RANK.yaml" "$0/f2.dlt"' "$TMP"
    [ "$status" -eq 1 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 1: the effective spec (after --set) differs from rank 0's"* ]]
    [ ! -e "$TMP/x.ckpt" ]
}

@test "ranks resuming from, or initialized from, different checkpoints of the same epoch and step are refused, naming the rank" {
    # ck1 is trained on the labels flipped: another network after as many steps
    # (its columns named as f2.dlt's, which both ranks train on).
    tail -n +2 "$DL_TEST_ROOT/data/fish2d.csv" |
        awk -F, 'BEGIN { print "speed,depth,type" } { print $1 "," $2 "," 1 - $3 }' |
        dl-tensor import -t 1 -o "$TMP/flip.dlt"
    local S=(-q -j 1 -s training.epochs=2 -s training.early_stopping.patience=0)
    dl-train "$EX/fish2d.yaml" "${S[@]}" -o "$TMP/ck0.ckpt" "$TMP/f2.dlt"
    dl-train "$EX/fish2d.yaml" "${S[@]}" -o "$TMP/ck1.ckpt" "$TMP/flip.dlt"
    local R=(-q -j 1 -s training.epochs=4 -s training.early_stopping.patience=0)
    local want="dl-train: rank 1: the CRC-32C of the starting weights, optimizer moments and shuffling state (--resume, --init-from) differs from rank 0's"
    for shared in 0 1; do
        for how in --resume --init-from; do
            run mpi 2 -x DL_MPI_SHARED=$shared sh -c 'd=$1; shift; exec dl-train "$@" "$0" "$d/ck$OMPI_COMM_WORLD_RANK.ckpt" -o "$d/mixed.ckpt" "$d/f2.dlt"' \
                "$how" "$TMP" "$EX/fish2d.yaml" "${R[@]}"
            [ "$status" -eq 1 ]
            [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
            [[ $output == *"$want"* ]]
            [ ! -e "$TMP/mixed.ckpt" ]
        done
    done
    mpi 2 dl-train "$EX/fish2d.yaml" "${R[@]}" --resume "$TMP/ck0.ckpt" -o "$TMP/same.ckpt" "$TMP/f2.dlt"
    [ "$(dl-tensor export --name state.counters "$TMP/same.ckpt" | head -n 1)" -eq 4 ]
}

@test "errors of every rank's sums after the handshake (all weights 0, a class without training rows) are printed once, by rank 0" {
    { echo a,b,y; for i in $(seq 12); do echo "$i,$((2 * i)),$((i % 2))"; done; } |
        dl-tensor import -t 1 -o "$TMP/xy.dlt"
    seq 12 | sed 's/.*/0/' | dl-tensor import --name w > "$TMP/w.dlt"
    cat "$TMP/xy.dlt" "$TMP/w.dlt" > "$TMP/zero.dlt"
    run mpi 3 dl-train -q -s training.validation=0 "$EX/fish2d.yaml" -o "$TMP/x.ckpt" "$TMP/zero.dlt"
    [ "$status" -eq 1 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 0: $TMP/zero.dlt: every training row has weight 0"* ]]
    # class 1 only in --val: balanced weights have none for it
    { echo a,b,y; for i in $(seq 12); do echo "$i,$((2 * i)),0"; done; } |
        dl-tensor import -t 1 -o "$TMP/y0.dlt"
    printf 'a,b,y\n1,2,0\n3,4,1\n5,6,1\n' | dl-tensor import -t 1 -o "$TMP/v.dlt"
    run mpi 3 dl-train -q -s training.class_weight=balanced "$EX/fish2d.yaml" --val "$TMP/v.dlt" \
        -o "$TMP/x.ckpt" "$TMP/y0.dlt"
    [ "$status" -eq 1 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 0: $TMP/v.dlt: record 'y': row 2: class 1 has no training rows"* ]]
    [ ! -e "$TMP/x.ckpt" ]
}

@test "a --val file of fewer rows than processes: empty shares, the validation loss of all its rows; DATA needs a row per process" {
    printf 'speed,depth,type\n1.2,10.5,0\n2.5,5.25,1\n' | dl-tensor import -t 1 -o "$TMP/v2.dlt"
    mpi 3 dl-train "$EX/fish2d.yaml" -q -s training.epochs=3 -s training.early_stopping.patience=0 \
        --val "$TMP/v2.dlt" -o "$TMP/v.ckpt" "$TMP/f2.dlt"
    dl-tensor show "$TMP/v.ckpt" | grep -q '^  validation_rows: 2$'
    # The checkpoint holds the best epoch's weights: their binary cross-entropy
    # on the two rows, -mean(y log p + (1 - y) log(1 - p)), is best_val_loss.
    got=$(dl-tensor show "$TMP/v.ckpt" | awk '$1 == "best_val_loss:" { print $2 }')
    paste <(dl-predict "$TMP/v.ckpt" "$TMP/v2.dlt" | dl-tensor export --name yhat) \
          <(dl-tensor export --name y "$TMP/v2.dlt") |
        awk -v got="$got" '{ s -= $2 * log($1) + (1 - $2) * log(1 - $1) }
            END { want = s / NR; d = (got - want) / want; exit !(NR == 2 && d < 1e-6 && d > -1e-6) }'
    run mpi 3 dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" "$TMP/v2.dlt"
    [ "$status" -eq 1 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 0: $TMP/v2.dlt: 2 rows cannot be shared by 3 processes"* ]]
}

@test "ranks given data of different row counts are refused, the message naming the file" {
    head -n 401 "$DL_TEST_ROOT/data/fish2d.csv" | dl-tensor import -t 1 -o "$TMP/f1.dlt"
    cp "$TMP/f2.dlt" "$TMP/f0.dlt"
    run mpi 2 sh -c 'exec dl-train -q -o "$0/x.ckpt" "$1" "$0/f$OMPI_COMM_WORLD_RANK.dlt"' "$TMP" "$EX/fish2d.yaml"
    [ "$status" -eq 1 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 1: the number of rows of $TMP/f1.dlt differs from rank 0's (400 here, 500 there)"* ]]
}

@test "standard input cannot be shared; a missing plugin is an error, not N lone runs" {
    run mpi 2 dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" < "$TMP/f2.dlt"
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: rank 0: several processes cannot share standard input"* ]]
    run mpi 2 -x DL_MPI_PLUGIN=/nonexistent/mpi.so dl-train "$EX/fish2d.yaml" -q \
        -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: started by mpirun or srun as one of several processes, but the MPI plugin cannot be loaded"* ]]
    [ ! -e "$TMP/x.ckpt" ]
    # one process under mpirun needs no plugin
    mpi 1 -x DL_MPI_PLUGIN=/nonexistent/mpi.so dl-train "$EX/fish2d.yaml" -q \
        -s training.epochs=1 -o "$TMP/x.ckpt" "$TMP/f2.dlt"
}

@test "the spec, --resume's or --init-from's checkpoint on standard input or a FIFO: refused once, not read by rank 0 alone" {
    cd "$TMP"
    dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 -o one.ckpt f2.dlt
    args=(-q -s training.epochs=2 -o x.ckpt)
    run mpi 2 dl-train - "${args[@]}" f2.dlt < "$EX/fish2d.yaml"
    [ "$status" -eq 2 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 0: several processes cannot share standard input: give the spec as a file every process can read"* ]]
    # rank 0 alone prints, but every rank reads the spec
    run mpi 2 dl-train - --print-config < "$EX/fish2d.yaml"
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: rank 0: several processes cannot share standard input: give the spec as a file"* ]]
    run mpi 2 dl-train /dev/stdin "${args[@]}" f2.dlt < "$EX/fish2d.yaml"
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: rank 0: /dev/stdin: several processes cannot share a pipe, a FIFO, a device or standard input: give the spec as a regular file"* ]]
    for opt in --resume --init-from; do
        run mpi 2 dl-train "$EX/fish2d.yaml" "${args[@]}" $opt - f2.dlt < one.ckpt
        [ "$status" -eq 2 ]
        [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
        [[ $output == *"dl-train: rank 0: several processes cannot share standard input: give the checkpoint of $opt as a file every process can read"* ]]
    done
    mkfifo ff
    # a writer that never writes: a process that opened the FIFO would wait
    exec 7<> ff
    run mpi 2 dl-train "$EX/fish2d.yaml" "${args[@]}" --resume ff f2.dlt
    exec 7>&-
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: rank 0: ff: several processes cannot share a pipe, a FIFO, a device or standard input: give the checkpoint of --resume as a regular file"* ]]
    [ ! -e x.ckpt ]
}

@test "one task of srun --mpi=pmix (PMIX_RANK, SLURM_STEP_NUM_TASKS=1) is one process: no plugin needed" {
    PMIX_RANK=0 SLURM_STEP_NUM_TASKS=1 DL_MPI_PLUGIN=/nonexistent/mpi.so \
        dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    [ "$(dl-tensor export --name state.counters "$TMP/x.ckpt" | head -n 1)" -eq 1 ]
}

@test "srun's tasks without PMIx (--mpi=none or pmi2) are refused before MPI starts, naming --mpi=pmix" {
    fails 2 "dl-train: srun started 2 tasks without an MPI launch (no PMIx or PMI in the environment): give srun --mpi=pmix" \
        env SLURM_STEP_NUM_TASKS=2 dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    fails 2 "dl-train: started with PMI but not PMIx (srun --mpi=pmi2?), which this Open MPI cannot join: give srun --mpi=pmix" \
        env SLURM_STEP_NUM_TASKS=2 PMI_RANK=0 PMI_SIZE=2 \
        dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    [ ! -e "$TMP/x.ckpt" ]
}

@test "a FIFO, /dev/stdin or a device as DATA, --val or training.validation: refused like standard input, no hang" {
    mkfifo "$TMP/ff"
    # a writer that never writes: a process that opened the FIFO would wait
    exec 7<> "$TMP/ff"
    run timeout 60 mpirun -np 2 --oversubscribe dl-train "$EX/fish2d.yaml" -q \
        -o "$TMP/x.ckpt" "$TMP/ff"
    exec 7>&-
    [ "$status" -eq 2 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank "[01]": $TMP/ff: several processes cannot share a pipe, a FIFO, a device or standard input: give the data as a regular file"* ]]
    run mpi 2 dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" /dev/stdin < "$TMP/f2.dlt"
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: rank "[01]": /dev/stdin: several processes cannot share a pipe"* ]]
    run mpi 2 dl-train "$EX/fish2d.yaml" -q --val /dev/null -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: rank "[01]": /dev/null: several processes cannot share a pipe"* ]]
    run mpi 2 dl-train "$EX/fish2d.yaml" -q -s training.validation=/dev/null \
        -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: rank "[01]": /dev/null: several processes cannot share a pipe"* ]]
    [ ! -e "$TMP/x.ckpt" ]
}

# Starts a long run on N ranks (each writes its pid to pid.RANK) and waits
# until rank 0 has reported epoch 2, whatever the machine's speed.
start_long() {
    local n=$1
    shift
    cd "$TMP"
    mpirun -np "$n" --oversubscribe sh -c 'echo $$ > pid.$OMPI_COMM_WORLD_RANK; exec "$@"' sh \
        dl-train "$EX/fish2d.yaml" -s training.epochs=1000000000 \
        -s training.early_stopping.patience=0 "$@" -o int.ckpt f2.dlt 2> err &
    job=$!
    for _ in $(seq 600); do
        grep -q '^epoch 2/' err 2> /dev/null && return 0
        sleep 0.2
    done
    return 1
}

# stop_rank SIGNAL RANK: sends SIGNAL to rank RANK of the run start_long
# began, waits for the whole job and sets status to the job's exit status.
stop_rank() {
    kill -"$1" "$(cat "pid.$2")"
    status=0
    wait "$job" || status=$?
    job=
}

@test "a directory as DATA or --val: the read error of one process (exit 3), not a refusal as a pipe" {
    mkdir "$TMP/dir"
    run dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" "$TMP/dir"
    [ "$status" -eq 3 ]
    one=$output
    [ "$one" = "dl-train: $TMP/dir: read failed: Is a directory" ]
    run mpi 2 dl-train "$EX/fish2d.yaml" -q -o "$TMP/x.ckpt" "$TMP/dir"
    [ "$status" -eq 3 ]
    [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
    [[ $output == *"dl-train: rank 0: $TMP/dir: read failed: Is a directory"* ]]
    run mpi 2 dl-train "$EX/fish2d.yaml" -q --val "$TMP/dir" -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 3 ]
    [[ $output == *"dl-train: rank 0: $TMP/dir: read failed: Is a directory"* ]]
    [ ! -e "$TMP/x.ckpt" ]
}

@test "SIGTERM to one rank: rank 0 writes one checkpoint, every rank exits 6, --resume is exact" {
    start_long 2
    stop_rank TERM 1
    [ "$status" -eq 6 ]
    [ "$(grep -c '^dl-train' err)" -eq 1 ]
    done=$(dl-tensor export --name state.counters int.ckpt | head -n 1)
    [ "$done" -ge 2 ]
    grep -q "dl-train: interrupted .*resumes after epoch $done" err
    args=(-q -s training.epochs=$((done + 2)) -s training.early_stopping.patience=0)
    mpi 2 dl-train "$EX/fish2d.yaml" "${args[@]}" --resume int.ckpt -o more.ckpt f2.dlt
    mpi 2 dl-train "$EX/fish2d.yaml" "${args[@]}" -o straight.ckpt f2.dlt
    cmp more.ckpt straight.ckpt
}

@test "a --log line rank 0 cannot write: every rank exits 3 as one process does, one message, no checkpoint" {
    cd "$TMP"
    for opt in --log --diagnostics; do
        rm -f status.*
        # each rank's own status: mpirun's is the first non-zero one to arrive
        run mpi 2 sh -c 'dl-train "$@"; echo $? > status.$OMPI_COMM_WORLD_RANK' sh \
            "$EX/fish2d.yaml" -s training.epochs=50 -s training.early_stopping.patience=0 \
            $opt /dev/full -o net.ckpt f2.dlt
        echo "$opt: $output"
        [ "$(cat status.0) $(cat status.1)" = "3 3" ]
        [ "$(grep -c '^dl-train' <<< "$output")" -eq 1 ]
        [[ $output == *"dl-train: /dev/full: write failed: No space left on device"* ]]
        [ ! -e net.ckpt ]
    done
}

@test "a rank that dies ends the whole job promptly, and no checkpoint is written" {
    start_long 3
    stop_rank KILL 2
    [ "$status" -ne 0 ]
    [ ! -e int.ckpt ]
    # nor a temporary, however rank 0 ended
    [ "$(ls -A)" = "$(printf 'err\nf2.dlt\npid.0\npid.1\npid.2')" ]
}

@test "rank 0 killed while training leaves the old checkpoint and logs, and no checkpoint temporary" {
    echo old > "$TMP/int.ckpt"
    echo old-log > "$TMP/curve.tsv"
    start_long 2 --log curve.tsv --diagnostics diag.tsv
    stop_rank KILL 0
    [ "$status" -ne 0 ]
    [ "$(cat int.ckpt)" = old ]
    [ "$(cat curve.tsv)" = old-log ]
    # the logs' temporaries, followed during the run, stay with the curve so far
    [ "$(ls -A | grep -Ev '^\.(curve|diag)\.tsv\.......$')" = "$(printf 'curve.tsv\nerr\nf2.dlt\nint.ckpt\npid.0\npid.1')" ]
    [ "$(ls -A | grep -cE '^\.(curve|diag)\.tsv\.......$')" -eq 2 ]
}

# f2w.dlt: f2.dlt and row weights 0, 0.5, 1, 1.5 in chunks of 50 after the
# rows (shares cut w as they cut x and y).
weighted_data() {
    tail -n +2 "$DL_TEST_ROOT/data/fish2d.csv" | awk '{ print (NR % 4) * 0.5 }' > "$TMP/w.csv"
    cat "$TMP/f2.dlt" <(dl-tensor import --name w --chunk-rows 50 "$TMP/w.csv") > "$TMP/f2w.dlt"
}

@test "weights: full batch on 2 and 3 ranks gives one process's weighted fit to 1e-5 (the global sum of weights), shared or summed" {
    weighted_data
    dl-train "$EX/fish2d.yaml" -q "${FULL[@]}" -o "$TMP/one.ckpt" "$TMP/f2w.dlt"
    for n in 2 3; do
        for way in shared summed; do
            mpi_way $n $way "$EX/fish2d.yaml" -q "${FULL[@]}" -o "$TMP/n$n.ckpt" "$TMP/f2w.dlt"
            for t in state.layer1.weight state.layer1.bias state.layer3.weight state.optim.m; do
                r=$(max_rel $t "$TMP/n$n.ckpt" "$TMP/one.ckpt")
                echo "$n $way $t $r"
                awk -v r="$r" 'BEGIN { exit !(r < 1e-5) }'
            done
        done
    done
    # the weights matter: the unweighted fit is far
    dl-train "$EX/fish2d.yaml" -q "${FULL[@]}" -o "$TMP/plain.ckpt" "$TMP/f2.dlt"
    r=$(max_rel state.layer1.weight "$TMP/plain.ckpt" "$TMP/one.ckpt")
    awk -v r="$r" 'BEGIN { exit !(r > 1e-3) }'
}

@test "weights and class_weight balanced: minibatches on 3 ranks, the same bits twice, one process's fit closely" {
    weighted_data
    args=(-q -s training.epochs=4 -s training.early_stopping.patience=0
          -s training.class_weight=balanced "$TMP/f2w.dlt")
    mpi 3 dl-train "$EX/fish2d.yaml" "${args[@]}" -o "$TMP/a.ckpt"
    mpi 3 dl-train "$EX/fish2d.yaml" "${args[@]}" -o "$TMP/b.ckpt"
    cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
    dl-train "$EX/fish2d.yaml" "${args[@]}" -o "$TMP/one.ckpt"
    r=$(max_rel layer1.weight "$TMP/a.ckpt" "$TMP/one.ckpt")
    echo "$r"
    awk -v r="$r" 'BEGIN { exit !(r < 1e-4) }'
}

@test "class_weight by name on 2 ranks: every share has y.categories" {
    printf 'model:\n  layers:\n    - {units: 4, activation: tanh}\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 3, batch_size: full, shuffle: false, validation: 0}\n' > "$TMP/ce.yaml"
    data="$DL_TEST_ROOT/tests/fixtures/metrics_names/train3.dlt"
    mpi 2 dl-train "$TMP/ce.yaml" -q -s 'training.class_weight={virginica: 2}' -o "$TMP/n.ckpt" "$data"
    dl-train "$TMP/ce.yaml" -q -s 'training.class_weight={2: 2}' -o "$TMP/one.ckpt" "$data"
    r=$(max_rel state.layer1.weight "$TMP/n.ckpt" "$TMP/one.ckpt")
    awk -v r="$r" 'BEGIN { exit !(r < 1e-5) }'
}
