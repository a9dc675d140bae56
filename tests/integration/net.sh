#!/bin/bash
# net.sh: network modes and port forwarding (SPEC 2.2, 3.2 [net], 5 "Network
# modes", 7 pasta lifetime). All traffic goes to 127.0.0.1 only.
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox and drop to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

make_env n || done_testing

# A small TCP/UDP server and client, in the project dir (visible inside).
NET=$PROJ/net.py
cat >"$NET" <<'EOF'
# net.py CMD HOST PORT [ARG] [N]: tcp-serve/udp-serve HOST PORT REPLY [COUNT],
# tcp-ask/udp-ask HOST PORT [TRIES]. Servers print "listening" when ready.
import socket
import sys
import time

cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
if cmd.endswith("serve"):
    reply = sys.argv[4].encode()
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    kind = socket.SOCK_STREAM if cmd == "tcp-serve" else socket.SOCK_DGRAM
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    print("listening", flush=True)
    while True:
        if kind == socket.SOCK_STREAM:
            c, _ = s.accept()
            c.sendall(reply + b"\n")
            c.close()
        else:
            data, peer = s.recvfrom(512)
            s.sendto(reply + b":" + data, peer)
        count -= 1
        if count == 0:
            sys.exit(0)
tries = int(sys.argv[4]) if len(sys.argv) > 4 else 1
err = "no answer"
for _ in range(tries):
    try:
        if cmd == "tcp-ask":
            c = socket.create_connection((host, port), timeout=2)
            data = c.recv(512)
        else:
            c = socket.socket(fam, socket.SOCK_DGRAM)
            c.settimeout(1)
            c.sendto(b"ping", (host, port))
            data, _ = c.recvfrom(512)
        if data:
            print(data.decode().strip())
            sys.exit(0)
    except OSError as e:
        err = str(e)
    time.sleep(0.3)
print(err, file=sys.stderr)
sys.exit(1)
EOF

# host_server tcp|udp PORT REPLY: a server on the host's 127.0.0.1, killed at exit.
host_server() {
	bg_start python3 "$NET" "$1-serve" 127.0.0.1 "$2" "$3" >/dev/null 2>&1
	wait_for 10 sh -c "ss -Hln${1:0:1} 'sport = :$2' | grep -q ."
}

# ---- modes

host_ns=$(readlink /proc/self/ns/net)
host_ifs=$(ls /sys/class/net | LC_ALL=C sort | tr '\n' ' ')
run_in n sh -c 'readlink /proc/self/ns/net; ls /sys/class/net | LC_ALL=C sort | tr "\n" " "'
assert_ne "$host_ns" "$(printf '%s\n' "$OUT" | head -n 1)" "isolated (default): own network namespace"
assert_match "$(printf '%s\n' "$OUT" | tail -n 1)" '(^| )lo ' "isolated: has lo"
assert_match "$(printf '%s\n' "$OUT" | tail -n 1)" ' [^l][^ ]* |^[^l]' "isolated: has an interface besides lo"
run_drop run -e n -n off -- sh -c 'readlink /proc/self/ns/net; ls /sys/class/net | tr "\n" " "'
assert_ne "$host_ns" "$(printf '%s\n' "$OUT" | head -n 1)" "off: own network namespace"
assert_eq "lo " "$(printf '%s\n' "$OUT" | tail -n 1)" "off: only lo"
run_drop run -e n -n off -- cat /sys/class/net/lo/flags
assert_eq 0x9 "$OUT" "off: lo is up (IFF_UP|IFF_LOOPBACK), in the sandbox's own sysfs"
run_drop run -e n -n host -- sh -c 'readlink /proc/self/ns/net; ls /sys/class/net | LC_ALL=C sort | tr "\n" " "'
assert_eq "$host_ns" "$(printf '%s\n' "$OUT" | head -n 1)" "host: the host's network namespace"
assert_eq "$host_ifs" "$(printf '%s\n' "$OUT" | tail -n 1)" "host: the host's interfaces"

# ---- host loopback services

