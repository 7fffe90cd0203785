#!/usr/bin/env bash
# Side-by-side benchmark, in one run, on the same synthetic documents:
#   clusterdoc batch build (PDF; PDF+DOCX) with --jobs 1 and all cores,
#   the Typst CLI compiling the same layout and document data once per
#   document (serially, and as many processes at once as cores),
#   LibreOffice converting our DOCX files to PDF (one process per file, and
#   all files in one call),
# plus a cold single order, a no-op rebuild, an archive export, the build
# and the export at a second, larger N (once each: their peak RSS is the
# figure), and instruction counts against the Typst CLI. Whole-process
# times and peak RSS from /usr/bin/time, the peak of a command's processes
# together from bench/tree_memory.py; each time is the median of RUNS runs,
# each memory figure the largest.
#
#   bench/compare.sh [N] [RUNS]      defaults: 1000 documents, 3 runs
#   BIG_N=0 bench/compare.sh         skip the large N (default 20000)
#   CALLGRIND_N=0 bench/compare.sh   skip the instruction counts (default:
#                                    50 documents under callgrind, both sides)
#
# Writes its work under target/bench/ and the table to
# target/bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000}
RUNS=${2:-3}
BIG_N=${BIG_N:-20000}
CALLGRIND_N=${CALLGRIND_N:-50}
LO_FILES=${LO_FILES:-20}
CORES=$(nproc)
WORK=target/bench
BIN=target/release/clusterdoc
TYPST_VERSION=0.15.1

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

command -v /usr/bin/time >/dev/null || { as_root apt-get install -y -qq time >/dev/null; }
if ! command -v soffice >/dev/null 2>&1; then
    echo "installing libreoffice-writer-nogui (Debian)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null
fi
if ! typst --version 2>/dev/null | grep -q "$TYPST_VERSION"; then
    echo "typst $TYPST_VERSION missing: cargo install typst-cli --version $TYPST_VERSION --locked"
    started=$(date +%s)
    cargo install typst-cli --version "$TYPST_VERSION" --locked --quiet
    echo "typst-cli installed in $(($(date +%s) - started)) s"
fi

cargo build --release --locked --quiet
rm -rf "$WORK"
mkdir -p "$WORK"
"$BIN" --quiet bench-data --docs "$N" "$WORK/data"
RESULTS=$WORK/rows.tsv
: >"$RESULTS"

# measure LABEL DOCS PREPARE COMMAND...: runs PREPARE then COMMAND, RUNS
# times; records the median wall time, the largest peak RSS of one process
# and the largest peak of all its processes together (a build with several
# jobs renders in worker processes: bench/tree_memory.py).
measure() {
    local label=$1 docs=$2 prepare=$3
    shift 3
    local times=$WORK/times.txt
    : >"$times"
    for _ in $(seq "$RUNS"); do
        eval "$prepare"
        python3 bench/tree_memory.py "$WORK/tree.txt" \
            /usr/bin/time -f "%e %M" -o "$WORK/one.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
            cat "$WORK/stderr.txt" >&2
            echo "failed: $label" >&2
            exit 1
        }
        echo "$(tail -n 1 "$WORK/one.txt") $(cut -d' ' -f1 "$WORK/tree.txt")" >>"$times"
    done
    python3 - "$label" "$docs" "$times" >>"$RESULTS" <<'EOF'
import statistics, sys
label, docs, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [line.split() for line in open(path) if line.strip()]
wall = statistics.median(float(r[0]) for r in rows)
rss = max(int(r[1]) for r in rows) / 1024
tree = max(int(r[2]) for r in rows) / 1024
print(f"{label}\t{docs}\t{wall:.3f}\t{rss:.0f}\t{tree:.0f}")
EOF
    echo "  $(tail -n 1 "$RESULTS" | cut -f1,3,4,5 --output-delimiter='  ')" >&2
}

CD=("$BIN" --quiet --data "$WORK/data" --out "$WORK/out")
fresh='rm -rf "$WORK/out"'

