#!/bin/bash
# reap.sh: drop waits for every process it started (SPEC 7): under a reaper
# that never reaps (a container's pid 1, a CI agent), runs of drop leave no
# zombie and nothing else behind. The reaper is tests/helpers/noreap, a child
# subreaper that inherits what drop leaves and counts it. A SIGKILLed drop
# cannot wait for anything: that case is exempt (net.sh, pty.sh check that its
# processes die, zombies allowed).
# shellcheck disable=SC2016 # quoted $ are for the inner shell
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

NOREAP=$DROP_BUILDDIR/tests/helpers/noreap
if [ ! -x "$NOREAP" ]; then
	not_ok "tests/helpers/noreap is built ($NOREAP; make check builds it)"
	done_testing
fi
make_env x || done_testing
RUNS=20

# noreap_run DESC COMMAND...: COMMAND under noreap; it must succeed and leave nothing.
noreap_run() {
	local desc=$1 out
	shift
	out=$("$NOREAP" -- "$@" 2>"$WORK/noreap.err")
	STATUS=$?
	if [ "$STATUS" -ne 0 ]; then
		not_ok "$desc: exit status $STATUS"
		diag "stderr: $(cat "$WORK/noreap.err")"
		return
	fi
	assert_eq "noreap: inherited 0, zombies 0" "$out" "$desc"
}

# Control: noreap sees what a command leaves for its reaper.
out=$("$NOREAP" -- sh -c '(sleep 0.1 &); (sleep 30 &); true')
assert_eq "noreap: inherited 2, zombies 1" "$out" "control: noreap counts an orphan left running and one left as a zombie"
check "control: noreap ended the orphan it counted" sh -c '! pgrep -u "$(id -u)" -fx "sleep 30" >/dev/null'

noreap_run "$RUNS runs with -n off leave no zombie" \
	sh -c 'for i in $(seq '"$RUNS"'); do "$1" run -e x -n off -- true || exit; done' sh "$DROP"
noreap_run "$RUNS isolated runs (pid 1 and pasta) leave no zombie" \
	sh -c 'for i in $(seq '"$RUNS"'); do "$1" run -e x -n isolated -- true || exit; done' sh "$DROP"
noreap_run "$RUNS isolated runs with -t (pid 1, pasta and drop's [::1] relay) leave no zombie" \
	sh -c 'for i in $(seq '"$RUNS"'); do "$1" run -e x -t "$2" -- true || exit; done' sh "$DROP" "$(random_port)"
noreap_run "$RUNS runs whose program fails leave no zombie" \
	sh -c 'for i in $(seq '"$RUNS"'); do "$1" run -e x -- sh -c "exit 3"; [ $? = 3 ] || exit; done' sh "$DROP"
noreap_run "a run whose command is not found (the set-up fails after the clone) leaves no zombie" \
	sh -c '"$1" run -e x -- no-such-command-xyz 2>/dev/null; [ $? = 127 ]' sh "$DROP"
noreap_run "a run killed by its timeout leaves no zombie" \
	sh -c '"$1" run -e x --timeout 1s -- sleep 30; [ $? = 124 ]' sh "$DROP"

bg_start "$DROP" run -e x -n off -- sh -c 'echo up >/tmp/up; exec sleep 60'
instance_up() { "$DROP" ps 2>/dev/null | grep -q '^x-[0-9]'; }
if wait_for 10 instance_up; then
	INST=$("$DROP" ps | awk '$2 == "x" { print $1; exit }')
	noreap_run "$RUNS drop enter leave no zombie" \
		sh -c 'for i in $(seq '"$RUNS"'); do "$1" enter "$2" -- true || exit; done' sh "$DROP" "$INST"
else
	not_ok "an instance of x runs for drop enter"
fi

done_testing
