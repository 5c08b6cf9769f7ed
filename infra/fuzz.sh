#!/usr/bin/env bash
# Builds EDAL's libFuzzer binary (Fuzz/, fuzzer + address sanitizers) and runs each target.
#   infra/fuzz.sh                 every target for FUZZ_SECONDS (default 60) seconds
#   infra/fuzz.sh xml bson        only these targets
#   infra/fuzz.sh --smoke         every target for a few seconds, and every saved regression input once
# Seeds come from Fuzz/Corpus/TARGET (read only); what the fuzzer learns goes to .fuzz/corpus/TARGET,
# crashes to .fuzz/artifacts/TARGET. Prints executions and coverage per target; exits non-zero on
# any crash, sanitizer report, leak, timeout or out-of-memory.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SWIFT="${SWIFT:-swift}"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
SMOKE=0
TARGETS=()
for arg in "$@"; do
    case "$arg" in
        --smoke) SMOKE=1; SECONDS_PER_TARGET="${FUZZ_SMOKE_SECONDS:-4}" ;;
        -*) echo "fuzz: unknown option $arg" >&2; exit 2 ;;
        *) TARGETS+=("$arg") ;;
    esac
done
ALL=(notification form-decoding xml aws-error bson credentials profile-file)
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=("${ALL[@]}")

log() { echo "fuzz: $*" >&2; }

log "building the fuzz targets (Fuzz/, -sanitize=fuzzer,address)"
"$SWIFT" build --package-path Fuzz --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing 2>&1 \
    | grep -v -e "ld.gold: warning: Cannot export local symbol" -e "^\[[0-9]*/[0-9]*\] Compiling" || true
BIN="$("$SWIFT" build --package-path Fuzz --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing --show-bin-path)/edal-fuzz"
[ -x "$BIN" ] || { log "the build did not produce $BIN"; exit 1; }

failed=0
mkdir -p .fuzz
summary=".fuzz/summary.txt"
printf '%-14s %8s %12s %10s %8s %8s %7s  %s\n' target seconds executions "exec/s" edges features corpus result | tee "$summary"
for target in "${TARGETS[@]}"; do
    corpus=".fuzz/corpus/$target"; artifacts=".fuzz/artifacts/$target/"; out=".fuzz/$target.log"
    mkdir -p "$corpus" "$artifacts"
    [ -d "Fuzz/Corpus/$target" ] || { log "no seed corpus Fuzz/Corpus/$target"; failed=1; continue; }
    result=ok
    # Saved regression inputs first: each must run clean.
    if [ -d "Fuzz/Regressions/$target" ] && [ -n "$(ls -A "Fuzz/Regressions/$target")" ]; then
        if ! EDAL_FUZZ_TARGET="$target" "$BIN" -runs=1 Fuzz/Regressions/"$target"/* > "$out.regressions" 2>&1; then
            result="REGRESSION (see $out.regressions)"; failed=1
        fi
    fi
    started=$(date +%s)
    EDAL_FUZZ_TARGET="$target" "$BIN" "$corpus" "Fuzz/Corpus/$target" -max_total_time="$SECONDS_PER_TARGET" \
        -print_final_stats=1 -artifact_prefix="$artifacts" -max_len=65536 -timeout=10 -rss_limit_mb=4096 > "$out" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - started ))
    if [ "$status" -ne 0 ]; then
        result="FAILED (exit $status; $(ls "$artifacts" | head -n 1 | sed "s|^|$artifacts|"); log $out)"; failed=1
        grep -m 3 -E "ERROR: |Fatal error|property violated" "$out" | sed 's/^/    /' >&2
    fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$out" | grep ' cov: ' | tail -n 1)
    edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    features=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corpus_size=$(ls "$corpus" | wc -l)
    rate=$(( ${executions:-0} / (elapsed > 0 ? elapsed : 1) ))
    printf '%-14s %8s %12s %10s %8s %8s %7s  %s\n' "$target" "$elapsed" "${executions:-?}" "$rate" "${edges:-?}" "${features:-?}" "$corpus_size" "$result" | tee -a "$summary"
done
[ "$SMOKE" -eq 1 ] && log "smoke run: $SECONDS_PER_TARGET s per target (make fuzz runs each for FUZZ_SECONDS, default 60)"
exit "$failed"
