#!/bin/bash
# ops.sh: operations (SPEC 6, 7): drop doctor, drop ps, limits (memory, pids,
# cpus, timeout, max_output) and the --report JSON, with the real binary.
# shellcheck disable=SC2016,SC2317 # quoted $ are for the sandbox's shell; helpers run via wait_for
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

make_env x || done_testing

# json FILE EXPR: print EXPR evaluated by python3 with r = the parsed report
# (prints "INVALID: ..." when FILE is not exactly one JSON object).
json() {
	python3 - "$1" "$2" <<-'EOF'
		import json, sys
		try:
		    with open(sys.argv[1], encoding="utf-8") as f:
		        r = json.load(f)
		    assert isinstance(r, dict)
		except Exception as e:
		    print("INVALID:", e)
		    sys.exit(0)
		print(eval(sys.argv[2]))
	EOF
}

now_ms() { date +%s%3N; }

# ---- drop doctor

run_drop doctor
assert_status 0 "doctor exits 0 where drop run works"
assert_match "$OUT" '^ok +user namespaces: ' "doctor: the namespace probe is ok"
assert_match "$OUT" '^ok +pasta: /' "doctor: pasta found, with its path"
assert_match "$OUT" '^ok +kernel features: openat2, mount_setattr, pidfd_open, seccomp' "doctor: kernel features"
assert_match "$OUT" '^(ok|warn) +cgroup v2 delegation: ' "doctor: a cgroup delegation line"
for knob in user.max_user_namespaces kernel.unprivileged_userns_clone kernel.apparmor_restrict_unprivileged_userns; do
	assert_match "$OUT" "^(ok|warn|fail) +$knob" "doctor: a line for $knob"
done
assert_match "$OUT" '^(ok|warn|fail) +SELinux: ' "doctor: SELinux mode"
assert_match "$OUT" '^(ok|warn|fail) +AppArmor: ' "doctor: AppArmor mode"
assert_eq "" "$(printf '%s\n' "$OUT" | grep -Ev '^(ok  |warn|fail)  [^ ]')" "doctor: every line is 'ok|warn|fail  message'"
assert_eq "" "$(printf '%s\n' "$OUT" | grep -E '^(warn|fail) ' | grep -v '; fix: ')" "doctor: every warn/fail line says the fix"
if printf '%s\n' "$OUT" | grep -q '^ok *cgroup v2 delegation'; then CGROUP2=1; else CGROUP2=0; fi

# A real failure: user namespaces exhausted (max 0) inside a namespace of our own.
run_cmd unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$1" doctor' _ "$DROP"
assert_status 1 "doctor exits 1 when user namespaces cannot be created"
assert_match "$OUT" '^fail +user namespaces: .*; fix: ' "doctor: the probe fails, with a fix"
assert_match "$OUT" '^fail +user.max_user_namespaces is 0' "doctor: names the sysctl at 0"
# No /dev/net/tun (hidden by a tmpfs in a mount namespace of our own): pasta
# is there, but every isolated run would fail.
run_cmd unshare -Urm sh -c 'mount -t tmpfs none /dev/net && exec "$1" doctor' _ "$DROP"
assert_status 1 "doctor exits 1 without /dev/net/tun"
assert_match "$OUT" '^fail +/dev/net/tun: .*; fix: use -n off or -n filtered' "doctor: a missing /dev/net/tun fails and says to use -n off or -n filtered"
assert_match "$OUT" '^ok +pasta: ' "(control) pasta itself is found in that run"
run_drop doctor
assert_match "$OUT" '^ok +/dev/net/tun: present and openable' "doctor: /dev/net/tun ok where isolated runs work"
run_cmd env PATH=/nonexistent "$DROP" doctor
assert_status 1 "doctor exits 1 without pasta in PATH"
assert_match "$OUT" '^fail +pasta: not found.*; fix: .*passt' "doctor: says how to install pasta"
assert_match "$OUT" '^warn +xdg-dbus-proxy: not found' "doctor: a missing xdg-dbus-proxy is only a warning"
assert_drop 2 doctor extra
assert_error "usage: drop doctor" "doctor takes no arguments"

# ---- drop ps

run_drop ps
assert_status 0 "ps with nothing running"
assert_match "$OUT" '^INSTANCE +ENV +PID +STARTED +COMMAND$' "ps prints the header"
assert_eq 1 "$(printf '%s\n' "$OUT" | wc -l)" "ps: only the header when nothing runs"
assert_drop 2 ps extra
assert_error "usage: drop ps" "ps takes no arguments"

bg_start "$DROP" run -e x -n off -- sleep 30
ps_shows_x() { "$DROP" ps 2>/dev/null | grep -q "^x-[0-9]"; }
if wait_for 10 ps_shows_x; then
	run_drop ps
	line=$(printf '%s\n' "$OUT" | grep '^x-')
	read -r inst env pid started cmd <<<"$line"
	assert_match "$inst" '^x-[0-9]+$' "ps: INSTANCE is ENV-NNNN"
	assert_eq x "$env" "ps: ENV column"
	assert_match "$started" '^[0-2][0-9]:[0-5][0-9]:[0-5][0-9]$' "ps: STARTED is today's HH:MM:SS"
	assert_eq "sleep 30" "$cmd" "ps: COMMAND"
	assert_match "$(grep NSpid "/proc/$pid/status" 2>/dev/null)" "^NSpid:[[:space:]]+${pid}[[:space:]]+1$" \
		"ps: PID is the host pid of the sandbox's pid 1"
	assert_eq 2 "$(printf '%s\n' "$OUT" | wc -l)" "ps: one line per instance"