echo "clusterdoc, $N documents" >&2
measure "clusterdoc PDF, 1 job" "$N" "$fresh" "${CD[@]}" --jobs 1 build --format pdf
measure "clusterdoc PDF, $CORES jobs" "$N" "$fresh" "${CD[@]}" --jobs "$CORES" build --format pdf
measure "clusterdoc PDF+DOCX, 1 job" "$N" "$fresh" "${CD[@]}" --jobs 1 build
measure "clusterdoc PDF+DOCX, $CORES jobs" "$N" "$fresh" "${CD[@]}" --jobs "$CORES" build
measure "clusterdoc no-op rebuild" "$N" ":" "${CD[@]}" build
measure "clusterdoc export (PDF/A-2b+DOCX)" "$N" 'rm -rf "$WORK/archive"' "${CD[@]}" export --to "$WORK/archive"
measure "clusterdoc cold single order (sample)" 1 'rm -rf "$WORK/single"' \
    "$BIN" --quiet --data data --out "$WORK/single" build data/primorsky/orders/1064-a.yaml

# The Typst CLI typesets the very same layout (templates/typst) and document
# data, which clusterdoc writes with --format json; one process per document.
echo "typst CLI" >&2
rm -rf "$WORK/typst"
mkdir -p "$WORK/typst/docs"
cp templates/typst/*.typ "$WORK/typst/"
printf '#import "/lib.typ": render\n#render(json(sys.inputs.data))\n' >"$WORK/typst/bench.typ"
"${CD[@]}" build --force --format json
find "$WORK/out" -mindepth 2 -name '*.json' -exec cp {} "$WORK/typst/docs/" \;
ls "$WORK/typst/docs" | sed 's/\.json$//' >"$WORK/typst/list.txt"
cat >"$WORK/typst/one.sh" <<EOF
#!/bin/sh
exec typst compile --root "$WORK/typst" --font-path fonts --ignore-system-fonts \
    --input data="/docs/\$1.json" "$WORK/typst/bench.typ" "$WORK/typst/pdf/\$1.pdf"
EOF
chmod +x "$WORK/typst/one.sh"
typst_fresh='rm -rf "$WORK/typst/pdf"; mkdir -p "$WORK/typst/pdf"'
measure "typst CLI, 1 process at a time" "$N" "$typst_fresh" \
    xargs -a "$WORK/typst/list.txt" -n 1 -P 1 "$WORK/typst/one.sh"
measure "typst CLI, $CORES processes at a time" "$N" "$typst_fresh" \
    xargs -a "$WORK/typst/list.txt" -n 1 -P "$CORES" "$WORK/typst/one.sh"

# LibreOffice converts the first LO_FILES of our DOCX files; clusterdoc's
# figure for the same files is its PDF+DOCX batch rate.
echo "LibreOffice, $LO_FILES documents" >&2
rm -rf "$WORK/lo"
mkdir -p "$WORK/lo/docx" "$WORK/lo/profile"
"${CD[@]}" build --format docx
find "$WORK/out" -name '*.docx' | sort | sed -n "1,${LO_FILES}p" | xargs -I{} cp {} "$WORK/lo/docx/"
soffice_cmd="soffice -env:UserInstallation=file://$PWD/$WORK/lo/profile --headless --convert-to pdf --outdir $WORK/lo/pdf"
# The first start creates the user profile (and may exit with 81, "restart
# required"); not counted.
$soffice_cmd "$WORK/lo/docx/$(ls "$WORK/lo/docx" | sed -n 1p)" >/dev/null 2>&1 || true
lo_fresh='rm -rf "$WORK/lo/pdf"'
measure "LibreOffice, one process per file" "$LO_FILES" "$lo_fresh" \
    sh -c "for f in $WORK/lo/docx/*.docx; do $soffice_cmd \"\$f\" || exit 1; done"
measure "LibreOffice, all files in one call" "$LO_FILES" "$lo_fresh" \
    sh -c "$soffice_cmd $WORK/lo/docx/*.docx"

if [ "$BIG_N" -gt 0 ]; then
    echo "clusterdoc, $BIG_N documents" >&2
    rm -rf "$WORK/data-big"
    "$BIN" --quiet bench-data --docs "$BIG_N" "$WORK/data-big"
    BIG=("$BIN" --quiet --data "$WORK/data-big" --out "$WORK/out-big")
    RUNS=1 measure "clusterdoc PDF+DOCX, $CORES jobs, N=$BIG_N" "$BIG_N" 'rm -rf "$WORK/out-big"' \
        "${BIG[@]}" build
    RUNS=1 measure "clusterdoc export (PDF/A-2b+DOCX), N=$BIG_N" "$BIG_N" 'rm -rf "$WORK/archive-big"' \
        "${BIG[@]}" export --to "$WORK/archive-big"
    "$BIN" verify "$WORK/archive-big" >&2
    rm -rf "$WORK/out-big" "$WORK/archive-big"
fi

# Instructions (callgrind) for the same CALLGRIND_N documents: clusterdoc's
# PDF build in one process, and the Typst CLI once per document.
: >"$WORK/instructions.tsv"
if [ "$CALLGRIND_N" -gt 0 ]; then
    command -v valgrind >/dev/null || { as_root apt-get install -y -qq valgrind >/dev/null; }
    echo "callgrind, $CALLGRIND_N documents" >&2
    rm -rf "$WORK/cg" "$WORK/typst/pdf" && mkdir -p "$WORK/cg/out" "$WORK/typst/pdf"
    "$BIN" --quiet bench-data --docs "$CALLGRIND_N" "$WORK/cg/data"
    "$BIN" --quiet --data "$WORK/cg/data" --out "$WORK/cg/json" build --format json
    find "$WORK/cg/json" -mindepth 2 -name '*.json' -exec cp {} "$WORK/typst/docs/" \;
    ls "$WORK/cg/json"/*/ | sed -n 's/\.json$//p' >"$WORK/cg/list.txt"
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg/ours.%p" \
        "$BIN" --quiet --data "$WORK/cg/data" --out "$WORK/cg/out" --jobs 1 build --format pdf 2>/dev/null
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$WORK/cg/typst.%p" \
        xargs -a "$WORK/cg/list.txt" -n 1 -P 1 "$WORK/typst/one.sh" 2>/dev/null
    # %d stops at 2 147 483 647 in Debian's awk (mawk); a count is more.
    total() { cat "$@" | sed -n 's/^summary: //p' | awk '{s += $1} END {printf "%.0f", s}'; }
    printf '%s\t%s\t%s\n' "clusterdoc PDF, 1 job" "$CALLGRIND_N" "$(total "$WORK"/cg/ours.*)" >>"$WORK/instructions.tsv"
    printf '%s\t%s\t%s\n' "typst CLI, 1 process per document" "$CALLGRIND_N" "$(total "$WORK"/cg/typst.*)" >>"$WORK/instructions.tsv"
