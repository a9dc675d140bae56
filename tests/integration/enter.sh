#!/bin/bash
# enter.sh: drop enter (SPEC 2, 7): a command joins a running instance with the
# same rules as drop run, and gains nothing by entering.
# shellcheck disable=SC2016 # quoted $ are for the sandbox's shell
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

make_env x || done_testing

# A host process the sandbox must not see, with a marker nobody else uses.
bg_start sleep 4242.5
HOST_PID=$BG_PID

bg_start "$DROP" run -e x -n off -- sh -c 'echo from-run >/tmp/run-marker; exec sleep 60'
RUN_PID=$BG_PID
instance_up() { "$DROP" ps 2>/dev/null | grep -q '^x-[0-9]'; }
if ! wait_for 10 instance_up; then
	not_ok "an instance of x runs"
	done_testing
fi
INST=$("$DROP" ps | awk '$2 == "x" { print $1; exit }')
ok "an instance of x runs ($INST)"
wait_for 5 test -e "$DATA_DIR/envs/x/tmp/run-marker" || diag "the run's marker did not appear"

run_drop enter "$INST" -- sh -c 'echo "$DROP_ENV"; cat /tmp/run-marker'
assert_status 0 "enter by instance name"
assert_eq "x
from-run" "$OUT" "the entered command sees the instance's environment and files"

run_drop enter -e x -- sh -c 'exit 7'
assert_status 7 "enter -e ENV passes the command's exit status"

run_drop enter "$INST" -- sh -c 'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status | cut -f2 | tr "\n" " "'
assert_eq "0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000 1 2 " \
	"$OUT" "the entered process has no capabilities, no_new_privs and the seccomp filter"

run_drop enter "$INST" -- sh -c 'ps -eo args | grep -cx "sleep 60"; ps -eo args | grep -cx "sleep 4242.5"'
assert_eq "1
0" "$OUT" "the entered process sees the instance's processes and not the host's"

run_drop enter "$INST" -- sh -c "kill -0 $HOST_PID"
assert_ne 0 "$STATUS" "a host process cannot be signalled from an entered command"

run_drop enter "$INST" -- sh -c 'unshare -U true'
assert_ne 0 "$STATUS" "no nested user namespace from an entered command"

run_drop enter "$INST" -- sh -c 'touch /usr/x 2>&1; touch / 2>&1'
assert_contains "$OUT" "Read-only file system" "the entered command gets the instance's read-only root"

run_drop enter "$INST" -- sh -c 'echo "$HOME:$USER"'
assert_eq "$HOME:$(id -un)" "$OUT" "HOME and USER as outside"

run_drop enter "$INST" -- sh -c 'echo "${HTTPS_PROXY:-none}"'
assert_eq none "$OUT" "no proxy variables in an instance without the filtered network (control)"
bg_start "$DROP" run -e x -n filtered -- sleep 60
FILTERED_PID=$BG_PID
filtered_up() { [ "$("$DROP" ps 2>/dev/null | grep -c '^x-[0-9]')" = 2 ]; }
wait_for 10 filtered_up
FINST=$("$DROP" ps | awk '$2 == "x" && $1 != "'"$INST"'" { print $1; exit }')
run_drop enter "$FINST" -- sh -c 'echo "$HTTPS_PROXY $ALL_PROXY $NO_PROXY"'
assert_eq "http://127.0.0.1:3128 socks5h://127.0.0.1:3128 localhost,127.0.0.1,::1" "$OUT" \
	"enter into an instance run with -n filtered: the proxy variables, as in the run (its config says isolated)" || diag_last
kill "$FILTERED_PID"
wait "$FILTERED_PID" 2>/dev/null

run_drop enter "$INST" -- no-such-command
assert_status 127 "a missing command in enter: 127"
assert_error "no-such-command: command not found" "enter: command not found"

run_drop enter nope-1 true
assert_status 125 "enter of an unknown instance: 125"
assert_error "instance nope-1 is not running" "enter names the unknown instance"

run_drop enter -e nope true
assert_status 125 "enter of an environment with no instance: 125"
assert_error "no running instance of environment nope" "enter names the environment"

kill "$RUN_PID"
wait "$RUN_PID" 2>/dev/null
run_drop enter "$INST" true
assert_status 125 "enter of a finished instance: 125"
assert_error "instance $INST is not running" "enter says the instance is not running"

done_testing
