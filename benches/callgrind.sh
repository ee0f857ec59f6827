#!/usr/bin/env bash
# Instruction counts (valgrind --tool=callgrind) of mapping vs the serde_json floor over one corpus
# file: stable on noisy shared machines where wall-clock ratios drift. Usage:
#   bash benches/callgrind.sh [file] [iterations]     (default batch-typical-100.json, 5)
# MODES picks the modes (default "floor mapping mapping_flatten"); mode `worker` is the Worker's
# whole pure path (crates/worker/benches/worker_path.rs), `worker_plain` the same without the
# delivery ledger's bookkeeping. Profiles are kept in target/callgrind/
# for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-batch-typical-100.json}
n=${2:-5}
export CARGO_PROFILE_BENCH_DEBUG=true CARGO_TARGET_DIR=target/profiling
bench_bin() { # package, bench target
  cargo bench -p "$1" --bench "$2" --no-run --message-format=json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){if(!l)continue;const m=JSON.parse(l);if(m.executable&&m.target.name===process.argv[1])console.log(m.executable)}})' "$2"
}
bin=$(bench_bin segment-bloomreach profile)
worker_bin=$(bench_bin segment-bloomreach-worker worker_path)
"$bin" floor "$file" 1 >/dev/null # writes the corpus if it is missing
command_for() { # mode, iterations: the command line, in the array `cmd`
  case $1 in
    worker) cmd=("$worker_bin" "$file" "$2") ;;
    worker_plain) cmd=("$worker_bin" "$file" "$2" plain) ;;
    *) cmd=("$bin" "$1" "$file" "$2") ;;
  esac
}
mkdir -p target/callgrind
declare -A ir
for mode in ${MODES:-floor mapping mapping_flatten}; do
  # The setup (reading the corpus, settings) is the same in every mode: count it once and subtract.
  for k in 0 "$n"; do
    out=target/callgrind/$mode-$k.out
    command_for "$mode" "$k"
    valgrind --tool=callgrind --callgrind-out-file="$out" "${cmd[@]}" >/dev/null 2>&1
    ir[$mode-$k]=$(grep -m1 '^summary:' "$out" | cut -d' ' -f2)
  done
  ir[$mode]=$(((${ir[$mode-$n]} - ${ir[$mode-0]}) / n))
done
# Each mode's count, and its ratio to the floor when the floor was counted.
for mode in ${MODES:-floor mapping mapping_flatten}; do
  if [[ -n ${ir[floor]:-} && $mode != floor ]]; then
    printf '%s: %s %d instructions per run (%.2fx the floor)\n' "$file" "$mode" "${ir[$mode]}" "$(echo "${ir[$mode]}/${ir[floor]}" | bc -l)"
  else
    printf '%s: %s %d instructions per run\n' "$file" "$mode" "${ir[$mode]}"
  fi
done
echo "annotate: callgrind_annotate --inclusive=yes target/callgrind/<mode>-$n.out | head -60"
