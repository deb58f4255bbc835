#!/usr/bin/env bats
# A few bytes of input must not ask for gigabytes or hours: many record
# names, checkpoints that declare huge networks, svmlight indices far beyond
# the data.  Every case either runs in bounded time and memory or is refused
# with one line and a documented status.

setup() {
    TMP=$BATS_TEST_TMPDIR
    GEN=$(dirname "$(command -v dl-tensor)")/../tests
}

# 100,000 one-byte records of distinct names (plus x and y of 100,000 rows):
# a name lookup that scans the names already seen takes minutes on this
# input, a hashed one a fraction of a second; the limit sits far between.
@test "limits: 100,000 distinct record names go through info, shuffle and dl-train's loader" {
    "$GEN/many_records" 100000 > "$TMP/many.dlt"
    run timeout 60 dl-tensor info "$TMP/many.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"r99999"*"u8"*"[1]"*"1 record,"* ]]
    [[ $output == *"x "*"f32"*"[100000, 1]"* ]]
    timeout 60 dl-tensor shuffle --seed 3 "$TMP/many.dlt" -o "$TMP/shuffled.dlt"
    run timeout 60 dl-tensor info "$TMP/shuffled.dlt"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^ *r[0-9]* *u8 *\[1\] *1 record' <<< "$output")" -eq 100000 ]
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining:\n  epochs: 1\n' > "$TMP/lin.yaml"
    timeout 60 dl-train "$TMP/lin.yaml" -q -o "$TMP/c.ckpt" < "$TMP/many.dlt"
    [ -s "$TMP/c.ckpt" ]
}