else
	not_ok "drop ps shows a running instance within 10 s"
	diag "$("$DROP" ps 2>&1)"
fi
kill -TERM "$BG_PID" 2>/dev/null
wait "$BG_PID" 2>/dev/null
ps_empty() { ! "$DROP" ps 2>/dev/null | grep -q '^x-'; }
check "ps: the instance is gone once drop exits" wait_for 5 ps_empty

# ---- timeout
# The harness's own timeout also exits 124, so status and duration are checked together.

# timed_run LOW_MS HIGH_MS DESC DROP-ARGS...: exit 124 within LOW..HIGH ms.
timed_run() {
	local low=$1 high=$2 desc=$3 start took
	shift 3
	start=$(now_ms)
	DROP_TEST_TIMEOUT=10 run_drop "$@"
	took=$(($(now_ms) - start))
	if [ "$STATUS" = 124 ] && [ "$took" -ge "$low" ] && [ "$took" -lt "$high" ]; then
		ok "$desc (${took} ms)"
	else
		not_ok "$desc: exit 124 within $low..$high ms (status $STATUS after ${took} ms)"
		diag_last
	fi
}
timed_run 900 3500 "--timeout 1s ends sleep 30 with 124 in about 1 s" run -e x --timeout 1s -- sleep 30
timed_run 2900 5500 "a program ignoring SIGTERM is killed 2 s after it" \
	run -e x --timeout 1s -- sh -c 'trap "" TERM; sleep 30'
assert_drop 0 run -e x --timeout 10s -- true

# ---- max_output

run_drop run -e x --max-output 1K -- sh -c 'head -c 100000 /dev/zero | tr "\0" x'
assert_eq 1024 "${#OUT}" "max-output 1K: stdout is cut at 1024 bytes"
assert_ne 125 "$STATUS" "max-output: the run itself is not a drop failure"
run_drop run -e x --max-output 1K -- sh -c 'head -c 5000 /dev/zero | tr "\0" y >&2; echo small'
assert_eq small "$OUT" "max-output caps each stream separately: stdout is untouched"
ys=${ERR%%[!y]*}
assert_eq 1024 "${#ys}" "max-output: stderr is cut at 1024 bytes too"
run_drop run -e x --max-output 1K -- sh -c 'head -c 1000 /dev/zero | tr "\0" z'
assert_eq 1000 "${#OUT}" "max-output: output under the cap passes whole"

# A leftover directory under the new run's own name (a recycled pid) is stale: it is replaced.
run_cmd sh -c 'mkdir -p "$1/run/x-$$" && : >"$1/run/x-$$/lock" && echo $$ && exec "$2" run -e x -n off -- true' \
	_ "$DATA_DIR" "$DROP"
assert_status 0 "a stale instance directory with the run's own name (a recycled pid) does not stop it"
check "and it is gone after the run" test ! -e "$DATA_DIR/run/x-$OUT"

# ---- memory

hog='b = bytearray(200 * 1024 * 1024); print(len(b))'
run_drop run -e x -- python3 -c "$hog"
assert_eq 209715200 "$OUT" "without a limit the 200M hog runs"
run_drop run -e x --memory 64M -- python3 -c "$hog"
assert_ne 0 "$STATUS" "--memory 64M: the 200M hog fails"
assert_ne 125 "$STATUS" "--memory 64M: it is the program that fails, not drop"
assert_eq "" "$OUT" "--memory 64M: the hog never got its memory"
assert_drop 0 run -e x --memory 64M -- sh -c 'echo fine'
run_drop -v run -e x --memory 64M -- true
if [ "$CGROUP2" = 1 ]; then mech=cgroup2; else mech=rlimit; fi
assert_contains "$ERR" "$mech" "-v says the memory limit is enforced by $mech"
run_drop run -e x --memory 64M -- grep '^0::' /proc/self/cgroup
assert_eq "0::/" "$OUT" "the sandbox's cgroup namespace is rooted at its own cgroup (no host cgroup path shows)"

# ---- pids (bounded, so that a missing limit cannot hurt the host)

spawn='i=0; while [ $i -lt 100 ]; do sleep 2345 & i=$((i+1)); echo $i; done'
run_drop run -e x --timeout 15s --pids 20 -- sh -c "$spawn"
last=$(printf '%s\n' "$OUT" | tail -n 1)
if [ -n "$last" ] && [ "$last" -lt 20 ]; then ok "--pids 20 stops the spawning at $last processes"; else
	not_ok "--pids 20 stops the spawning below 20 (last count: '$last', status $STATUS)"; fi
