#!/bin/bash
# root.sh: drop invoked as root (SPEC 5 "Process": root inside, no
# capabilities outside the sandbox's own namespaces, pasta with --runas 0:0).
DROP_TEST_AS_ROOT=1
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox and drop to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

if [ "$(id -u)" != 0 ]; then
	not_ok "root.sh runs drop as root: run the test suite as root (CI does)"
	done_testing
fi

make_env r || done_testing

run_in r id -u
assert_eq 0 "$OUT" "drop run as root: uid 0 inside"
assert_eq "" "$ERR" "drop run as root: nothing printed"

# Host processes are invisible and cannot be signalled.
bg_start sleep 60
hostpid=$BG_PID
sh_in r "ls -d /proc/[0-9]* | wc -l; test -e /proc/$hostpid && echo SEEN; kill -KILL $hostpid 2>/dev/null && echo KILLED; exit 0"
check "root: only the sandbox's few processes" test "$(printf '%s\n' "$OUT" | head -n 1)" -le 6
assert_not_contains "$OUT" SEEN "root: a host process is not visible"
check "root: the host process survived" kill -0 "$hostpid"

# No capabilities, a filter, a read-only root.
sh_in r 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | cut -f2 | sort -u'
assert_eq "0000000000000000" "$OUT" "root: no capabilities in any set"
dom=$(cat /proc/sys/kernel/domainname)
sh_in r 'touch /x; touch /usr/x; touch /etc/x; echo drop-test >/proc/sys/kernel/domainname; echo 0 >/proc/sys/kernel/kptr_restrict'
assert_eq 3 "$(printf '%s\n' "$ERR" | grep -c 'Read-only file system')" "root: /, /usr, /etc are read-only"
check_not "root: nothing written on the host /usr" test -e /usr/x
assert_eq "$dom" "$(cat /proc/sys/kernel/domainname)" "root: the host's sysctls stay unwritten"
sh_in r 'mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED; unshare -U true 2>/dev/null && echo UNSHARED; test -e /root && echo ROOTDIR; exit 0'
assert_eq "" "$OUT" "root: no mount, no new user namespace, no /root"
echo host-original >"$WORK/hostfile"
run_drop run -e r -m "$WORK/hostfile:~/hf" -- sh -c 'echo evil >~/hf; chmod 777 ~/hf; chown 1:1 ~/hf'
assert_eq host-original "$(cat "$WORK/hostfile")" "root: a read-only mount of a host file stays unmodified"
assert_eq "644 0:0" "$(stat -c '%a %u:%g' "$WORK/hostfile")" "root: its mode and owner too"

# Files in the project dir belong to root outside.
sh_in r "echo x >'$PROJ/rootmade'"
assert_eq "0:0" "$(stat -c %u:%g "$PROJ/rootmade" 2>/dev/null)" "root: files created in the project dir are owned by root"

# pasta works (it needs --runas 0:0), and its files are root-owned.
run_in r sh -c 'ls /sys/class/net | wc -l; cat /etc/resolv.conf'
check "root, isolated: an interface besides lo (pasta configured the namespace)" test "$(printf '%s\n' "$OUT" | head -n 1)" -ge 2
assert_contains "$OUT" "nameserver 169.254.1.1" "root, isolated: pasta's DNS forwarder in resolv.conf"
P=$(random_port)
tcp_service "$P" pong-root "$WORK/root-hits" || diag "host service did not start"
run_drop run -e r -T "$P" -- python3 -c '
import socket, sys, time
for _ in range(10):
    try:
        print(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).recv(64).decode().strip())
        break
    except OSError:
        time.sleep(0.3)
' "$P"
assert_eq pong-root "$OUT" "root, isolated: -T forwards a host loopback port through pasta"
run_in r python3 -c '
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    print("REACHED")
except OSError:
    pass
' "$P"
assert_eq "" "$OUT" "root, isolated: host loopback not reachable without -T"

bg_start "$DROP" run -e r -- sh -c 'echo ready; exec sleep 3' >"$WORK/run.out" 2>&1
dpid=$BG_PID
wait_for 15 grep -q ready "$WORK/run.out"
owners=$(find "$DATA_DIR/run" -mindepth 1 -printf '%u:%g %p\n' 2>/dev/null)
wait "$dpid"
assert_eq "" "$(printf '%s\n' "$owners" | grep -v '^root:root ' | grep .)" "root: instance files (pasta pid/log) are root-owned"

# pid 1 keeps none of drop's own streams (root can look at its fds).
echo input >"$WORK/p1.in"
"$DROP" run -e r -n off -- sh -c 'echo ready; exec sleep 30' <"$WORK/p1.in" >"$WORK/p1.out" 2>&1 &
p1drop=$!
_t_bg_pids="${_t_bg_pids:-} $p1drop"
wait_for 15 grep -q ready "$WORK/p1.out"
p1=$(pgrep -P "$p1drop" | head -n 1)
fds=$(for fd in 0 1 2; do readlink "/proc/$p1/fd/$fd"; done | tr '\n' ' ')
assert_eq "/dev/null /dev/null /dev/null " "$fds" "pid 1 of the sandbox holds /dev/null on 0-2, not drop's stdin file and output"
kill -TERM "$p1drop"
wait "$p1drop" 2>/dev/null

done_testing
