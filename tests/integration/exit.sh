#!/bin/bash
# exit.sh: exit statuses (SPEC 2.4) and the sandboxed process (SPEC 5,
# "Process" and "Standard streams"): pid namespace, ids, groups, signals,
# streams, user namespaces unavailable.
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox and drop to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

make_env x || done_testing

# ---- exit statuses

assert_drop 0 run -e x -- true
assert_eq "" "$OUT$ERR" "a successful run prints nothing of drop's own"
assert_drop 1 run -e x -- false
assert_drop 42 run -e x -- sh -c 'exit 42'
assert_drop 143 run -e x -- sh -c 'kill -TERM $$'
assert_drop 137 run -e x -- sh -c 'kill -KILL $$'
assert_drop 130 run -e x -- sh -c 'kill -INT $$'
printf 'echo hi\n' >"$PROJ/notexec"
chmod 644 "$PROJ/notexec"
assert_drop 126 run -e x -- "$PROJ/notexec"
assert_drop 126 run -e x -- "$PROJ"
assert_drop 127 run -e x -- no-such-command-xyz
assert_contains "$ERR" "no-such-command-xyz: command not found" "127 says 'COMMAND: command not found'"
assert_drop 127 run -e x -- /no/such/path
assert_drop 125 run -e never-made -- true

# ---- ids and groups

run_in x sh -c 'id -u; id -g'
assert_eq "$TEST_UID
$TEST_GID" "$OUT" "same uid and gid inside"
extra=$(getent group "$DROP_TEST_EXTRA_GROUP" | cut -d: -f3)
if [ -n "$extra" ] && id -G | tr ' ' '\n' | grep -qx "$extra"; then
	run_in x id -G
	assert_no_match "$OUT" "(^| )$extra( |$)" "the host's supplementary group $extra is not kept"
else
	not_ok "the test user has the supplementary group $DROP_TEST_EXTRA_GROUP (run as root, or add one)"
fi
run_in x setpriv --clear-groups true
assert_ne 0 "$STATUS" "setgroups is denied"
run_drop run -e x -r -- sh -c 'id -u; id -g; touch "$PWD/made-as-root"'
assert_eq "0
0" "$OUT" "-r: uid and gid 0 inside"
assert_eq "$TEST_UID:$TEST_GID" "$(stat -c %u:%g "$PROJ/made-as-root" 2>/dev/null)" \
	"-r: a file created in the project dir is owned by the real user outside"
run_in x sh -c 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | cut -f2 | sort -u'
assert_eq "0000000000000000" "$OUT" "no capabilities in any set"
run_drop run -e x -r -- sh -c 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | cut -f2 | sort -u'
assert_eq "0000000000000000" "$OUT" "-r: no capabilities in any set"
run_in x sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | cut -f2 | tr "\n" " "'
assert_eq "1 2 " "$OUT" "no_new_privs and a seccomp filter"
# (env --default-signal: what the test runner ignores is not drop's doing)
assert_exit 0 env --default-signal "$DROP" run -e x -- grep -E '^Sig(Blk|Ign):' /proc/self/status
assert_eq "SigBlk:	0000000000000000
SigIgn:	0000000000000000" "$OUT" "the program starts with no blocked or ignored signals"

# ---- pid namespace

bg_start sleep 60
hostpid=$BG_PID
run_in x sh -c "ls -d /proc/[0-9]* | wc -l; test -e /proc/$hostpid && echo SEEN; kill -TERM $hostpid && echo KILLED"
check "the sandbox sees only its own few processes" test "$(printf '%s\n' "$OUT" | head -n 1)" -le 6
assert_not_contains "$OUT" SEEN "a host process is not visible"
assert_not_contains "$OUT" KILLED "a host process cannot be signalled"
check "the host process survived" kill -0 "$hostpid"
run_in x sh -c 'echo $$; tr "\0" " " </proc/1/cmdline'
check "the program is a low pid in its own namespace" test "$(printf '%s\n' "$OUT" | head -n 1)" -le 5
run_in x sh -c '(exec 3>>/proc/1/exe) 2>/dev/null && echo WRITABLE; readlink /proc/1/exe && echo EXPOSED; exit 0'
assert_eq "" "$OUT" "pid 1 is not dumpable: /proc/1/exe neither writable nor readable"
run_drop run -e x -r -- sh -c '(exec 3>>/proc/1/exe) 2>/dev/null && echo WRITABLE; exit 0'
assert_eq "" "$OUT" "-r: /proc/1/exe not writable"
run_in x sh -c 'sleep 0.2 & exit 7'
assert_status 7 "init exits with the program's status, not its children's"

