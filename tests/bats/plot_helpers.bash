# Helpers of the dl-plot and dl-eval tests: image checks and streams of CSV
# matrices.

# is_png FILE: a non-empty file with PNG's signature.
is_png() {
    [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

# is_svg FILE: well-formed XML (when xmllint is there) with an svg element.
is_svg() {
    [ -s "$1" ] || return 1
    if command -v xmllint >/dev/null; then
        xmllint --noout "$1"
    fi
    grep -q '<svg' "$1" && grep -q '</svg>' "$1"
}

# mkstream OUT NAME CSV [NAME CSV]...: a stream of the named CSV matrices.
mkstream() {
    local out=$1; shift
    : >"$out"
    while [ $# -gt 0 ]; do
        dl-tensor import --name "$1" "$2" >>"$out" || return 1
        shift 2
    done
}
