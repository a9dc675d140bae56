# fakenet.sh: a small fake Internet for the filtered-network tests (SPEC 8).
# shellcheck shell=bash disable=SC2034 # its variables are for the scripts
#
# Sourced after lib.sh. fakenet_start builds: a user + network + mount
# namespace (the "host" drop runs in, root in its own user namespace), a
# second network namespace joined to it by a veth pair with TEST-NET
# addresses (198.51.100.1 on the host side; 198.51.100.2, .3 and .4 on the
# Internet side), and a copy of /etc with the hosts file given on stdin and
# "nameserver 198.51.100.9" bound over /etc in the host's mount namespace.
# No traffic leaves these namespaces.
#
#   fakenet_start <<EOF || done_testing   # a failure is reported (not ok)
#   198.51.100.2 allowed.test
#   EOF
#   fakenet_serve ok 198.51.100.2:80 198.51.100.3:80
#   in_host CMD...   in_net CMD...   ($HOLDER, $NETHOLDER: their processes)
#
# fakenet_serve NAME [tls:]ADDR:PORT... starts HTTP servers in the Internet
# namespace that answer each GET with "NAME ADDR:PORT PATH"; a tls: server
# speaks HTTPS with $FAKENET_CERT / $FAKENET_KEY (fakenet_cert makes them).

# fakenet_start < HOSTS: build the namespaces; not_ok and return 1 on failure.
fakenet_start() {
	local tool
	for tool in unshare nsenter ip python3 curl; do
		command -v "$tool" >/dev/null || {
			not_ok "$tool is installed (the fake Internet is built with it)"
			return 1
		}
	done
	cat >"$WORK/hosts"
	echo "nameserver 198.51.100.9" >"$WORK/resolv.conf"

	# The "host": drop's network and mount namespaces.
	unshare -Urnm --propagation private sleep infinity </dev/null &
	HOLDER=$!
	_t_bg_pids="${_t_bg_pids:-} $HOLDER"
	wait_for 5 test -e "/proc/$HOLDER/ns/net" && sleep 0.2
	wait_for 5 sh -c "[ \"\$(readlink /proc/$HOLDER/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"

	# The "Internet": a second network namespace in the same user namespace.
	# (nsenter and unshare exec, so $! is the process that ends up holding it.)
	nsenter --preserve-credentials -t "$HOLDER" -U -n -m -- unshare -n sleep infinity </dev/null &
	NETHOLDER=$!
	_t_bg_pids="${_t_bg_pids:-} $NETHOLDER"
	wait_for 5 sh -c "[ \"\$(readlink /proc/$NETHOLDER/ns/net)\" != \"\$(readlink /proc/$HOLDER/ns/net)\" ]" || NETHOLDER=
	if [ -z "$NETHOLDER" ] || ! _fakenet_link; then
		not_ok "build the fake Internet (veth pair between two namespaces; ip in a user namespace)"
		return 1
	fi

	# A copy of /etc bound over it whole: drop's /etc overlay refuses a lower
	# layer with a file bound over a part of it (EINVAL), as in a container.
	cp -a /etc "$WORK/etc" 2>/dev/null
	rm -f "$WORK/etc/hosts" "$WORK/etc/resolv.conf"
	cp "$WORK/hosts" "$WORK/resolv.conf" "$WORK/etc/"
	in_host mount --bind "$WORK/etc" /etc
}

in_host() { nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$@"; }
in_net() { nsenter --preserve-credentials -t "$NETHOLDER" -U -n --wd="$PWD" -- "$@"; }

_fakenet_link() {
	in_host ip link set lo up &&
		in_host ip link add veth0 type veth peer name veth1 &&
		in_host ip link set veth1 netns "$NETHOLDER" &&
		in_host ip addr add 198.51.100.1/24 dev veth0 &&
		in_host ip link set veth0 up &&
		in_net ip link set lo up &&
		in_net ip addr add 198.51.100.2/24 dev veth1 &&
		in_net ip addr add 198.51.100.3/24 dev veth1 &&
		in_net ip addr add 198.51.100.4/24 dev veth1 &&
		in_net ip link set veth1 up
}

# fakenet_cert NAME...: a self-signed certificate for these DNS names
# (FAKENET_CERT, FAKENET_KEY; the sandbox trusts it with curl --cacert).
fakenet_cert() {
	local san="" n
	for n in "$@"; do san="$san${san:+,}DNS:$n"; done
	FAKENET_CERT=$WORK/fakenet-cert.pem
	FAKENET_KEY=$WORK/fakenet-key.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" -addext "subjectAltName=$san" \
		-keyout "$FAKENET_KEY" -out "$FAKENET_CERT" >/dev/null 2>&1
}

# fakenet_serve NAME [tls:]ADDR:PORT...: HTTP(S) servers in the Internet
# namespace (killed at exit); returns once they listen.
fakenet_serve() {
	local out=$WORK/serve-$1.out
	[ -e "$WORK/serve.py" ] || cat >"$WORK/serve.py" <<'EOF'
import http.server, os, socketserver, ssl, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = ("%s %s:%d %s\n" % (sys.argv[1], self.server.server_address[0], self.server.server_address[1], self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512
servers = []
for spec in sys.argv[2:]:
    tls = spec.startswith("tls:")
    host, port = spec[4 if tls else 0:].rsplit(":", 1)
    s = S((host, int(port)), H)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.environ["FAKENET_CERT"], os.environ["FAKENET_KEY"])
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
    servers.append(s)
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("listening", flush=True)
servers[0].serve_forever()
EOF
	FAKENET_CERT=${FAKENET_CERT:-} FAKENET_KEY=${FAKENET_KEY:-} \
		nsenter --preserve-credentials -t "$NETHOLDER" -U -n -- python3 "$WORK/serve.py" "$@" >"$out" 2>&1 </dev/null &
	_t_bg_pids="${_t_bg_pids:-} $!"
	wait_for 10 grep -q listening "$out"
}