# Signals sent to drop reach the program.
bg_start "$DROP" run -e x -- sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done' \
	>"$WORK/sig.out" 2>"$WORK/sig.err"
dpid=$BG_PID
wait_for 10 grep -q ready "$WORK/sig.out"
kill -TERM "$dpid"
wait_for 10 sh -c "! kill -0 $dpid 2>/dev/null"
wait "$dpid"
st=$?
assert_eq "9 got-term" "$st $(grep -v ready "$WORK/sig.out")" "SIGTERM to drop is passed to the program"
bg_start "$DROP" run -e x -- sh -c 'echo ready; exec sleep 30' >"$WORK/sig.out" 2>&1
dpid=$BG_PID
wait_for 10 grep -q ready "$WORK/sig.out"
kill -TERM "$dpid"
wait_for 10 sh -c "! kill -0 $dpid 2>/dev/null"
wait "$dpid"
assert_eq 143 "$?" "SIGTERM to drop ends a program that does not catch it: 143"

# ---- standard streams (no terminal)

head -c 200000 /dev/urandom | base64 >"$WORK/big"
run_drop run -e x -- sh -c 'cat; exit 3' # stdin is /dev/null here
assert_status 3 "stdin /dev/null: EOF, exit status kept"
timeout 15 "$DROP" run -e x -- sh -c 'cat; echo err >&2; exit 5' <"$WORK/big" >"$WORK/big.out" 2>"$WORK/big.err"
st=$?
assert_eq 5 "$st" "relayed run: exit status"
check "all of a large stdin/stdout reaches the other side" cmp -s "$WORK/big" "$WORK/big.out"
assert_eq err "$(cat "$WORK/big.err")" "stderr is relayed separately"
echo original >"$WORK/stdin-file"
timeout 15 "$DROP" run -e x -- sh -c 'echo evil >/proc/self/fd/0; echo evil >>/proc/self/fd/0; cat /proc/self/fd/0 >/dev/null; exit 0' \
	<"$WORK/stdin-file" >/dev/null 2>&1
assert_eq original "$(cat "$WORK/stdin-file")" "a file given as stdin cannot be written through /proc/self/fd/0"
exec 7<"$WORK/stdin-file"
run_in x sh -c 'ls /proc/self/fd'
exec 7<&-
assert_no_match "$OUT" '^7$' "an inherited fd does not reach the program"
run_in x sh -c 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i + 1)); done; exit 0'
assert_eq "line 1999" "$(printf '%s\n' "$OUT" | tail -n 1)" "output written just before exit reaches the host"

# ---- user namespaces unavailable (user.max_user_namespaces = 0 in a namespace of our own)

# As the same uid (capabilities dropped before drop starts).
run_cmd unshare --user --map-user="$TEST_UID" --map-group="$TEST_GID" --keep-caps sh -c \
	'echo 0 >/proc/sys/user/max_user_namespaces &&
	 exec setpriv --inh-caps=-all --ambient-caps=-all -- "$0" run -e x -- true' "$DROP"
assert_status 125 "no user namespaces: exit 125"
assert_match "$ERR" "^drop: .*user namespace" "no user namespaces: the message says so"
assert_contains "$ERR" "max_user_namespaces" "no user namespaces: the message names the sysctl"
# As uid 0 of a namespace whose setgroups is denied (unshare -Ur).
run_cmd unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" run -e x -- true' "$DROP"
assert_status 125 "no user namespaces, as (namespaced) root: exit 125"
assert_match "$ERR" "^drop: .*user namespace" "no user namespaces, as root: the message says so"
assert_contains "$ERR" "max_user_namespaces" "no user namespaces, as root: the message names the sysctl"

# drop inside drop: the sandbox's filter says no, not the host's sysctls.
cp "$DROP" "$PROJ/drop-inner"
run_in x sh -c 'cd && mkdir -p .config/drop && printf "[env]\nexpose = PATH\n" >.config/drop/base.ini &&
	export ASAN_OPTIONS=detect_leaks=0 # a sanitizer build: LeakSanitizer needs ptrace, denied here
	"$1" init --no-cwd y >/dev/null 2>&1; "$1" run -e y -n off -- true' sh "$PROJ/drop-inner"
assert_status 125 "nested drop without userns = yes: exit 125"
assert_error "already inside drop environment x; nested drop needs [security] userns = yes" \
	"nested drop: says it is inside environment x and what to set"
check_not "nested drop: does not blame the host's sysctls" grep -q max_user_namespaces <<<"$ERR"

done_testing
