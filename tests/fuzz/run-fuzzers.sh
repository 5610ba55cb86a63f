#!/usr/bin/env bash
# The `fuzz` suite: builds the libFuzzer harnesses of tests/fuzz in a clang build dir of their
# own (once; later runs only rebuild what changed), replays every input under regress/, then
# runs each fuzzer for a bounded time from its seed corpus. Fails on any crash, leak, UBSan
# report or timeout, naming the input that caused it. Skips (77) without clang or libFuzzer.
#
# NCVIRT_FUZZ_SECONDS  seconds per fuzzer (default 25: 13 fuzzers in about 6 minutes)
# NCVIRT_FUZZERS       the fuzzers to run, e.g. "xml-domain vnc" (default: all)
# NCVIRT_FUZZ_BUILDDIR the clang build dir (default: fuzz-build next to the tests' build dir)
set -uo pipefail

srcdir=${NCVIRT_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
builddir=${NCVIRT_FUZZ_BUILDDIR:-${NCVIRT_BUILDDIR:-$srcdir/build/tests}/../fuzz-build}
seconds=${NCVIRT_FUZZ_SECONDS:-25}
fuzzdir=$srcdir/tests/fuzz

skip() {
    echo "SKIP: $*"
    exit 77
}

command -v clang >/dev/null || skip "clang is not installed (scripts/bootstrap installs it)"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' \
    >"$probe/probe.c"
clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" 2>"$probe/err" ||
    skip "clang cannot link libFuzzer (Debian: libclang-rt-dev): $(head -n 1 "$probe/err")"

if [[ ! -f $builddir/build.ninja ]]; then
    echo "fuzz: configuring $builddir with clang"
    rm -rf "$builddir"
    if ! CC=clang meson setup "$builddir" "$srcdir" -Dfuzz=enabled -Dtests=disabled \
        >"$probe/setup.log" 2>&1; then
        tail -n 30 "$probe/setup.log"
        echo "fuzz: meson setup failed"
        exit 1
    fi
fi
if ! ninja -C "$builddir" fuzzers >"$probe/build.log" 2>&1; then
    tail -n 40 "$probe/build.log"
    echo "fuzz: building the fuzzers failed"
    exit 1
fi

if [[ -n ${NCVIRT_FUZZERS:-} ]]; then
    read -r -a names <<<"$NCVIRT_FUZZERS"
else
    names=()
    for src in "$fuzzdir"/fuzz-*.c; do
        name=$(basename "$src" .c)
        names+=("${name#fuzz-}")
    done
fi

# Any sanitizer report is a failure: stop at the first one, leaks included.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C.UTF-8

failed=0
summary=()
start=$SECONDS
for name in "${names[@]}"; do
    exe=$builddir/tests/fuzz/fuzz-$name
    if [[ ! -x $exe ]]; then
        echo "fuzz-$name: not built ($exe missing)"
        failed=1
        continue
    fi
    log=$builddir/fuzz-$name.log
    crashes=$builddir/crashes
    mkdir -p "$crashes" "$builddir/corpus/$name"

    # The crashes found before, fixed since: each input runs once and must pass.
    regress=("$fuzzdir/regress/$name"/*)
    if [[ -e ${regress[0]} ]]; then
        if ! "$exe" "${regress[@]}" >"$log" 2>&1; then
            tail -n 40 "$log"
            echo "fuzz-$name: a regression input crashes again (log: $log)"
            failed=1
            continue
        fi
    fi

    # New inputs go to the build dir's corpus (the first directory), never to the source tree.
    "$exe" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/$name-" "$builddir/corpus/$name" "$fuzzdir/corpus/$name" \
        >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    line="fuzz-$name: ${runs:-?} runs, ${rate:-?} exec/s"
    if ((status != 0)); then
        tail -n 40 "$log"
        input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        line+=", FAILED (exit $status); input: ${input:-none written}; log: $log"
        failed=1
    fi
    echo "$line"
    summary+=("$line")
done

echo "---"
printf '%s\n' "${summary[@]}"
echo "fuzz: ${#names[@]} fuzzers, ${seconds} s each, $((SECONDS - start)) s in all"
exit "$failed"