P=$(random_port)
host_server tcp "$P" pong-host || not_ok "start a TCP server on 127.0.0.1:$P"
run_cmd python3 "$NET" tcp-ask 127.0.0.1 "$P"
assert_eq pong-host "$OUT" "the host server answers on the host (test sanity)"
run_in n python3 "$NET" tcp-ask 127.0.0.1 "$P"
assert_ne 0 "$STATUS" "isolated: host loopback TCP service not reachable"
assert_eq "" "$OUT" "isolated: no answer from the host service"
run_drop run -e n -n off -- python3 "$NET" tcp-ask 127.0.0.1 "$P"
assert_ne 0 "$STATUS" "off: host loopback TCP service not reachable"
run_drop run -e n -n host -- python3 "$NET" tcp-ask 127.0.0.1 "$P"
assert_eq pong-host "$OUT" "host: host loopback service reachable"
run_drop run -e n -T "$P" -- python3 "$NET" tcp-ask 127.0.0.1 "$P" 5
assert_eq pong-host "$OUT" "-T PORT: that host loopback port is reachable inside"
S=$(random_port)
run_drop run -e n -T "$P:$S" -- sh -c "python3 '$NET' tcp-ask 127.0.0.1 $S 5; python3 '$NET' tcp-ask 127.0.0.1 $P || echo unmapped"
assert_eq "pong-host
unmapped" "$OUT" "-T HOST:SANDBOX: host port reachable as the sandbox port only"
P2=$(random_port)
host_server tcp "$P2" pong-other
run_drop run -e n -T "$P" -- python3 "$NET" tcp-ask 127.0.0.1 "$P2"
assert_ne 0 "$STATUS" "-T PORT: other host ports stay unreachable"
f=$WORK/tcphost.ini
printf '[fs]\nmount = %s::rw\n[env]\nexpose = PATH\n[net]\ntcp_host = %s\n' "$PROJ" "$P" >"$f"
run_drop run -e n -c "$f" -- python3 "$NET" tcp-ask 127.0.0.1 "$P" 5
assert_eq pong-host "$OUT" "tcp_host in the config file"

U=$(random_port)
host_server udp "$U" pong-udp || not_ok "start a UDP server on 127.0.0.1:$U"
run_in n python3 "$NET" udp-ask 127.0.0.1 "$U" 2
assert_ne 0 "$STATUS" "isolated: host loopback UDP service not reachable"
run_drop run -e n -U "$U" -- python3 "$NET" udp-ask 127.0.0.1 "$U" 5
assert_eq "pong-udp:ping" "$OUT" "-U PORT: host loopback UDP port reachable inside"

# ---- publishing sandbox ports

# publish_case DESC EXPECT HOSTPORT SERVE-ARGS -- DROP-RUN-OPTIONS: run a server
# inside, then ask it from the host at 127.0.0.1:HOSTPORT.
publish_case() {
	local desc=$1 expect=$2 hport=$3 proto=$4 sport=$5 dpid got tries
	shift 6
	rm -f "$WORK/pub.out"
	bg_start "$DROP" run -e n "$@" -- python3 "$NET" "$proto-serve" 0.0.0.0 "$sport" pong-inside \
		>"$WORK/pub.out" 2>"$WORK/pub.err"
	dpid=$BG_PID
	if ! wait_for 15 grep -q listening "$WORK/pub.out"; then
		not_ok "$desc (the server inside did not start)"
		diag "$(cat "$WORK/pub.err")"
		kill -KILL "$dpid" 2>/dev/null
		return
	fi
	tries=10
	if [ "$expect" = none ]; then
		sleep 2 # pasta's automatic forwarding would have seen the port by now
		tries=2
	fi
	run_cmd python3 "$NET" "$proto-ask" 127.0.0.1 "$hport" "$tries"
	got=$OUT
	[ "$expect" = none ] && [ "$STATUS" != 0 ] && got=none
	PUB_LISTEN=$(ss -Hln"${proto:0:1}" "sport = :$hport" | awk '{ print $4 }' | sort | tr '\n' ' ')
	kill -TERM "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	assert_eq "$expect" "$got" "$desc"
}

