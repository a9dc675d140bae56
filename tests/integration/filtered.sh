#!/bin/bash
# filtered.sh: the filtered network (SPEC 8, 6 "network", 7 reaping) against a
# small fake Internet the test owns (tests/lib/fakenet.sh): a user + network +
# mount namespace (the "host" drop runs in), a second network namespace joined
# to it by a veth pair with TEST-NET addresses (198.51.100.0/24) and HTTP
# servers, and a hosts file bound over /etc/hosts there. No traffic leaves
# these namespaces.
# shellcheck disable=SC2016 # quoted $ are for the sandbox's shell
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

. "$DROP_SRCDIR/tests/lib/fakenet.sh"
make_env f || done_testing

# ---- the fake Internet ----

fakenet_start <<'EOF' || done_testing
127.0.0.1 localhost
198.51.100.2 allowed.test sub.wild.test wild.test port.test
198.51.100.3 denied.test
127.0.0.1 loop.test
10.0.0.1 private.test
::ffff:127.0.0.1 mapped.test
EOF

# HTTP servers: each answers "ok ADDRESS:PORT PATH"; a host loopback service holds a secret.
fakenet_serve ok 198.51.100.2:80 198.51.100.2:443 198.51.100.2:8080 198.51.100.3:80 198.51.100.4:80
nsenter --preserve-credentials -t "$HOLDER" -U -n -m -- python3 "$WORK/serve.py" LOOPBACK-SECRET 127.0.0.1:80 127.0.0.1:8080 >/dev/null 2>&1 </dev/null &
_t_bg_pids="${_t_bg_pids:-} $!"
check "the fake Internet answers from the host namespace (control)" \
	sh -c "nsenter --preserve-credentials -t $HOLDER -U -n -m -- curl -sS --max-time 5 http://allowed.test/ | grep -q '^ok 198.51.100.2:80 /'"

# ---- drop in it ----

cat >"$CONFIG_DIR/f.ini" <<'EOF'
[drop]
include = base.ini
[fs]
mount = ~/proj::rw
[net]
mode = filtered
allow = allowed.test
allow = *.wild.test
allow = port.test:8080
allow = loop.test
allow = private.test
allow = mapped.test
allow = 198.51.100.4:80
EOF

