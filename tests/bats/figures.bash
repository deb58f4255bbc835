# The figures the documentation quotes, checked against what the tools print
# (examples.bats, readme.bats, dl-train.bats).
#
# A document marks each figure in a comment its readers do not see, a line
#   figure "PHRASE" FILE [COLUMN=VALUE ...] COLUMN
# inside a Markdown <!-- ... --> comment of its own lines, or after roff's .\"
# marker.
# PHRASE is the text as it reads, {} in place of the figure; FILE is a TSV with
# a header, whose COLUMN=VALUE pairs pick one row and whose last COLUMN is
# the figure.  Output quoted whole (an indented or fenced block) follows a
# line
#   <!-- output: FILE [words for the reader] -->
# and each of its lines but "..." must be a line of FILE.  A leading out/ of
# FILE is the directory the check is given (a lesson's OUT=).
#
# A figure matches a value when it is the value rounded to the digits the text
# shows: 0.87 stands for 0.866667, 17 for 17.07, 0.092544 for 0.0925441, but
# 0.0925441 not for 0.092544.  A last word ~TOL after COLUMN widens that by
# TOL, for a figure that the last bits of a machine's arithmetic can move
# (one sample more or less right, of a test set of 100: ~0.01): a run is
# bit-identical on one machine, not across processors and their libraries.

# (No backslash: awk -v would read it as an escape.)
FIGURE_NUM='-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?'

# awk's near(FIGURE, VALUE): VALUE rounds to FIGURE, or FIGURE is VALUE's text.
FIGURE_NEAR='
function near(fig, val,   m, e, d, diff) {
    if (fig == val) return 1
    if (fig !~ "^" num "$" || val !~ "^" num "$") return 0
    m = fig; e = 0
    if (match(fig, /[eE]/)) { e = substr(fig, RSTART + 1) + 0; m = substr(fig, 1, RSTART - 1) }
    d = index(m, ".") ? length(m) - index(m, ".") : 0
    diff = val - fig
    if (diff < 0) diff = -diff
    return diff <= 0.5 * 10 ^ (e - d) * (1 + 1e-9)
}'