fi

python3 - "$RESULTS" "$CORES" "$N" "$RUNS" "$WORK/instructions.tsv" <<'EOF' | tee "$WORK/results.md"
import sys
path, cores, n, runs, instr = sys.argv[1:6]
rows = [line.rstrip("\n").split("\t") for line in open(path)]
# A run shorter than /usr/bin/time's 10 ms, or than the 0.1 s between
# samples of its processes' memory, has no figure.
rate = {r[0]: int(r[1]) / float(r[2]) for r in rows if float(r[2]) > 0}
print(f"{n} documents, {cores} cores, median of {runs} runs\n")
print("| run | docs | wall, s | docs/s | ms/doc | peak RSS of one process, MB | peak of all its processes (PSS), MB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for label, docs, wall, rss, tree in rows:
    docs, wall = int(docs), float(wall)
    per_second = f"{docs / wall:.1f}" if wall > 0 else "–"
    tree = tree if tree != "0" else "–"
    print(f"| {label} | {docs} | {wall:.2f} | {per_second} | {1000 * wall / docs:.1f} | {rss} | {tree} |")
def ratio(ours, theirs):
    return f"{rate[ours] / rate[theirs]:.2f}×"
print()
print("| ratio (docs/s) | value |")
print("|---|---:|")
print(f"| clusterdoc PDF : typst CLI, 1 at a time | {ratio('clusterdoc PDF, 1 job', 'typst CLI, 1 process at a time')} |")
print(f"| clusterdoc PDF : typst CLI, {cores} at a time | {ratio(f'clusterdoc PDF, {cores} jobs', f'typst CLI, {cores} processes at a time')} |")
print(f"| clusterdoc PDF+DOCX : LibreOffice, one call | {ratio(f'clusterdoc PDF+DOCX, {cores} jobs', 'LibreOffice, all files in one call')} |")
print(f"| clusterdoc PDF+DOCX : LibreOffice, one process per file | {ratio(f'clusterdoc PDF+DOCX, {cores} jobs', 'LibreOffice, one process per file')} |")
counts = [line.rstrip("\n").split("\t") for line in open(instr)]
if len(counts) == 2:
    print()
    print("| instructions (callgrind) | docs | total | per document |")
    print("|---|---:|---:|---:|")
    for label, docs, total in counts:
        print(f"| {label} | {docs} | {int(total):,} | {int(total) // int(docs):,} |")
    print(f"| ratio, typst CLI : clusterdoc | | {int(counts[1][2]) / int(counts[0][2]):.2f}× | |")
EOF
