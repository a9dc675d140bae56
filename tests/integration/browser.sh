#!/bin/bash
# browser.sh: real browsers under their shipped profiles (SPEC 2.3, 4, issue 6):
# `drop chromium` and `drop firefox-esr` show a page served by the test on
# 127.0.0.1 in a window on a private Xvfb and on a private headless Weston,
# seen in screenshots taken from outside; their own sandboxes are active
# inside drop's; a local page with relaxed file access cannot read
# ~/.ssh/id_ed25519 or a file outside the mounts, but can read one inside.
#
# Browsers are kept off the network: every host name resolves to nothing
# (chromium's --host-resolver-rules, firefox's proxy prefs pointing at a
# closed loopback port), so the only traffic is to the test's server.
# shellcheck disable=SC2016 # quoted $ are for the sandbox or the page
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

for tool in chromium firefox-esr weston weston-screenshooter Xvfb xauth xwd dbus-daemon xdg-dbus-proxy python3; do
	command -v "$tool" >/dev/null || {
		not_ok "$tool is installed (apt-get install chromium firefox-esr weston xvfb xauth x11-apps dbus-daemon xdg-dbus-proxy python3)"
		done_testing
	}
done

BROWSER_TIMEOUT=40
PAGE_COLOUR=12ab34
mkdir -p "$DROP_SYSCONF_DIR/profiles"
cp "$DROP_SRCDIR"/etc/profiles/*.ini "$DROP_SYSCONF_DIR/profiles/"
write_base
export XDG_RUNTIME_DIR=$WORK/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"

# ---- what the browsers must not see, and what they may

SECRET="ssh-secret-$RANDOM$RANDOM"
OUTSIDE="outside-secret-$RANDOM$RANDOM"
VISIBLE="visible-$RANDOM$RANDOM"
mkdir -m 700 "$HOME/.ssh"
printf '%s\n' "$SECRET" >"$HOME/.ssh/id_ed25519"
printf '%s\n' "$OUTSIDE" >"$WORK/outside.txt"

# ---- the test's web server: serves $WORK/www, and /report?TEXT appends TEXT to $LOG

PORT=$(random_port)
LOG=$WORK/reports
mkdir "$WORK/www"
: >"$LOG"
cat >"$WORK/server.py" <<'EOF'
import http.server, sys, urllib.parse
port, root, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def log_message(self, *a):
        pass
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/report":
            return super().do_GET()
        with open(log, "a") as f:
            f.write(urllib.parse.unquote(url.query) + "\n")
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
EOF
bg_start python3 "$WORK/server.py" "$PORT" "$WORK/www" "$LOG"
wait_for 10 sh -c "ss -Hltn 'sport = :$PORT' | grep -q ." || diag "the test's web server did not start"
# page.html reports "loaded BROWSER" once it ran, which proves it was fetched and executed.
cat >"$WORK/www/page.html" <<EOF
<!DOCTYPE html><html><body style="background:#$PAGE_COLOUR"><h1>drop browser test</h1>
<script>fetch("/report?loaded " + location.hash.slice(1));</script></body></html>
EOF

# colour_stats FILE: "DISTINCT PERCENT" for a screenshot (X window dump or PNG):
# distinct colours, and the share of the screen in the page's colour.
cat >"$WORK/colours.py" <<'EOF'
import collections, struct, sys, zlib
def xwd(d):
    h = struct.unpack(">25I", d[:100])
    size, version, fmt, w, hgt, order, bpp, bpl, ncolors = h[0], h[1], h[2], h[4], h[5], h[7], h[11], h[12], h[19]
    assert version == 7 and fmt == 2 and bpp in (24, 32), "unexpected window dump format"
    off, step, end = size + ncolors * 12, bpp // 8, "little" if order == 0 else "big"
    for y in range(hgt):
        row = d[off + y * bpl:off + y * bpl + w * step]
        for x in range(0, len(row), step):
            yield int.from_bytes(row[x:x + step], end) & 0xffffff
def png(d):
    pos, data = 8, b""
    while pos < len(d):
        n, kind = struct.unpack(">I4s", d[pos:pos + 8])
        if kind == b"IHDR":
            w, hgt, depth, ctype = struct.unpack(">IIBB", d[pos + 8:pos + 18])
        if kind == b"IDAT":
            data += d[pos + 8:pos + 8 + n]
        pos += 12 + n
    assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, i = zlib.decompress(data), w * bpp, bytearray(w * bpp), 0
    for y in range(hgt):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            yield line[x] << 16 | line[x + 1] << 8 | line[x + 2]
        prev = line
d = open(sys.argv[1], "rb").read()
counts = collections.Counter(png(d) if d[:4] == b"\x89PNG" else xwd(d))
print(len(counts), counts[int(sys.argv[2], 16)] * 100 // sum(counts.values()))
EOF
colour_stats() {
	python3 "$WORK/colours.py" "$1" "$PAGE_COLOUR" 2>&1
}

# x_shot / wl_shot: a screenshot of the whole screen, taken from outside the sandbox; prints its stats.
x_shot() {
	xwd -root -silent -display "$XDISPLAY" >"$WORK/shot.xwd" 2>/dev/null && colour_stats "$WORK/shot.xwd"
}
wl_shot() {
	rm -rf "$WORK/wlshot" && mkdir "$WORK/wlshot" &&
		(cd "$WORK/wlshot" && WAYLAND_DISPLAY=$WL_SOCKET timeout 10 weston-screenshooter >/dev/null 2>&1) &&
		colour_stats "$WORK/wlshot"/*.png
}
# page_shown SHOT-FUNCTION: the page's colour covers at least a third of the screen (polled: painting follows onload).
page_shown() {
	local tries=10
	while [ "$tries" -gt 0 ]; do
		SHOT=$("$1")
		[ "${SHOT#* }" -ge 33 ] 2>/dev/null && [ "${SHOT% *}" -gt 1 ] && return 0
		sleep 0.5
		tries=$((tries - 1))
	done
	return 1
}

# ---- browsers: one environment each, created by 'drop PROGRAM' on first use, the test port made reachable

env_home() { printf '%s\n' "$DATA_DIR/envs/$1/home"; }
CHROMIUM_ARGS=(--no-first-run --no-default-browser-check --disable-background-networking
	--disable-component-update --disable-default-apps --disable-sync
	'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1')
FIREFOX_PREFS='user_pref("app.normandy.enabled", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.safebrowsing.downloads.remote.enabled", false);
user_pref("browser.sessionstore.resume_from_crash", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.proxy.http", "127.0.0.1");
user_pref("network.proxy.http_port", 9);
user_pref("network.proxy.share_proxy_settings", true);
user_pref("network.proxy.socks_remote_dns", true);
user_pref("network.proxy.ssl", "127.0.0.1");
user_pref("network.proxy.ssl_port", 9);
user_pref("network.proxy.type", 1);
user_pref("network.trr.mode", 5);
user_pref("security.fileuri.strict_origin_policy", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);'

for b in chromium firefox-esr; do
	run_drop "$b" --version
	assert_status 0 "drop $b --version: runs, creating environment $b on first use"
	assert_match "$OUT" "Chromium|Firefox" "drop $b --version: the browser answers"
	printf '\n[net]\ntcp_host = %s\n' "$PORT" >>"$CONFIG_DIR/$b.ini"
done
mkdir -p "$(env_home firefox-esr)/profile"
printf '%s\n' "$FIREFOX_PREFS" >"$(env_home firefox-esr)/profile/user.js"

# probe.html, in each environment's home: a local page that tries to read
# files and reports what it got. A web page cannot read file:// URLs at all,
# so the probe is a local page given the widest file access a browser has
# (chromium --allow-file-access-from-files, firefox with
# security.fileuri.strict_origin_policy off): then only drop's filesystem
# stands between it and the key, and reading visible.txt proves the probe works.
for b in chromium firefox-esr; do
	printf '%s\n' "$VISIBLE" >"$(env_home "$b")/visible.txt"
	cat >"$(env_home "$b")/probe.html" <<EOF
<!DOCTYPE html><html><body style="background:#$PAGE_COLOUR"><h1>file probe</h1><script>
const report = (s) => fetch("http://127.0.0.1:$PORT/report?" + encodeURIComponent(s), { mode: "no-cors" });
const attempt = (name, url) => new Promise((done) => {
	const x = new XMLHttpRequest();
	x.onload = () => done(name + " read " + x.responseText.trim());
	x.onerror = () => done(name + " error");
	try { x.open("GET", url); x.send(); } catch (e) { done(name + " " + e.name); }
});
Promise.all([attempt("visible", "file://$HOME/visible.txt"), attempt("ssh", "file://$HOME/.ssh/id_ed25519"),
	attempt("outside", "file://$WORK/outside.txt")])
	.then((lines) => Promise.all(lines.map((l) => report("$b " + l)))).then(() => report("$b probe-done"));
</script></body></html>
EOF
done

# start_browser NAME ARGS...: 'drop NAME ARGS...' in the background; sets BROWSER_PID (drop's pid).
start_browser() {
	"$DROP" "$@" </dev/null >"$WORK/$1.out" 2>&1 &
	BROWSER_PID=$!
	_t_bg_pids="${_t_bg_pids:-} $BROWSER_PID"
}
# ended PID: PID (a child of this script) exited: it is gone or a zombie.
ended() {
	local state
	state=$(ps -o stat= -p "$1")
	[ -z "$state" ] || [ "${state#Z}" != "$state" ]
}
browser_gone() { ! pgrep -u "$TEST_UID" -f "^(/usr/lib/$1/|$1 )" >/dev/null; }
# stop_browser NAME: SIGTERM to drop reaches the browser through drop's init; everything must be gone.
stop_browser() {
	kill -TERM "$BROWSER_PID" 2>/dev/null
	wait_for 15 ended "$BROWSER_PID"
	check "drop $1 ends on SIGTERM" ended "$BROWSER_PID"
	wait_for 5 browser_gone "$1"
	check "no $1 process is left behind" browser_gone "$1"
	wait "$BROWSER_PID" 2>/dev/null
}
reported() { grep -qxF -- "$1" "$LOG"; }
# descendants PID: every process below PID, one pid a line.
descendants() {
	ps -e -o pid=,ppid= | awk -v top="$1" '
		{ parent[$1] = $2 }
		END { for (p in parent) { q = p; while (q in parent && q != top) q = parent[q]; if (q == top && p != top) print p } }'
}
userns() { readlink "/proc/$1/ns/user" 2>/dev/null; }
filters() { awk '/^Seccomp_filters:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }

# check_nested_sandbox NAME MAIN-PID KIND WORKER-PIDS...: each worker is in a user
# namespace of its own (not the browser's, which is drop's, not the host's)
# and under more seccomp filters than the browser (drop's, plus the browser's own).
sandboxed_or_gone() { # PID MAIN
	[ ! -d "/proc/$1" ] || [ "$(filters "$1")" -gt "$(filters "$2")" ] 2>/dev/null
}
check_nested_sandbox() {
	local name=$1 main=$2 kind=$3 w bad=0 checked
	shift 3
	assert_ne "$(userns $$)" "$(userns "$main")" "$name: the browser runs in drop's user namespace, not the host's"
	if [ $# -eq 0 ]; then
		not_ok "$name: $kind processes exist"
		return
	fi
	ok "$name: $# $kind processes"
	for w; do
		if [ "$(userns "$w")" = "$(userns "$main")" ] || [ -z "$(userns "$w")" ]; then
			bad=1
			diag "$kind $w: user namespace $(userns "$w"), the browser's: $(userns "$main")"
		fi
	done
	assert_eq 0 "$bad" "$name: every $kind process is in a nested user namespace (the browser's sandbox)"
	bad=0
	checked=0
	for w; do
		# A process sampled just as it was spawned installs its filter a moment
		# later, and one may exit meanwhile: judge each live one after at most 3 s.
		wait_for 3 sandboxed_or_gone "$w" "$main"
		[ -d "/proc/$w" ] || continue
		checked=$((checked + 1))
		if ! [ "$(filters "$w")" -gt "$(filters "$main")" ] 2>/dev/null; then
			bad=1
			diag "$kind $w: $(filters "$w") seccomp filters, the browser: $(filters "$main")"
		fi
	done
	[ "$checked" -gt 0 ] || { bad=1; diag "every $kind process exited before it could be checked"; }
	assert_eq 0 "$bad" "$name: every $kind process has its own seccomp filter on top of drop's"
}

# check_chromium_sandbox: renderers (--type=renderer) sandboxed by chromium itself, and no --no-sandbox anywhere.
check_chromium_sandbox() {
	local p main='' renderers=() all=''
	for p in $(descendants "$BROWSER_PID"); do
		case $(cmdline "$p") in
		/usr/lib/chromium/chromium\ *--type=renderer*) renderers+=("$p") ;;
		/usr/lib/chromium/chromium\ *--type=*) ;;
		/usr/lib/chromium/chromium\ *) main=$p ;;
		esac
		all="$all$(cmdline "$p")"$'\n'
	done
	[ -n "$main" ] || { not_ok "chromium: the browser process is found below drop"; return; }
	assert_not_contains "$all" "--no-sandbox" "chromium: no process runs with --no-sandbox"
	check_nested_sandbox chromium "$main" renderer "${renderers[@]}"
}

# check_firefox_sandbox: Firefox's web content processes (-contentproc ...
# -isForBrowser) get their own user namespace and a seccomp filter when the
# content sandbox is on (it needs userns = yes in the profile).
check_firefox_sandbox() {
	local p main='' content=()
	for p in $(descendants "$BROWSER_PID"); do
		case $(cmdline "$p") in
		*firefox-esr\ -contentproc*-isForBrowser*) content+=("$p") ;;
		*firefox-esr\ -contentproc*) ;;
		firefox-esr\ * | /usr/lib/firefox-esr/firefox-esr\ *) main=$p ;;
		esac
	done
	[ -n "$main" ] || { not_ok "firefox-esr: the browser process is found below drop"; return; }
	check_nested_sandbox firefox-esr "$main" "web content" "${content[@]}"
}

# check_file_probe NAME: the probe ran, read visible.txt, and nothing of the secrets came back.
check_file_probe() {
	local got
	got=$(grep "^$1 " "$LOG")
	assert_contains "$got" "$1 probe-done" "$1: the file probe ran"
	assert_contains "$got" "$1 visible read $VISIBLE" "$1: the probe reads a file inside the sandbox (it can tell)"
	assert_match "$got" "^$1 ssh (error|[A-Za-z]+Error)\$" "$1: ~/.ssh/id_ed25519 cannot be read"
	assert_match "$got" "^$1 outside (error|[A-Za-z]+Error)\$" "$1: a host file outside the mounts cannot be read"
	assert_not_contains "$(cat "$LOG")" "$SECRET" "$1: the key's content never reached the page"
	assert_not_contains "$(cat "$LOG")" "$OUTSIDE" "$1: nor the outside file's"
}

# ---- X11: a private Xvfb that requires its cookie, and a private session bus

n=90
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
XDISPLAY=:$n
XAUTH=$WORK/Xauthority
xauth -f "$XAUTH" add "$XDISPLAY" MIT-MAGIC-COOKIE-1 "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" 2>/dev/null
[ -d /tmp/.X11-unix ] || mkdir -m 1777 /tmp/.X11-unix
bg_start Xvfb "$XDISPLAY" -auth "$XAUTH" -nolisten tcp -screen 0 1024x768x24 2>"$WORK/xvfb.log"
wait_for 10 test -S "/tmp/.X11-unix/X$n" || diag "Xvfb did not start: $(cat "$WORK/xvfb.log")"
BUS=$XDG_RUNTIME_DIR/bus
bg_start dbus-daemon --session --nofork --nopidfile --address="unix:path=$BUS"
wait_for 10 test -S "$BUS" || diag "dbus-daemon did not start"
export DISPLAY=$XDISPLAY XAUTHORITY=$XAUTH DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS

# x11_run NAME ARGS...: the browser shows page.html (and probe.html in a second tab) on the X server.
x11_run() {
	local b=$1
	SHOT=$(x_shot)
	assert_eq "1 0" "$SHOT" "$b/x11: before the browser, the screen is blank (the screenshot check can fail)"
	start_browser "$@" "http://127.0.0.1:$PORT/page.html#$b-x11" "file://$HOME/probe.html"
	if ! wait_for "$BROWSER_TIMEOUT" sh -c "grep -qxF 'loaded $b-x11' '$LOG' && grep -qxF '$b probe-done' '$LOG'"; then
		diag "drop $b output:" "$(tail -n 20 "$WORK/$b.out")"
	fi
	check "drop $b (X11): the page from the host's 127.0.0.1:$PORT loaded and ran" reported "loaded $b-x11"
	if page_shown x_shot; then
		ok "drop $b (X11): a screenshot from outside shows the page (colours, page share %: $SHOT)"
	else
		not_ok "drop $b (X11): a screenshot from outside shows the page"
		diag "distinct colours, page share %: $SHOT"
	fi
}

x11_run chromium "${CHROMIUM_ARGS[@]}" --allow-file-access-from-files
check_chromium_sandbox
check_file_probe chromium
stop_browser chromium

x11_run firefox-esr --no-remote --profile "$HOME/profile"
check_firefox_sandbox
check_file_probe firefox-esr
stop_browser firefox-esr

# ---- Wayland: a private headless Weston (pixman renderer: its screenshots hold what clients drew)

WL_SOCKET=wayland-drop-test
# --debug enables the screenshooter protocol; the default desktop-shell maps windows normally.
bg_start weston --backend=headless-backend.so --use-pixman --width=1024 --height=768 --no-config --debug \
	--socket="$WL_SOCKET" --log="$WORK/weston.log" 2>>"$WORK/weston.log"
wait_for 10 test -S "$XDG_RUNTIME_DIR/$WL_SOCKET" || diag "weston did not start: $(tail -n 5 "$WORK/weston.log")"

# wl_run NAME ARGS...: the browser shows page.html on Weston, with no X server in reach.
wl_run() {
	local b=$1
	SHOT=$(wl_shot)
	assert_match "$SHOT" "^[0-9]+ 0\$" "$b/wayland: before the browser, the page's colour is not on screen (colours, page share %: $SHOT)"
	start_browser "$@" "http://127.0.0.1:$PORT/page.html#$b-wayland"
	if ! wait_for "$BROWSER_TIMEOUT" reported "loaded $b-wayland"; then
		diag "drop $b output:" "$(tail -n 20 "$WORK/$b.out")"
	fi
	check "drop $b (Wayland): the page from the host's 127.0.0.1:$PORT loaded and ran" reported "loaded $b-wayland"
	if page_shown wl_shot; then
		ok "drop $b (Wayland): a screenshot of Weston shows the page (colours, page share %: $SHOT)"
	else
		not_ok "drop $b (Wayland): a screenshot of Weston shows the page"
		diag "distinct colours, page share %: $SHOT"
	fi
	stop_browser "$b"
}

unset DISPLAY XAUTHORITY
export WAYLAND_DISPLAY=$WL_SOCKET
wl_run chromium "${CHROMIUM_ARGS[@]}" --ozone-platform=wayland
MOZ_ENABLE_WAYLAND=1 wl_run firefox-esr --no-remote --profile "$HOME/profile"

done_testing
