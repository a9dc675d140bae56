#!/bin/bash
# gui.sh: [gui] (SPEC 3.2, issue 6): D-Bus filtered through xdg-dbus-proxy,
# session and none; the proxy's lifetime; sound through a PulseAudio server
# the test starts; X11 through an Xvfb the test starts, with only that
# display's cookie. Every server is private to this script.
# shellcheck disable=SC2016 # quoted $ are for the sandbox to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

for tool in dbus-daemon dbus-send dbus-test-tool xdg-dbus-proxy pulseaudio pactl Xvfb xauth xdpyinfo; do
	command -v "$tool" >/dev/null || {
		not_ok "$tool is installed (apt-get install dbus-daemon dbus-bin dbus-tests xdg-dbus-proxy pulseaudio pulseaudio-utils xvfb xauth x11-utils)"
		done_testing
	}
done

export XDG_RUNTIME_DIR=$WORK/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"
RUNTIME=/run/user/$TEST_UID
make_env g || done_testing
profile() { # NAME CONTENT
	printf '%s\n' "$2" >"$CONFIG_DIR/profiles/$1.ini"
}
mkdir -p "$CONFIG_DIR/profiles"

# ---- D-Bus: a private session bus with two services

BUS=$XDG_RUNTIME_DIR/bus
bg_start dbus-daemon --session --nofork --nopidfile --address="unix:path=$BUS"
wait_for 10 test -S "$BUS" || diag "dbus-daemon did not start"
export DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS
bg_start dbus-test-tool echo --name=com.example.Allowed
bg_start dbus-test-tool echo --name=com.example.Hidden
has_owner() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
		"string:$1" 2>/dev/null | grep -q 'boolean true'
}
wait_for 10 has_owner com.example.Allowed
wait_for 10 has_owner com.example.Hidden
# CALL NAME: a method call to NAME, from wherever this runs (dbus-test-tool echo answers every call).
CALL='dbus-send --session --print-reply --dest=$0 / com.example.Test.Ping string:pong'
run_cmd sh -c "$CALL" com.example.Hidden
assert_contains "$OUT" 'method return' "host: both services answer (control)"

profile busf '[gui]
dbus = filtered
dbus_talk = com.example.Allowed'
run_drop run -e g -p busf -- sh -c "$CALL" com.example.Allowed
assert_status 0 "dbus = filtered: a dbus_talk name answers"
assert_contains "$OUT" 'method return' "dbus = filtered: the reply comes through the proxy"
run_drop run -e g -p busf -- sh -c "$CALL" com.example.Hidden
assert_ne 0 "$STATUS" "dbus = filtered: a name not in dbus_talk cannot be called"
assert_match "$ERR" "ServiceUnknown|NameHasNoOwner|not provided" "dbus = filtered: the hidden name does not exist for the sandbox"
run_drop run -e g -p busf -- sh -c 'echo "$DBUS_SESSION_BUS_ADDRESS"; test -S '"$RUNTIME"'/bus && echo socket; test -e '"$BUS"' || echo no-host-bus'
assert_eq "unix:path=$RUNTIME/bus
socket
no-host-bus" "$OUT" "dbus = filtered: only the proxy's socket, at $RUNTIME/bus"
run_drop run -e g -p busf -- sh -c 'timeout 2 dbus-test-tool echo --name=com.example.Mine; echo "status $?"'
assert_ne "status 124" "$OUT" "dbus = filtered: a name not in dbus_own cannot be owned"
profile busown '[gui]
dbus = filtered
dbus_own = com.example.Mine'
run_drop run -e g -p busown -- sh -c 'timeout 2 dbus-test-tool echo --name=com.example.Mine; echo "status $?"'
assert_eq "status 124" "$OUT" "dbus = filtered: a dbus_own name can be owned (the service ran until killed)"

profile bussession '[gui]
dbus = session'
run_drop run -e g -p bussession -- sh -c "$CALL" com.example.Hidden
assert_contains "$OUT" 'method return' "dbus = session: the real bus, every name"

# none: no bus, even when [env] exposes the host's address.
profile busnone '[env]
expose = DBUS_SESSION_BUS_ADDRESS
[gui]
dbus = none'
run_drop run -e g -p busnone -- sh -c 'echo "addr=${DBUS_SESSION_BUS_ADDRESS-unset}"; ls -A '"$RUNTIME"
assert_eq "addr=unset" "$OUT" "dbus = none: no DBUS_SESSION_BUS_ADDRESS and nothing in $RUNTIME"
run_drop run -e g -p busnone -- sh -c "$CALL" com.example.Allowed
assert_ne 0 "$STATUS" "dbus = none: no name answers"

# The proxy dies with drop, also with a SIGKILLed drop.
proxies() { pgrep -u "$TEST_UID" -f "xdg-dbus-proxy .*$DATA_DIR/run/" | wc -l; }
assert_eq 0 "$(proxies)" "no proxy left after the runs"
"$DROP" run -e g -p busf -- sleep 30 </dev/null >/dev/null 2>&1 &
drop_pid=$!
wait_for 10 sh -c "[ \$(pgrep -u $TEST_UID -f 'xdg-dbus-proxy .*$DATA_DIR/run/' | wc -l) = 1 ]"
assert_eq 1 "$(proxies)" "the proxy runs while drop runs"
kill -KILL "$drop_pid"
wait "$drop_pid" 2>/dev/null
wait_for 2 sh -c "[ \$(pgrep -u $TEST_UID -f 'xdg-dbus-proxy .*$DATA_DIR/run/' | wc -l) = 0 ]"
assert_eq 0 "$(proxies)" "the proxy is gone within 2 s of drop's SIGKILL"