T=$(random_port)
publish_case "-t PORT: a sandbox TCP server is reachable from the host" pong-inside "$T" tcp "$T" -- -t "$T"
assert_eq "127.0.0.1:$T [::1]:$T " "$PUB_LISTEN" "-t PORT binds 127.0.0.1 and [::1] on the host"
T=$(random_port)
T2=$(random_port)
publish_case "-t HOST:SANDBOX remaps" pong-inside "$T2" tcp "$T" -- -t "$T2:$T"
T=$(random_port)
publish_case "-t 127.0.0.1/PORT" pong-inside "$T" tcp "$T" -- -t "127.0.0.1/$T"
T=$(random_port)
publish_case "without -t a sandbox port is not reachable from the host" none "$T" tcp "$T" --
T=$(random_port)
publish_case "-u PORT: a sandbox UDP server is reachable from the host" "pong-inside:ping" "$T" udp "$T" -- -u "$T"
assert_eq "127.0.0.1:$T " "$PUB_LISTEN" "-u PORT binds 127.0.0.1 only (UDP is not relayed on [::1])"
T=$(random_port)
publish_case "without -u a sandbox UDP port is not reachable from the host" none "$T" udp "$T" --

# -t with an IPv6 address: pasta publishes it itself.
V6=$(random_port)
v6serve='import socket,sys
s=socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(("::1",int(sys.argv[1]))); s.listen(); print("listening",flush=True); s.settimeout(15)
c,_=s.accept(); c.sendall(b"pong-v6"); c.close()'
v6ask='import socket,sys,time
for i in range(20):
    try:
        s=socket.create_connection(("::1",int(sys.argv[1])),timeout=2); print(s.recv(100).decode()); break
    except OSError: time.sleep(0.25)'
bg_start "$DROP" run -e n -t "::1/$V6:3000" -- python3 -c "$v6serve" 3000 >"$WORK/v6.out" 2>"$WORK/v6.err"
wait_for 15 grep -q listening "$WORK/v6.out"
run_cmd python3 -c "$v6ask" "$V6"
assert_eq pong-v6 "$OUT" "-t ::1/H:S: a server on ::1 inside is reached through the host's [::1]:H"
kill -TERM "$BG_PID" 2>/dev/null
wait "$BG_PID" 2>/dev/null

# A host port already in use: drop's own words, not pasta's log line and a
# log path that is gone by the time the user looks (SPEC 5).
T=$(random_port)
tcp_service "$T" busy "$WORK/busy.hits"
run_drop run -e n -t "$T" -- true
assert_status 125 "-t PORT that the host already uses: exit 125"
assert_error "cannot publish port $T: the host already uses it" "-t PORT in use: drop says the host already uses it"
check_not "-t PORT in use: no pointer to pasta's log, which is gone" grep -q 'log' <<<"$ERR"
T=$(random_port)
bg_start python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1]))); time.sleep(60)' "$T"
wait_for 10 sh -c "ss -Hlun 'sport = :$T' | grep -q ."
run_drop run -e n -u "$T" -- true
assert_error "cannot publish port $T: the host already uses it" "-u PORT in use: drop says the host already uses it"

# ---- port options and modes

rm -f "$PROJ/marker"
for opt in "-t 8080" "-T 5432" "-u 5353" "-U 53"; do
	for mode in off host; do
		# shellcheck disable=SC2086
		run_drop run -e n -n "$mode" $opt -- touch "$PROJ/marker"
		if [ "$STATUS" = 125 ] && [ ! -e "$PROJ/marker" ]; then
			ok "'-n $mode $opt' on the command line is an error (125)"
		else
			not_ok "'-n $mode $opt' on the command line is an error (125)"
			diag_last
		fi
	done