# fdrop ARGS...: drop run -e f ARGS, in the host namespaces (run_cmd: OUT, ERR, STATUS).
fdrop() { run_cmd nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" run -e f "$@"; }
fsh() { fdrop -- /bin/sh -c "$1"; }

fsh 'for v in HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy NO_PROXY no_proxy; do eval echo $v=\$$v; done'
assert_eq "$OUT" "HTTP_PROXY=http://127.0.0.1:3128
HTTPS_PROXY=http://127.0.0.1:3128
http_proxy=http://127.0.0.1:3128
https_proxy=http://127.0.0.1:3128
ALL_PROXY=socks5h://127.0.0.1:3128
all_proxy=socks5h://127.0.0.1:3128
NO_PROXY=localhost,127.0.0.1,::1
no_proxy=localhost,127.0.0.1,::1" "the proxy variables are set inside"

# Each refusal next to an allowed request under the same conditions (the control).
fsh 'curl -sS --max-time 5 http://allowed.test/abs?q=1'
assert_eq "$OUT" "ok 198.51.100.2:80 /abs?q=1" "absolute-form GET to an allowed host reaches it in origin form"
fsh 'curl -sS --max-time 5 -p http://allowed.test:443/tunnel'
assert_eq "$OUT" "ok 198.51.100.2:443 /tunnel" "CONNECT to an allowed host:443 opens a tunnel"
fsh 'curl -sS --max-time 5 -x socks5h://127.0.0.1:3128 http://allowed.test/socks'
assert_eq "$OUT" "ok 198.51.100.2:80 /socks" "SOCKS5 with a domain name reaches an allowed host"
fsh 'curl -sS --max-time 5 -x socks5://127.0.0.1:3128 http://198.51.100.4/ip'
assert_eq "$OUT" "ok 198.51.100.4:80 /ip" "SOCKS5 with an IPv4 address reaches an allowed literal"

fsh 'curl -sS --max-time 5 -D - http://denied.test/x'
assert_contains "$OUT" "HTTP/1.1 403 Forbidden" "a host not in [net] allow gets 403"
assert_contains "$OUT" "X-Drop-Blocked: denied.test:80" "... with X-Drop-Blocked: HOST:PORT"
assert_contains "$OUT" "drop: denied.test:80 is blocked: it is not in [net] allow" "... and a body naming the host and [net] allow"
assert_not_contains "$OUT" "ok 198.51.100.3" "... and the server is not reached"
fsh 'curl -sS --max-time 5 -x socks5h://127.0.0.1:3128 http://denied.test/; echo rc=$?'
assert_contains "$OUT$ERR" "rc=97" "SOCKS5 to a host not allowed is refused"
assert_contains "$ERR" "(2)" "... with reply 0x02 (not allowed by ruleset)"

fsh 'curl -sS --max-time 5 http://ALLOWED.Test./case'
assert_eq "$OUT" "ok 198.51.100.2:80 /case" "upper case and one trailing dot are canonicalized, then allowed"
fsh 'for u in http://allowed.test.denied.test/ http://wild.test/ http://198.51.100.2/ http://port.test/ http://[::ffff:198.51.100.2]/; do
	curl -s --max-time 5 -o /dev/null -w "%{http_code} " -g "$u"; done'
assert_eq "$OUT" "403 403 403 403 403 " "allowed.test.evil.test, a wildcard's apex, an IP literal not named, a port-specific entry's other port: 403"
fsh 'curl -sS --max-time 5 http://sub.wild.test/w http://port.test:8080/p'
assert_eq "$OUT" "ok 198.51.100.2:80 /w
ok 198.51.100.2:8080 /p" "a wildcard's subdomain and a port-specific entry's port are allowed"

# Names that resolve where the proxy must not connect: loopback (a secret on the host's 127.0.0.1), private.
fsh 'for u in http://loop.test/ http://private.test/ http://mapped.test/; do
	curl -s --max-time 5 -o /dev/null -w "%{http_code} " "$u"; done; curl -sS --max-time 5 http://loop.test/'
assert_match "$OUT" "^403 403 403 " "allowed names resolving to loopback, private space or a mapped loopback address get 403"
assert_not_contains "$OUT" "LOOPBACK-SECRET" "... and the host's loopback service is never reached"
check "the loopback service is there (control)" \
	sh -c "nsenter --preserve-credentials -t $HOLDER -U -n -m -- curl -sS --max-time 5 http://127.0.0.1/ | grep -q LOOPBACK-SECRET"

# Malformed hosts: never resolved, 400.
cat >"$PROJ/raw.py" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", 3128))
s.settimeout(15)
s.sendall(sys.argv[1].encode("latin-1").decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except (ConnectionResetError, socket.timeout):
        break
    if not chunk:
        break
    data += chunk
print(repr(data[:12]) if data[:1] == b"\x05" else data.decode("latin-1").split("\r\n")[0])
EOF
fsh 'for r in "GET http://user@allowed.test/ HTTP/1.1\r\n\r\n" "GET http://allowed%2etest/ HTTP/1.1\r\n\r\n" \
	"CONNECT allowed.test\x00.denied.test:443 HTTP/1.1\r\n\r\n" "GET http://allowed.test/ HTTP/1.1\r\nHost: allowed.test\r\n\r\n"; do
	python3 raw.py "$r"; done'
assert_eq "$OUT" "HTTP/1.1 400 Bad Request
HTTP/1.1 400 Bad Request
HTTP/1.1 400 Bad Request
HTTP/1.1 200 OK" "userinfo, percent escapes and NUL are 400 (control: the same request well formed is 200)"
fsh 'python3 raw.py "\x05\x01\x00\x05\x01\x00\x03\x0eallowed.test\x00a\x00\x50"; python3 raw.py "\x05\x01\x00\x05\x01\x00\x03\x0callowed.test\x00\x50"'
assert_eq "$OUT" "b'\\x05\\x00\\x05\\x02\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00'
b'\\x05\\x00\\x05\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00'" "SOCKS5: a NUL in the name is refused with 0x02 (control: without it, 0x00)"

# Nothing leaves except through the proxy.
fsh 'curl -sS --max-time 5 --noproxy "*" http://198.51.100.2/ 2>&1; python3 -c "
import socket
try:
    socket.create_connection((\"198.51.100.2\", 80), timeout=5)
except OSError as e:
    print(e.strerror)"'
assert_contains "$OUT" "Network is unreachable" "a direct connection that ignores the proxy: Network is unreachable"
assert_not_contains "$OUT" "ok 198.51.100" "... and reaches nothing"

# An empty list reaches nothing.
cat >"$CONFIG_DIR/e.ini" <<'EOF'
[drop]
include = base.ini
[net]
mode = filtered
EOF
run_cmd nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" run -e f -c "$CONFIG_DIR/e.ini" -- curl -sS --max-time 5 -o /dev/null -w "%{http_code}" http://allowed.test/
assert_eq "$OUT" "403" "an empty allow list reaches nothing"
assert_contains "$ERR" "blocked allowed.test:80 (1)" "... and says so at exit"

# Denials are visible: the summary, -q, -v, the report.
fsh 'curl -s -o /dev/null http://denied.test/; curl -s -o /dev/null http://denied.test/; curl -s -o /dev/null -p http://denied.test:443/; curl -s -o /dev/null http://allowed.test/'
assert_eq "$ERR" "drop: filtered network blocked denied.test:80 (2), denied.test:443 (1) (not in [net] allow; -v shows them as they happen)" \
	"one summary line at exit lists the refused destinations with their counts"
fdrop -q -- sh -c 'curl -s -o /dev/null http://denied.test/'
assert_eq "$ERR" "" "-q: no summary"
fdrop -v -- sh -c 'curl -s -o /dev/null http://denied.test/; curl -s -o /dev/null http://denied.test/; curl -s -o /dev/null http://198.51.100.3:81/'
assert_contains "$ERR" "drop: blocked denied.test:80 (not in [net] allow)" "-v: each refused destination is printed"
assert_eq "$(grep -c 'blocked denied.test:80' <<<"$ERR")" 1 "... once"
assert_contains "$ERR" "drop: blocked 198.51.100.3:81 (not in [net] allow)" "... addresses too"
assert_not_contains "$ERR" "filtered network blocked" "... and no summary then"
fdrop --report "$WORK/r.json" -- sh -c 'curl -s -o /dev/null http://denied.test/; curl -s -o /dev/null http://denied.test/; curl -s -o /dev/null http://allowed.test/; curl -s -o /dev/null -p http://allowed.test:443/'
assert_contains "$(cat "$WORK/r.json" 2>/dev/null)" '"network":{"mode":"filtered","allowed":2,"denied":[{"host":"denied.test","port":80,"count":2}]}' \
	"the report's network object: connections made and refusals with counts"

# A refused name of 253 bytes (the longest) does not end the reporting of the ones after it.
fsh 'long=$(python3 -c "print(\".\".join([\"a\"*63, \"b\"*63, \"c\"*63, \"d\"*61]))"); curl -s -o /dev/null "http://$long/"; curl -s -o /dev/null http://after.test/'
assert_contains "$ERR" "dddd:80 (1), after.test:80 (1)" "a 253-byte refused name is reported, and the refusals after it too"

# Limits: headers over 16 KiB, 300 connections at once, a slow client.
fsh 'python3 raw.py "GET http://allowed.test/ HTTP/1.1\r\nX: $(head -c 17000 /dev/zero | tr "\0" a)\r\n\r\n"; python3 raw.py "GET http://allowed.test/ HTTP/1.1\r\nX: $(head -c 15000 /dev/zero | tr "\0" a)\r\n\r\n"'
assert_eq "$OUT" "HTTP/1.1 400 Bad Request
HTTP/1.1 200 OK" "headers over 16 KiB: 400 (control: 15 KB pass)"
cat >"$PROJ/many.py" <<'EOF'
import socket, sys, collections
socks = [socket.create_connection(("127.0.0.1", 3128)) for _ in range(300)]
for s in socks:
    s.sendall(b"GET http://allowed.test/ HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n")
codes = collections.Counter()
for s in socks:
    s.settimeout(20)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    codes[data.split(b" ")[1].decode() if data else "none"] += 1
print(" ".join("%s=%d" % kv for kv in sorted(codes.items())))
EOF
fsh 'python3 many.py; curl -sS --max-time 5 http://allowed.test/after'
assert_match "$OUT" "^200=2[0-9][0-9] 503=[0-9]+
ok 198.51.100.2:80 /after$" "300 connections at once: each is answered, 200 or 503 over 256 open, and the proxy serves on"
cat >"$PROJ/slow.py" <<'EOF'
import socket, time, subprocess
s = socket.create_connection(("127.0.0.1", 3128))
s.sendall(b"GET http://allowed.test/ HTTP/1.1\r\n")
t = time.time()
out = subprocess.run(["curl", "-sS", "--max-time", "5", "http://allowed.test/meanwhile"], capture_output=True).stdout.decode().strip()
s.settimeout(20)
closed = s.recv(100) == b""
print(out, "closed" if closed else "open", round(time.time() - t))
EOF
fsh 'python3 slow.py'
assert_match "$OUT" "^ok 198.51.100.2:80 /meanwhile closed (9|10|11)$" "a slow client is cut off after 10 s, and others are served meanwhile"

# tcp_host: sandbox 127.0.0.1:S relayed by the proxy to the host's 127.0.0.1:H, and nothing else of the host's loopback.
fsh 'curl -sS --max-time 5 --noproxy "*" http://127.0.0.1:9000/th 2>&1; echo; curl -sS --max-time 5 --noproxy "*" http://127.0.0.1:8080/ 2>&1'
assert_not_contains "$OUT" "LOOPBACK-SECRET" "without tcp_host the host's loopback services are out of reach (control)"
fdrop -T 8080:9000 -- sh -c 'curl -sS --max-time 5 --noproxy "*" http://127.0.0.1:9000/th; curl -sS --max-time 5 --noproxy "*" http://127.0.0.1:8080/direct 2>&1; curl -sS --max-time 5 http://allowed.test/th'
assert_contains "$OUT" "LOOPBACK-SECRET 127.0.0.1:8080 /th" "-T 8080:9000: the sandbox's 127.0.0.1:9000 reaches the host's 127.0.0.1:8080"
assert_not_contains "$OUT" "/direct" "... and only through that port (the sandbox's own 8080 is not the host's)"
assert_contains "$OUT" "ok 198.51.100.2:80 /th" "... while the proxy serves on"
assert_eq "$STATUS" 0 "... exit 0"
cat >"$CONFIG_DIR/th.ini" <<'EOF'
[drop]
include = f.ini
[net]
tcp_host = 80
udp_host = 53
udp_publish = 5353
tcp_host = 8080:8081
EOF
run_cmd nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" -v run -e f -c "$CONFIG_DIR/th.ini" -- curl -sS --max-time 5 --noproxy "*" http://127.0.0.1:80/a http://127.0.0.1:8081/b
assert_eq "$OUT" "LOOPBACK-SECRET 127.0.0.1:80 /a
LOOPBACK-SECRET 127.0.0.1:8080 /b" "tcp_host in a config file with filtered: each entry relayed"
assert_contains "$ERR" "udp_host = 53 ignored (the network mode is filtered)" "... UDP port options in a file are ignored, noted with -v"
assert_contains "$ERR" "udp_publish = 5353 ignored (the network mode is filtered)" "... udp_publish too"
fdrop -T 1:9001 -- sh -c 'curl -sS --max-time 5 --noproxy "*" http://127.0.0.1:9001/ 2>&1; echo rc=$?'
assert_match "$OUT" "rc=(52|56|7)$" "tcp_host to a host port nobody listens on: the connection is closed"
assert_not_contains "$OUT" "LOOPBACK-SECRET" "... and reaches nothing else"
fdrop -T 3128 -- true
assert_eq "$STATUS" 125 "tcp_host on the proxy's own port: exit 125"
assert_contains "$ERR" "drop: cannot listen on 127.0.0.1:3128 inside for tcp_host (it is [net] proxy_port)" "... naming the clash"
fdrop -t 3128 -- true
assert_eq "$STATUS" 125 "tcp_publish of the proxy's own port: exit 125 (host clients would get the sandbox's allowlist)"
assert_contains "$ERR" "drop: tcp_publish 3128 is the filtered network's proxy ([net] proxy_port); publish another port" "... saying so"
for opt in "-T auto" "-U 53" "-u 53"; do
	# shellcheck disable=SC2086 # one option and its value
	fdrop $opt -- true
	assert_eq "$STATUS" 125 "$opt with --net filtered is an error (125)"
done
assert_contains "$ERR" "drop: UDP port options need --net isolated (the network mode is filtered)" "... saying what the option needs"

# tcp_publish: the host's 127.0.0.1:H and [::1]:H relayed by the proxy to the
# sandbox's port S, through a socket pid 1 makes inside (the broker).
cat >"$PROJ/pserve.py" <<'EOF'
import socket, sys
fam, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(512)
open(sys.argv[5], "w").close()
for _ in range(n):
    c, a = s.accept()
    c.sendall(("pong-inside %s %d\n" % (addr, port)).encode())
    c.close()
EOF
cat >"$PROJ/pclient.py" <<'EOF'
import socket, sys, collections
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1
got = collections.Counter()
socks = []
for _ in range(n):
    try:
        socks.append(socket.create_connection((host, port), timeout=5))
    except OSError as e:
        got[e.strerror] += 1
for s in socks:
    try:
        data = s.recv(100).decode().strip()
    except OSError as e:
        data = e.strerror
    got[data or "closed"] += 1
print(" ".join(sorted("%s=%d" % kv if n > 1 else kv[0] for kv in got.items())))
EOF
# pub_start READY DROP-OPTIONS... -- CMD: drop run in the background; returns once the file READY exists (the server listens).
pub_start() {
	local ready=$1
	shift
	rm -f "$ready"
	nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" run -e f "$@" </dev/null >"$WORK/pub.out" 2>"$WORK/pub.err" &
	PUBBG=$!
	_t_bg_pids="${_t_bg_pids:-} $PUBBG"
	wait_for 10 test -e "$ready"
}
pclient() { run_cmd nsenter --preserve-credentials -t "$HOLDER" -U -n -m -- python3 "$PROJ/pclient.py" "$@"; }

pub_start "$PROJ/r1" -t 18080:8000 -- python3 pserve.py 4 127.0.0.1 8000 3 r1
pclient 127.0.0.1 18080
assert_eq "$OUT" "pong-inside 127.0.0.1 8000" "-t 18080:8000: the host's 127.0.0.1:18080 reaches a server on the sandbox's 127.0.0.1:8000"
pclient ::1 18080
assert_eq "$OUT" "pong-inside 127.0.0.1 8000" "... and so does the host's [::1]:18080"
run_cmd nsenter --preserve-credentials -t "$HOLDER" -U -n -- ss -Hltn "sport = :18080"
assert_eq "$(awk '{print $4}' <<<"$OUT" | sort | tr '\n' ' ')" '127.0.0.1:18080 [::1]:18080 ' "... listening on the host's loopback only"
pclient 198.51.100.1 18080
assert_eq "$OUT" "Connection refused" "... so the host's other addresses do not publish it"
pclient 127.0.0.1 18080
wait "$PUBBG"
assert_eq "$?" 0 "... and the run ends normally (exit 0)"
pclient 127.0.0.1 18080
assert_eq "$OUT" "Connection refused" "... and once drop has exited the host port is closed"

pub_start "$PROJ/r2" -- python3 pserve.py 4 127.0.0.1 8000 1 r2
pclient 127.0.0.1 8000
assert_eq "$OUT" "Connection refused" "without -t the sandbox's port is not reachable from the host (control)"
kill "$PUBBG" 2>/dev/null
wait "$PUBBG" 2>/dev/null

pub_start "$PROJ/r3" -t 18082:8002 -- python3 pserve.py 6 ::1 8002 1 r3
pclient 127.0.0.1 18082
assert_eq "$OUT" "pong-inside ::1 8002" "a server inside on ::1 only is reached through the host's 127.0.0.1:H (the ::1 fallback)"
wait "$PUBBG"

pub_start "$PROJ/r4" -t 18083:8003 -- sh -c 'python3 pserve.py 4 127.0.0.1 8000 1 r4 & wait'
pclient 127.0.0.1 18083
assert_eq "$OUT" "closed" "a published port nobody listens on inside: the connection is closed"
pclient 127.0.0.1 18083
assert_eq "$OUT" "closed" "... again (the broker stays open for the next)"
kill "$PUBBG" 2>/dev/null
wait "$PUBBG" 2>/dev/null

pub_start "$PROJ/r5" -t 18084:8004 -- python3 pserve.py 4 127.0.0.1 8004 101 r5
pclient 127.0.0.1 18084 100
assert_eq "$OUT" "pong-inside 127.0.0.1 8004=100" "100 host connections at once: each is relayed"
pclient 127.0.0.1 18084
assert_eq "$OUT" "pong-inside 127.0.0.1 8004" "... and the next one too"
wait "$PUBBG"

printf '[drop]\ninclude = f.ini\n[net]\ntcp_publish = 18085:8005\n' >"$CONFIG_DIR/pub.ini"
pub_start "$PROJ/r6" -c "$CONFIG_DIR/pub.ini" -- python3 pserve.py 4 127.0.0.1 8005 1 r6
pclient 127.0.0.1 18085
assert_eq "$OUT" "pong-inside 127.0.0.1 8005" "tcp_publish in a config file with filtered: relayed"
wait "$PUBBG"

fdrop -t 8080:8000 -- true
assert_eq "$STATUS" 125 "-t with a host port in use: exit 125"
assert_contains "$ERR" "drop: cannot publish port 8080: the host already uses it" "... saying the host already uses it"

pub_start "$PROJ/r7" -t 18086:8006 -- python3 pserve.py 4 127.0.0.1 8006 1 r7
PUBDROP=$(pgrep --ns "$HOLDER" --nslist net -x drop)
kill -KILL "$PUBDROP" 2>/dev/null
check "drop SIGKILLed: its publish listeners are gone within 2 s" \
	wait_for 2 sh -c "! nsenter --preserve-credentials -t $HOLDER -U -n -- ss -Hltn 'sport = :18086' | grep -q ."
wait "$PUBBG" 2>/dev/null

# drop enter gets the instance's proxy variables, from the instance as it was started ([net] proxy_port from -c here).
printf '[drop]\ninclude = f.ini\n[net]\nproxy_port = 3130\n' >"$CONFIG_DIR/pp.ini"
# (not fdrop: run_cmd's output files are the next command's)
nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" run -e f -c "$CONFIG_DIR/pp.ini" -- sleep 30 \
	</dev/null >/dev/null 2>&1 &
ENTERBG=$!
_t_bg_pids="${_t_bg_pids:-} $ENTERBG"
wait_for 10 sh -c "pgrep --ns $HOLDER --nslist net -x drop-proxy >/dev/null"
run_cmd nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" enter -e f -- \
	sh -c 'echo "$HTTP_PROXY $https_proxy $ALL_PROXY $NO_PROXY"; curl -sS --max-time 5 http://allowed.test/enter'
assert_eq "$OUT" "http://127.0.0.1:3130 http://127.0.0.1:3130 socks5h://127.0.0.1:3130 localhost,127.0.0.1,::1
ok 198.51.100.2:80 /enter" "drop enter into a filtered instance: the proxy variables of that instance, and they work"
kill "$(pgrep --ns "$HOLDER" --nslist net -x drop)" 2>/dev/null
wait "$ENTERBG" 2>/dev/null

# Bulk relaying (SPEC 9): 32 MB down and 8 MB up through one CONNECT tunnel arrive whole, with the
# half-close passed on, also to a client that stops reading for 4 s; meanwhile the proxy holds the
# bytes in splice pipes (never in its own memory) and does not spin.
cat >"$WORK/bulk.py" <<'EOF'
import hashlib, socket, sys, threading
def serve(c):
    up = hashlib.sha256()
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        up.update(b)
    c.sendall(up.hexdigest().encode() + b"\n")
    block = hashlib.sha256(b"drop").digest() * 2048
    for _ in range(512):
        c.sendall(block)
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.4", 81))
s.listen(8)
print("listening", flush=True)
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
EOF
nsenter --preserve-credentials -t "$NETHOLDER" -U -n -- python3 "$WORK/bulk.py" >"$WORK/bulk.out" 2>&1 </dev/null &
_t_bg_pids="${_t_bg_pids:-} $!"
wait_for 10 grep -q listening "$WORK/bulk.out"
cat >"$PROJ/bulk.py" <<'EOF'
import hashlib, socket, sys, time
s = socket.create_connection(("127.0.0.1", 3128))
s.sendall(b"CONNECT 198.51.100.4:81 HTTP/1.1\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
upload = hashlib.sha256(b"up").digest() * (8 << 15)
s.sendall(upload)
s.shutdown(socket.SHUT_WR)
if sys.argv[1] == "slow":
    open("paused", "w").close()
    time.sleep(4)
data = bytearray()
while True:
    b = s.recv(1 << 16)
    if not b:
        break
    data += b
line, _, rest = bytes(data).partition(b"\n")
want = hashlib.sha256(hashlib.sha256(b"drop").digest() * 2048 * 512).hexdigest()
print("up", "whole" if line.decode() == hashlib.sha256(upload).hexdigest() else "damaged",
      "down", len(rest), "whole" if hashlib.sha256(rest).hexdigest() == want else "damaged")
EOF
fdrop -a 198.51.100.4:81 -- python3 bulk.py fast
assert_eq "$OUT" "up whole down 33554432 whole" "32 MB down and 8 MB up through a tunnel arrive whole, the client's half-close passed on"
rm -f "$PROJ/paused"
nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" run -e f -a 198.51.100.4:81 -- python3 bulk.py slow \
	</dev/null >"$WORK/bulk-slow.out" 2>&1 &
BULKBG=$!
_t_bg_pids="${_t_bg_pids:-} $BULKBG"
wait_for 10 test -e "$PROJ/paused"
sleep 0.3
BULKPROXY=$(pgrep --ns "$HOLDER" --nslist net -x drop-proxy -n)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
t0=$(cpu_ticks "$BULKPROXY")
pipes=$(ls -l "/proc/$BULKPROXY/fd" 2>/dev/null | grep -c 'pipe:')
sleep 1
t1=$(cpu_ticks "$BULKPROXY")
wait "$BULKBG"
assert_eq "$(cat "$WORK/bulk-slow.out")" "up whole down 33554432 whole" "... and to a client that stops reading for 4 s"
assert_match "$pipes" "^[1-9][0-9]*$" "... the proxy relays them through splice pipes, not its own buffers"
assert_match "$((${t1:-100} - ${t0:-0}))" "^[0-9]$" "... and waits for the slow client without spinning (under 0.1 s of CPU in 1 s)"

# The proxy itself: its own process, filter, no privileges; dies with drop.
fdrop -- sleep 30 2>/dev/null &
DROPBG=$!
_t_bg_pids="${_t_bg_pids:-} $DROPBG"
PROXY=
# Only this test's proxies: other runs of this script may share the machine.
myproxy() { pgrep --ns "$HOLDER" --nslist net -x drop-proxy "$@"; }
wait_for 10 sh -c "pgrep --ns $HOLDER --nslist net -x drop-proxy >/dev/null" && PROXY=$(myproxy -n)
st=$(cat "/proc/$PROXY/status" 2>/dev/null)
assert_match "$st" "NoNewPrivs:[[:space:]]+1" "the proxy has no_new_privs"
assert_match "$st" "Seccomp:[[:space:]]+2" "the proxy runs under a seccomp filter"
assert_match "$st" "CapEff:[[:space:]]+0+$" "the proxy has no effective capabilities (though drop runs as root in its namespace)"
assert_match "$st" "CapPrm:[[:space:]]+0+$" "... nor permitted ones"
assert_eq "$(readlink "/proc/$PROXY/ns/net")" "$(readlink "/proc/$HOLDER/ns/net")" "the proxy runs in the host's network namespace"
# drop itself (its clones, pid 1 and the proxy, have drop's command line too, but names of their own).
DROPPID=$(pgrep --ns "$HOLDER" --nslist net -x drop)
assert_match "$DROPPID" "^[0-9]+$" "drop's own process is found (not pid 1 or the proxy)"
kill -KILL "$DROPPID" 2>/dev/null
check "drop SIGKILLed: the proxy dies within 2 s" wait_for 2 pids_dead "$PROXY"
wait "$DROPBG" 2>/dev/null
fdrop -- true
check_not "a normal exit leaves no proxy behind" myproxy

done_testing
