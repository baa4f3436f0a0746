# Shared by tests/c/run.sh and tests/c/packaging.sh (sourced, not run):
# `step NAME COMMAND...` runs a step with its output in $OUT/NAME.log (shown
# on failure) and records the outcome; `steps_failed` lists the failures.
# Set OUT (and optionally STEP_WIDTH, the name column) before sourcing.

passed=0
failed=0
failures=()
t_start=$(date +%s)

step() {
    local name=$1
    shift
    local log="$OUT/${name//[^A-Za-z0-9]/_}.log" t0 t1
    t0=$(date +%s)
    if "$@" >"$log" 2>&1; then
        t1=$(date +%s)
        printf "ok   %-${STEP_WIDTH:-58}s %4ss\n" "$name" "$((t1 - t0))"
        passed=$((passed + 1))
    else
        t1=$(date +%s)
        printf "FAIL %-${STEP_WIDTH:-58}s %4ss\n" "$name" "$((t1 - t0))"
        sed 's/^/    | /' "$log" | tail -n 60
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

# Prints the failed steps, if any; true when there were some.
steps_failed() {
    [ "$failed" -gt 0 ] || return 1
    printf 'failed: %s\n' "${failures[@]}"
}