mkdir "$WORK/emptybin"
run_cmd env PATH="$WORK/emptybin" "$DROP" run -e g -n off -p busf -- true
assert_status 125 "dbus = filtered without xdg-dbus-proxy: exit 125"
assert_error "apt-get install xdg-dbus-proxy" "the error says how to install it (Debian/Ubuntu)"
assert_contains "$ERR" "dnf install xdg-dbus-proxy" "... Fedora"
assert_contains "$ERR" "pacman -S xdg-dbus-proxy" "... Arch"

# ---- audio: a private PulseAudio server

bg_start pulseaudio --daemonize=no --exit-idle-time=-1 -n --load=module-native-protocol-unix --use-pid-file=no \
	--disallow-exit --log-target=file:"$WORK/pulse.log"
wait_for 10 test -S "$XDG_RUNTIME_DIR/pulse/native" || diag "pulseaudio did not start: $(cat "$WORK/pulse.log" 2>/dev/null)"
run_cmd pactl info
assert_status 0 "host: pactl info reaches the test's server (control)"
profile sound '[gui]
audio = yes'
profile nosound '[env]
expose = XDG_RUNTIME_DIR
[gui]
audio = no'
run_drop run -e g -p sound -- pactl info
assert_status 0 "audio = yes: pactl info works inside"
assert_contains "$OUT" "Server String: unix:$RUNTIME/pulse/native" "audio = yes: through the socket bound at $RUNTIME/pulse/native"
run_drop run -e g -p nosound -- pactl info
assert_ne 0 "$STATUS" "audio = no: no sound server inside"
# A missing PipeWire socket is a -v note; the run goes on.
run_drop -v run -e g -p sound -- true
assert_status 0 "audio = yes without PipeWire: the run goes on"
assert_contains "$ERR" "no PipeWire socket at $XDG_RUNTIME_DIR/pipewire-0" "... with a -v note"
run_drop run -e g -p sound -- true
assert_eq "" "$ERR" "... and nothing without -v"

# ---- X11: a private Xvfb that requires its cookie

n=90
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
XAUTH=$WORK/Xauthority
cookie=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
other=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
xauth -f "$XAUTH" add ":$n" MIT-MAGIC-COOKIE-1 "$cookie" 2>/dev/null
xauth -f "$XAUTH" add ":$((n + 1))" MIT-MAGIC-COOKIE-1 "$other" 2>/dev/null
# Xvfb creates the socket directory only as root; a fresh machine may not have it yet.
[ -d /tmp/.X11-unix ] || mkdir -m 1777 /tmp/.X11-unix
bg_start Xvfb ":$n" -auth "$XAUTH" -nolisten tcp 2>"$WORK/xvfb.log"
wait_for 10 test -S "/tmp/.X11-unix/X$n" || diag "Xvfb did not start"
export DISPLAY=:$n XAUTHORITY=$XAUTH
run_cmd xdpyinfo
assert_status 0 "host: xdpyinfo reaches the test's Xvfb (control)"
profile x11 '[gui]
x11 = yes'
profile nox11 '[env]
expose = DISPLAY
expose = XAUTHORITY
[gui]
x11 = no'
run_drop run -e g -p x11 -- sh -c 'xdpyinfo | grep -m1 "^name of display"'
assert_eq "name of display:    :$n" "$OUT" "x11 = yes: an X client works inside"
run_drop run -e g -p x11 -- sh -c 'echo "$DISPLAY $XAUTHORITY"; xauth -f "$XAUTHORITY" list | wc -l; xauth -f "$XAUTHORITY" list | grep -c '"$cookie"'; ls -A /tmp/.X11-unix'
assert_eq ":$n $RUNTIME/Xauthority
1
1
X$n" "$OUT" "x11 = yes: DISPLAY, a per-run Xauthority with this display's cookie only, this display's socket only"
run_drop run -e g -p x11 -- sh -c "grep -c $other \"\$XAUTHORITY\""
assert_eq 0 "$OUT" "x11 = yes: the other display's cookie is not there"
run_drop run -e g -p nox11 -- xdpyinfo
assert_ne 0 "$STATUS" "x11 = no: no X server, even with DISPLAY and XAUTHORITY exposed"
# Without the cookie the server refuses: the copy is what makes it work.
printf '' >"$WORK/empty-xauth"
run_cmd env XAUTHORITY="$WORK/empty-xauth" "$DROP" run -e g -p x11 -- xdpyinfo
assert_ne 0 "$STATUS" "x11 = yes with no cookie for the display: refused by the server"

# ---- gpu = yes on a machine without /dev/dri: a -v note, the run goes on

if [ ! -e /dev/dri ]; then
	profile gpu '[gui]
gpu = yes'
	run_drop -v run -e g -p gpu -- true
	assert_status 0 "gpu = yes without /dev/dri: the run goes on"
	assert_contains "$ERR" "no /dev/dri" "... with a -v note"
else
	profile gpu '[gui]
gpu = yes'
	run_drop run -e g -p gpu -- sh -c 'ls /dev/dri | head -n 1; cat /dev/dri/$(ls /dev/dri | grep -m1 render) </dev/null >/dev/null 2>&1; echo $?'
	assert_status 0 "gpu = yes: /dev/dri is there"
fi

done_testing