assert_ne 0 "$STATUS" "--pids 20: the shell that could not fork fails"
assert_eq 0 "$(pgrep -u "$(id -u)" -f '^sleep 2345$' | wc -l)" "--pids 20: no sandboxed process outlives the run"
check "the host can still fork after the sandbox's fork bomb" sh -c 'true & wait'
run_drop run -e x --timeout 15s --pids 50 -- sh -c 'i=0; while [ $i -lt 10 ]; do sleep 1 & i=$((i+1)); done; wait; echo $i'
assert_eq 10 "$OUT" "--pids 50 leaves room for 10 processes"

# ---- cpus: cgroup2 only; otherwise an error unless best effort

if [ "$CGROUP2" = 1 ]; then
	assert_drop 0 run -e x --cpus 1 -- true
else
	assert_drop 125 run -e x --cpus 1 -- true
	assert_error "cannot enforce cpus" "--cpus without a delegated cgroup is refused, saying why"
	assert_contains "$ERR" "--best-effort-limits" "and the way out"
	assert_drop 0 run -e x --best-effort-limits --cpus 1 -- true
	assert_eq "drop: not enforcing cpus: no mechanism for it here (--best-effort-limits); see 'drop doctor'" "$ERR" \
		"--best-effort-limits says which limit it dropped, one line"
	assert_drop 0 -q run -e x --best-effort-limits --cpus 1 -- true
	assert_eq "" "$ERR" "... not with -q"
fi

# ---- --report

R=$WORK/reports
mkdir "$R"
assert_drop 3 run -e x --report "$R/exit.json" -- sh -c 'exit 3'
assert_eq "exited 3 None x ['sh', '-c', 'exit 3'] None False False none" \
	"$(json "$R/exit.json" '" ".join(map(str, [r["status"], r["exit_code"], r["signal"], r["env"], r["argv"], r["error"], r["stdout_truncated"], r["stderr_truncated"], r["limits"]["mechanism"]]))')" \
	"report: an exited run"
assert_eq "True True" "$(json "$R/exit.json" 'isinstance(r["duration_ms"], int) and r["duration_ms"] >= r["startup_ms"] >= 0, isinstance(r["startup_ms"], int)' | tr -d '(),')" \
	"report: duration_ms and startup_ms are numbers, startup within duration"
assert_eq "exit.json" "$(ls -A "$R")" "report: no temp file is left behind"

timed_run 900 3500 "--timeout with --report" run -e x --timeout 1s --report "$R/timeout.json" -- sleep 30
assert_eq "timed_out None 15" "$(json "$R/timeout.json" '" ".join(map(str, [r["status"], r["exit_code"], r["signal"]]))')" \
	"report: a timed-out run: exit_code null, the signal that ended it (SPEC 6)"
timed_run 900 3500 "--timeout, the program exits on SIGTERM" run -e x --timeout 1s --report "$R/timeout2.json" -- \
	sh -c 'trap "exit 7" TERM; sleep 30 & wait'
assert_eq "timed_out 7 None" "$(json "$R/timeout2.json" '" ".join(map(str, [r["status"], r["exit_code"], r["signal"]]))')" \
	"report: a timed-out program that exits on SIGTERM: its exit_code, no signal"
assert_eq "1000" "$(json "$R/timeout.json" 'r["limits"]["timeout_ms"]')" "report: the timeout is among the limits"

assert_drop 137 run -e x --report "$R/sig.json" -- sh -c 'kill -KILL $$'
assert_eq "signaled None 9" "$(json "$R/sig.json" '" ".join(map(str, [r["status"], r["exit_code"], r["signal"]]))')" \
	"report: killed by a signal: exit_code null, signal 9"

assert_drop 125 run -e never-made --report "$R/error.json" -- true
assert_eq "error" "$(json "$R/error.json" 'r["status"]')" "report: a run that fails before starting"
assert_contains "$(json "$R/error.json" 'r["error"]')" "doesn't exist" "report: the error message is in it"

run_drop run -e x --memory 64M --max-output 1K --report "$R/limits.json" -- sh -c 'head -c 5000 /dev/zero | tr "\0" x'
assert_eq "67108864 1024 $mech True False" \
	"$(json "$R/limits.json" '" ".join(map(str, [r["limits"]["memory"], r["limits"]["max_output"], r["limits"]["mechanism"], r["stdout_truncated"], r["stderr_truncated"]]))')" \
	"report: limits, their mechanism and truncation"

assert_drop 0 run -e x --report "$R/utf8.json" -- printf '%s' "$(printf 'caf\xc3\xa9 \xff "q" \134')"
assert_eq True "$(json "$R/utf8.json" 'r["argv"][2] == "caf\u00e9 \ufffd \"q\" \\"')" \
	"report: argv with quotes, backslash and invalid UTF-8 (as U+FFFD) is valid JSON"

mkdir "$R/adir"
assert_drop 125 run -e x --report "$R/adir" -- touch "$PROJ/ran"
assert_error "cannot write report" "report: a directory is refused before anything starts"
check_not "report: the program did not run" test -e "$PROJ/ran"
assert_drop 125 run -e x --report "$WORK/no/such/dir/r.json" -- true
assert_error "cannot write report" "report: a missing directory is refused"

done_testing