# doc_prose DOC: DOC's text on one line, comments left out, whitespace
# squeezed; roff requests and font and dash escapes taken away.
doc_prose() {
    awk '
        FILENAME ~ /\.[1-9]$/ {
            if (/^\.\\"/) next
            if (/^\./) sub(/^\.[A-Za-z]+[ \t]*/, "")
            gsub(/\\f[BIRP]/, ""); gsub(/\\-/, "-"); gsub(/\\\(aq/, "\047")
            printf "%s ", $0
            next
        }
        {
            line = $0; text = ""
            while (line != "") {
                if (comment) {
                    i = index(line, "-->")
                    if (!i) break
                    line = substr(line, i + 3); comment = 0
                } else {
                    i = index(line, "<!--")
                    if (!i) { text = text line; break }
                    text = text substr(line, 1, i - 1); line = substr(line, i + 4); comment = 1
                }
            }
            printf "%s ", text
        }' "$1" | tr -s ' \t' ' '
}

# figure_path DIR FILE: FILE under DIR (a leading out/ dropped).
figure_path() { printf '%s/%s\n' "$1" "${2#out/}"; }

# tsv_cell FILE COLUMN=VALUE... COLUMN: the cell of the one row picked.
tsv_cell() {
    local file=$1; shift
    local sel=("${@:1:$#-1}") col=${*: -1}
    awk -F '\t' -v col="$col" -v sel="${sel[*]}" '
        NR == 1 {
            for (i = 1; i <= NF; i++) c[$i] = i
            n = split(sel, pair, " ")
            for (k = 1; k <= n; k++) {
                eq = index(pair[k], "="); key[k] = substr(pair[k], 1, eq - 1); want[k] = substr(pair[k], eq + 1)
                if (!(key[k] in c)) { print "no column " key[k] > "/dev/stderr"; exit 2 }
            }
            if (!(col in c)) { print "no column " col > "/dev/stderr"; exit 2 }
            next
        }
        { for (k = 1; k <= n; k++) if ($c[key[k]] != want[k]) next; rows++; cell = $c[col] }
        END { if (rows != 1) { print rows + 0 " rows match " sel > "/dev/stderr"; exit 3 } print cell }' "$file"
}

# figures_in TEXT PHRASE: every figure at the {} of PHRASE in TEXT, one a line.
figures_in() {
    # (Through the environment: awk -v would read backslashes as escapes.)
    FIGURE_TEXT=$1 FIGURE_PHRASE=$2 awk -v num="$FIGURE_NUM" 'BEGIN {
        text = ENVIRON["FIGURE_TEXT"]; phrase = ENVIRON["FIGURE_PHRASE"]
        at = index(phrase, "{}"); pre = substr(phrase, 1, at - 1); post = substr(phrase, at + 2)
        key = pre != "" ? pre : post
        for (from = 1; (i = index(substr(text, from), key)) > 0; from += i) {
            start = from + i - 1
            if (pre != "") {
                rest = substr(text, start + length(pre))
                if (!match(rest, "^" num)) continue
                fig = substr(rest, 1, RLENGTH); after = substr(rest, RLENGTH + 1)
            } else {
                if (!match(substr(text, 1, start - 1), num "$")) continue
                fig = substr(text, RSTART, RLENGTH); after = substr(text, start)
            }
            if (substr(after, 1, length(post)) == post) print fig
        }
    }'
}

# check_figures DOC DIR: every figure DOC marks is its FILE's value under DIR.
check_figures() {
    local doc=$1 dir=$2 prose spec phrase words value fig checked=0 bad=0
    prose=$(doc_prose "$doc")
    while IFS= read -r spec; do
        phrase=${spec#*\"}; phrase=${phrase%%\"*}
        if [[ $phrase != *"{}"* ]]; then
            echo "$doc: figure \"$phrase\": no {} in the phrase" >&2; bad=1; continue
        fi
        read -r -a words <<< "${spec#*\"*\"}"
        local tol=0
        if [[ ${words[-1]} == "~"* ]]; then
            tol=${words[-1]#"~"}; unset 'words[-1]'
        fi
        if ! value=$(tsv_cell "$(figure_path "$dir" "${words[0]}")" "${words[@]:1}"); then
            echo "$doc: figure \"$phrase\": no value in ${words[*]}" >&2; bad=1; continue
        fi
        local figs=()
        mapfile -t figs < <(figures_in "$prose" "$phrase")
        if [ "${#figs[@]}" -eq 0 ]; then
            echo "$doc: figure \"$phrase\": the text has no such phrase" >&2; bad=1; continue
        fi
        for fig in "${figs[@]}"; do
            if ! awk -v f="$fig" -v v="$value" -v t="$tol" -v num="$FIGURE_NUM" "$FIGURE_NEAR"'
                    BEGIN { d = f - v; exit !(near(f, v) || (d < 0 ? -d : d) <= t * (1 + 1e-9)) }'; then
                echo "$doc: \"${phrase/\{\}/$fig}\": the run gives $value (${words[*]})" >&2; bad=1
            fi
        done
        checked=$((checked + 1))
    done < <(sed -n -e 's/^figure "/"/p' -e 's/^\.\\" figure "/"/p' "$doc")
    [ "$checked" -gt 0 ] || { echo "$doc: no figure marked" >&2; bad=1; }
    return "$bad"
}

# lines_in BLOCK FILE: every line of BLOCK (a file) but "..." is a line of
# FILE, field by field, a number standing for its value rounded.
lines_in() {
    awk -v num="$FIGURE_NUM" "$FIGURE_NEAR"'
        FILENAME == ARGV[1] { n++; nf[n] = split($0, f); for (i = 1; i <= nf[n]; i++) out[n, i] = f[i]; next }
        $0 ~ /^[ \t]*(\.\.\.)?[ \t]*$/ { next }
        {
            k = split($0, f)
            for (m = 1; m <= n; m++) {
                if (nf[m] != k) continue
                for (i = 1; i <= k && near(f[i], out[m, i]); i++) ;
                if (i > k) next
            }
            print "not in the output: " $0 > "/dev/stderr"; bad = 1
        }
        END { exit bad }' "$2" "$1"
}

# check_outputs DOC DIR: every block DOC quotes after "<!-- output: FILE -->"
# is in FILE under DIR.
check_outputs() {
    local doc=$1 dir=$2 file blocks k bad=0
    blocks=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/blocks.XXXXXX")
    awk -v dir="$blocks" '
        /^<!-- output: [^ ]+( .*)? -->$/ { k++; print $3 > (dir "/" k ".file"); want = 1; fence = 0; next }
        want && /^$/ { next }
        want && /^```/ { fence = !fence; if (!fence) want = 0; next }
        want && (fence || /^    /) { sub(/^    /, ""); print > (dir "/" k ".block"); next }
        { want = 0 }' "$doc"
    for file in "$blocks"/*.file; do
        [ -e "$file" ] || { echo "$doc: no output marked" >&2; return 1; }
        k=${file%.file}
        [ -s "$k.block" ] || { echo "$doc: no block after output $(cat "$file")" >&2; bad=1; continue; }
        lines_in "$k.block" "$(figure_path "$dir" "$(cat "$file")")" || { echo "$doc: output $(cat "$file")" >&2; bad=1; }
    done
    return "$bad"
}
