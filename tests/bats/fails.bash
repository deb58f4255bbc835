# fails STATUS MESSAGE COMMAND...: COMMAND exits with STATUS and its output
# contains MESSAGE.  Shared by dl-tensor.bats, split.bats, summary.bats and
# records.bats.
fails() {
    local want=$1 message=$2
    shift 2
    run "$@"
    [ "$status" -eq "$want" ] || { echo "status $status, wanted $want: $output"; return 1; }
    [[ $output == *"$message"* ]] || { echo "got: $output"; return 1; }
}