done
f=$WORK/offports.ini
printf '[env]\nexpose = PATH\n[net]\nmode = off\ntcp_publish = 8080\ntcp_host = 5432\nudp_host = 53\n' >"$f"
assert_drop 0 run -e n -c "$f" -- true
assert_eq "" "$ERR" "port entries in a config with mode off are ignored"

# ---- pasta missing

assert_exit 125 env PATH=/nonexistent "$DROP" run -e n -- /bin/true
assert_error "pasta binary for isolated networking not found" "missing pasta: the SPEC message"
assert_contains "$ERR" "apt" "missing pasta: Debian/Ubuntu install command"
assert_contains "$ERR" "dnf" "missing pasta: Fedora install command"
assert_contains "$ERR" "pacman" "missing pasta: Arch install command"
assert_exit 0 env PATH=/nonexistent "$DROP" run -e n -n off -- /bin/true

# ---- no network namespace left to make (--net off makes its own)

run_cmd unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_net_namespaces && exec "$1" run -e n -n off -- true' _ "$DROP"
assert_status 125 "--net off with user.max_net_namespaces exhausted: drop's own failure"
assert_error "cannot create the network namespace: the limit user.max_net_namespaces is reached" \
	"and the message names the limit"

# ---- a set-up that hangs (here: a pasta that never gets ready) still answers SIGTERM

mkdir -p "$WORK/fakebin"
printf '#!/bin/sh\nexec sleep 4321\n' >"$WORK/fakebin/pasta"
chmod +x "$WORK/fakebin/pasta"
bg_start env PATH="$WORK/fakebin:$PATH" "$DROP" run -e n -- touch "$PROJ/hung-ran" >"$WORK/hung.out" 2>"$WORK/hung.err"
hung=$BG_PID
wait_for 5 pgrep -u "$TEST_UID" -f '^sleep 4321$' >/dev/null
kill -TERM "$hung"
t0=$(date +%s%N)
wait "$hung"
STATUS=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
assert_eq 143 "$STATUS" "SIGTERM during the set-up: drop exits 128+15"
check "and at once (${ms} ms), not after pasta's 10 s readiness timeout" test "$ms" -lt 3000
assert_contains "$(cat "$WORK/hung.err")" "drop: interrupted by SIGTERM before the program started" "saying so in one line"
check_not "the program never ran" test -e "$PROJ/hung-ran"
check "the hung pasta is gone within 2 s" wait_for 2 sh -c "! pgrep -u $TEST_UID -f '^sleep 4321\$' >/dev/null"
check "no instance directory is left" sh -c "[ -z \"\$(ls -A '$DATA_DIR/run' 2>/dev/null)\" ]"

# ---- pasta lifetime

# start_run SECONDS: start a run; sets DPID, PASTA (pids of this run's pasta) and
# KIDS (all of drop's descendants).
descendants() {
	local p
	for p in $(pgrep -P "$1"); do
		echo "$p"
		descendants "$p"
	done
}
start_run() { # SECONDS: how long the program runs
	rm -f "$WORK/life.out"
	bg_start "$DROP" run -e n -- sh -c "echo ready; exec sleep $1" >"$WORK/life.out" 2>"$WORK/life.err"
	DPID=$BG_PID
	wait_for 15 grep -q ready "$WORK/life.out" || diag "run did not start: $(cat "$WORK/life.err")"
	KIDS=$(descendants "$DPID" | tr '\n' ' ')
	PASTA=
	local p cmd k
	for p in $(pgrep -u "$TEST_UID" '^(pasta|passt)'); do
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
		case " $KIDS " in *" $p "*) PASTA="$PASTA $p" && continue ;; esac
		case $cmd in *"$HOME/"*) PASTA="$PASTA $p" && continue ;; esac
		for k in $KIDS; do
			[[ $cmd =~ (^|[ /])$k([ /]|$) ]] && PASTA="$PASTA $p" && break
		done
	done
	[ -n "$PASTA" ] || diag "pasta processes: $(pgrep -a -u "$TEST_UID" '^(pasta|passt)')" "drop's descendants: $KIDS"
}
# relays_of PID...: those of the pids that are drop's publish relay (the proxy process, named drop-proxy).
relays_of() {
	local p
	for p in "$@"; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = drop-proxy ] && echo "$p"
	done
}
start_run 2
check "a pasta process runs for an isolated run" test -n "$PASTA"
# shellcheck disable=SC2086
assert_eq "" "$(relays_of $KIDS)" "without -t no relay process is started (the start-up stays as it was)"
wait "$DPID" 2>/dev/null
# shellcheck disable=SC2086
check "pasta was reaped before drop exited (no zombie left)" pids_gone $PASTA
# shellcheck disable=SC2086
check "the sandbox's processes were reaped before drop exited" pids_gone $KIDS

start_run 30
check "a pasta process runs (SIGKILL case)" test -n "$PASTA"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
# shellcheck disable=SC2086
check "pasta is gone within 2 s after drop is SIGKILLed" wait_for 2 pids_dead $PASTA
# shellcheck disable=SC2086
check "the sandbox is gone within 2 s after drop is SIGKILLed" wait_for 2 pids_dead $KIDS

# ---- an address-less -t on both loopbacks (SPEC 5): pasta publishes 127.0.0.1:H
# (it cannot take the same port on two addresses), drop's relay [::1]:H, which
# asks pid 1 for a socket to 127.0.0.1:S inside, or to ::1:S when nothing listens there.

# both_start ADDR: a server on the sandbox's ADDR:3000, published with -t H:3000; sets DPID, H, RELAY.
both_start() {
	H=$(random_port)
	rm -f "$WORK/both.out"
	bg_start "$DROP" run -e n -t "$H:3000" -- python3 "$NET" tcp-serve "$1" 3000 "pong-$1" \
		>"$WORK/both.out" 2>"$WORK/both.err"
	DPID=$BG_PID
	wait_for 15 grep -q listening "$WORK/both.out" || diag "the server inside did not start: $(cat "$WORK/both.err")"
	# shellcheck disable=SC2046
	RELAY=$(relays_of $(descendants "$DPID"))
}
both_start 127.0.0.1
run_cmd python3 "$NET" tcp-ask 127.0.0.1 "$H" 10
assert_eq pong-127.0.0.1 "$OUT" "-t H:S, a server on 127.0.0.1 inside: reached through the host's 127.0.0.1:H (pasta)"
run_cmd python3 "$NET" tcp-ask ::1 "$H" 10
assert_eq pong-127.0.0.1 "$OUT" "... and through the host's [::1]:H (drop's relay)"
assert_eq "127.0.0.1:$H [::1]:$H " "$(ss -Hltn "sport = :$H" | awk '{ print $4 }' | sort | tr '\n' ' ')" \
	"... listening on the host's two loopbacks only"
check "a relay process runs for a run with -t" test -n "$RELAY"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
# shellcheck disable=SC2086
check "the relay was reaped before drop exited (no zombie left)" pids_gone $RELAY
run_cmd python3 "$NET" tcp-ask ::1 "$H"
assert_ne 0 "$STATUS" "... and once drop has exited the host's [::1]:H is closed"

both_start ::1
run_cmd python3 "$NET" tcp-ask ::1 "$H" 10
assert_eq pong-::1 "$OUT" "-t H:S, a server on ::1 only inside: reached through the host's [::1]:H"
# pasta relays 127.0.0.1:H to 127.0.0.1:S inside, where nothing listens (drop(1) says so).
run_cmd python3 "$NET" tcp-ask 127.0.0.1 "$H" 2
assert_eq "" "$OUT" "... not through 127.0.0.1:H, which pasta connects to 127.0.0.1:S inside"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null

both_start 127.0.0.1
check "a relay process runs (SIGKILL case)" test -n "$RELAY"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
# shellcheck disable=SC2086
check "the relay is gone within 2 s after drop is SIGKILLed" wait_for 2 pids_dead $RELAY
check "... and the host's [::1]:H with it" wait_for 2 sh -c "! ss -Hltn 'sport = :$H' | grep -q '::1'"

done_testing
