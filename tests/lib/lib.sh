# lib.sh: shared harness of drop's integration tests: test user, private HOME, TAP helpers.
# shellcheck shell=bash disable=SC2034 # its variables are for the scripts
#
# Sourced (bash) by every tests/integration/*.sh:
#
#     . "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"
#
# Environment (exported by Makefile.am's TESTS_ENVIRONMENT):
#   DROP           absolute path of the drop binary under test
#   DROP_SRCDIR    top of the source tree (fixtures: share/, etc/)
#   DROP_BUILDDIR  top of the build tree (tests/helpers/ programs)
#
# When the script runs as root, it is run again as the unprivileged user
# "droptest" (created if missing, with one supplementary group), from a
# world-readable copy of the binary, this library, the script and the
# fixtures: the build tree may live under /root. A script that must stay
# root (root.sh) sets DROP_TEST_AS_ROOT=1 before sourcing this file.
#
# Each script then gets a private work directory (removed at exit), its own
# HOME (mode 700), no XDG_* or DROP_HOME, an empty DROP_SYSCONF_DIR, a fixed
# PATH, and starts in $PROJ, a project directory under HOME. Output is TAP;
# the plan is printed at the end (done_testing), so a script that dies early
# is reported as an error. A test that cannot run is a failure, never a skip.

DROP_TEST_USER=droptest
DROP_TEST_EXTRA_GROUP=droptest-extra
DROP_TEST_TIMEOUT=${DROP_TEST_TIMEOUT:-30}
DROP_TEST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

_t_script=$(readlink -f "$0")
_t_name=$(basename "$0" .sh)

# ---------------------------------------------------------------- root -> test user

# Create the test user and its extra group once; parallel scripts serialise on a lock.
_t_make_user() {
	flock /tmp/.drop-test-useradd.lock bash -c '
		getent group "$2" >/dev/null || groupadd "$2" || exit 1
		id "$1" >/dev/null 2>&1 || useradd -M -s /bin/bash -G "$2" "$1" || exit 1
	' _ "$DROP_TEST_USER" "$DROP_TEST_EXTRA_GROUP"
}

# Copy what the test user needs into a fresh world-readable dir, run this
# script again as that user, clean up, and exit with its status.
_t_run_as_test_user() {
	local copy status helper

	if ! _t_make_user; then
		echo "not ok 1 - create test user $DROP_TEST_USER (useradd failed)"
		echo "1..1"
		exit 1
	fi
	copy=$(mktemp -d /tmp/drop-test-copy.XXXXXX) || exit 1
	# shellcheck disable=SC2064
	trap "rm -rf '$copy'" EXIT
	mkdir -p "$copy/bin" "$copy/tests/lib" "$copy/tests/integration" "$copy/tests/helpers"
	cp "$DROP" "$copy/bin/drop" 2>/dev/null
	cp "${BASH_SOURCE[0]}" "$copy/tests/lib/lib.sh"
	cp "$(dirname "${BASH_SOURCE[0]}")"/fakenet.sh "$copy/tests/lib/" 2>/dev/null
	cp "$_t_script" "$copy/tests/integration/$_t_name.sh"
	for d in share etc; do
		[ -d "$DROP_SRCDIR/$d" ] && cp -r "$DROP_SRCDIR/$d" "$copy/"
	done
	if [ -d "$DROP_BUILDDIR/tests/helpers" ]; then
		for helper in "$DROP_BUILDDIR"/tests/helpers/*; do
			[ -f "$helper" ] && [ -x "$helper" ] && cp "$helper" "$copy/tests/helpers/"
		done
	fi
	chmod -R a+rX "$copy"
	chmod 755 "$copy"
	cd "$copy" || exit 1
	setpriv --reuid="$DROP_TEST_USER" --regid="$DROP_TEST_USER" --init-groups -- \
		env -i PATH="$DROP_TEST_PATH" LANG=C.UTF-8 \
		DROP="$copy/bin/drop" DROP_SRCDIR="$copy" DROP_BUILDDIR="$copy" \
		DROP_ORIG_DROP="$DROP" DROP_TEST_TIMEOUT="$DROP_TEST_TIMEOUT" \
		${CI:+CI="$CI"} \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
		bash "$copy/tests/integration/$_t_name.sh"
	status=$?
	rm -rf "$copy"
	trap - EXIT
	exit "$status"
}

: "${DROP:=}"
: "${DROP_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${DROP_BUILDDIR:=$DROP_SRCDIR}"
if [ "$(id -u)" = 0 ] && [ "${DROP_TEST_AS_ROOT:-0}" != 1 ]; then
	_t_run_as_test_user
fi

# ---------------------------------------------------------------- TAP

_t_count=0
_t_failed=0

# diag LINE...: TAP comment lines (every line of every argument).
diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do
		printf '# %s\n' "$line"
	done
}

ok() {
	_t_count=$((_t_count + 1))
	printf 'ok %d - %s\n' "$_t_count" "$*"
}

not_ok() {
	_t_count=$((_t_count + 1))
	_t_failed=$((_t_failed + 1))
	printf 'not ok %d - %s\n' "$_t_count" "$*"
}

# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
		return 1
	fi
}

# check_not DESC CMD...: ok when CMD fails.
check_not() {
	local desc=$1
	shift
	if "$@"; then
		not_ok "$desc"
		return 1
	else
		ok "$desc"
	fi
}

# Show the last captured command's status and output (after a failure).
diag_last() {
	diag "command: ${LAST_CMD:-}" "status: ${STATUS:-}" "stdout: ${OUT:-}" "stderr: ${ERR:-}"
}

# assert_eq EXPECTED ACTUAL DESC
assert_eq() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "expected: $1" "     got: $2"
		return 1
	fi
}

# assert_ne UNEXPECTED ACTUAL DESC
assert_ne() {
	if [ "$1" != "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "expected anything but: $1"
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE DESC (fixed string)
assert_contains() {
	case $1 in
	*"$2"*) ok "$3" ;;
	*)
		not_ok "$3"
		diag "expected to contain: $2" "               got: $1"
		return 1
		;;
	esac
}

# assert_not_contains HAYSTACK NEEDLE DESC (fixed string)
assert_not_contains() {
	case $1 in
	*"$2"*)
		not_ok "$3"
		diag "expected not to contain: $2" "                   got: $1"
		return 1
		;;
	*) ok "$3" ;;
	esac
}

# assert_match HAYSTACK ERE DESC (grep -E on the whole text)
assert_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3"
		diag "expected to match: $2" "              got: $1"
		return 1
	fi
}

# assert_no_match HAYSTACK ERE DESC
assert_no_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		not_ok "$3"
		diag "expected not to match: $2" "                  got: $1"
		return 1
	else
		ok "$3"
	fi
}

# assert_error NEEDLE DESC: the last run's stderr is exactly one line, starts
# with "drop: " and contains NEEDLE (SPEC 2.4: one line, "drop: " prefix).
assert_error() {
	local nl
	nl=$(printf '%s\n' "$ERR" | wc -l)
	case $ERR in
	"drop: "*"$1"*)
		if [ "$nl" = 1 ]; then
			ok "$2"
			return 0
		fi
		;;
	esac
	not_ok "$2"
	diag "expected one stderr line: drop: ...$1..."
	diag_last
	return 1
}

# assert_status EXPECTED DESC: checks $STATUS of the last run_* call.
assert_status() {
	if [ "${STATUS:-}" = "$1" ]; then
		ok "$2"
	else
		not_ok "$2"
		diag "expected exit status $1"
		diag_last
		return 1
	fi
}

# assert_exit STATUS CMD...: run CMD (run_cmd) and check its exit status;
# OUT, ERR and STATUS stay set for further checks.
assert_exit() {
	local want=$1
	shift
	run_cmd "$@"
	assert_status "$want" "exit $want: ${*/#$DROP/drop}"
}

# assert_drop STATUS DROP-ARGS...: assert_exit for the binary under test.
assert_drop() {
	local want=$1
	shift
	run_drop "$@"
	assert_status "$want" "exit $want: drop $*"
}

# done_testing: print the plan and exit. The TAP lines carry the result, so
# the exit status is 0 (automake would count a non-zero one as an extra ERROR).
done_testing() {
	printf '1..%d\n' "$_t_count"
	[ "$_t_failed" -eq 0 ] || diag "$_t_failed of $_t_count failed"
	exit 0
}

# ---------------------------------------------------------------- running things

# run_cmd CMD...: run CMD with stdin from /dev/null and a timeout; sets OUT,
# ERR (trailing newlines stripped) and STATUS. Never uses a terminal.
run_cmd() {
	LAST_CMD="$*"
	timeout -k 5 "$DROP_TEST_TIMEOUT" "$@" </dev/null >"$WORK/.out" 2>"$WORK/.err"
	STATUS=$?
	OUT=$(cat "$WORK/.out")
	ERR=$(cat "$WORK/.err")
	[ "$STATUS" = 124 ] && [ -n "${DROP_TEST_VERBOSE:-}" ] && diag "(timed out?) $LAST_CMD"
	return 0
}

# run_drop ARGS...: run_cmd "$DROP" ARGS...
run_drop() {
	run_cmd "$DROP" "$@"
}

# run_in ENV CMD...: run CMD inside environment ENV (drop run -e ENV -- CMD...).
run_in() {
	local env=$1
	shift
	run_drop run -e "$env" -- "$@"
}

# sh_in ENV SCRIPT: run a shell snippet inside environment ENV.
sh_in() {
	run_drop run -e "$1" -- /bin/sh -c "$2"
}

# bg_start CMD...: start CMD in the background (killed at exit); sets BG_PID.
bg_start() {
	"$@" </dev/null &
	BG_PID=$!
	_t_bg_pids="${_t_bg_pids:-} $BG_PID"
}

# pids_gone PID...: every one has died and been reaped. A zombie is not gone:
# drop waits for every process it started (SPEC 7).
pids_gone() {
	local p
	for p in "$@"; do
		[ -e "/proc/$p" ] && return 1
	done
	return 0
}

# pids_dead PID...: every one has died; a zombie counts as dead. Only for
# a SIGKILLed drop, which cannot reap: its children go to whoever inherits
# them (the host's init, which may be lazy).
pids_dead() {
	local p state
	for p in "$@"; do
		state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$p/stat" 2>/dev/null)
		[ -n "$state" ] && [ "$state" != Z ] && return 1
	done
	return 0
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local tries=$(($1 * 10))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# random_port: a random high port that nothing listens on (TCP or UDP, host side).
random_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		if ! ss -Htanu "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return
		fi
	done
}

# tcp_service PORT REPLY HITS: a host loopback TCP service on PORT (in the
# background, killed at exit) that answers each connection with the line
# REPLY and appends "hit" to the file HITS; returns once it listens.
tcp_service() {
	bg_start python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    open(sys.argv[3], "a").write("hit\n")
    try:
        c.sendall(sys.argv[2].encode() + b"\n")
    except OSError:
        pass
    c.close()
' "$1" "$2" "$3"
	wait_for 10 sh -c "ss -Hltn 'sport = :$1' | grep -q ."
}

# write_base: a minimal base.ini (PATH exposed, isolated network), so that
# runs print nothing of their own; init will not overwrite it.
write_base() {
	mkdir -p "$CONFIG_DIR"
	cat >"$CONFIG_DIR/base.ini" <<-'EOF'
		[env]
		expose = PATH
		[net]
		mode = isolated
	EOF
}

# make_env ID [INIT-ARGS...]: write_base if needed, then 'drop init ID' from
# $PROJ (so the project dir is mounted read-write). A failure is reported as
# a failed test; returns non-zero then.
make_env() {
	local id=$1 here=$PWD
	shift
	[ -e "$CONFIG_DIR/base.ini" ] || write_base
	cd "$PROJ" || return 1
	run_drop init "$id" "$@"
	cd "$here" || return 1
	if [ "$STATUS" != 0 ]; then
		not_ok "drop init $id $*"
		diag_last
		return 1
	fi
}

# ---------------------------------------------------------------- per-script setup

_t_cleanup() {
	local pid
	for pid in ${_t_bg_pids:-}; do
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
		chmod -R u+rwX "$WORK" 2>/dev/null
		rm -rf "$WORK"
	fi
}

umask 022
WORK=$(mktemp -d "/tmp/drop-test-$_t_name.XXXXXX") || {
	echo "not ok 1 - create a work directory under /tmp"
	echo "1..1"
	exit 1
}
chmod 755 "$WORK"
trap _t_cleanup EXIT

while IFS= read -r _t_var; do
	case $_t_var in XDG_* | DROP_HOME) unset "$_t_var" ;; esac
done < <(compgen -e)
unset _t_var TMPDIR
export HOME="$WORK/home"
mkdir -m 700 "$HOME"
export PATH="$DROP_TEST_PATH"
USER=$(id -un)
export USER LOGNAME="$USER" SHELL=/bin/sh LANG=C.UTF-8
export DROP_SYSCONF_DIR="$WORK/sysconf"
mkdir "$DROP_SYSCONF_DIR"
CONFIG_DIR="$HOME/.config/drop"
DATA_DIR="$HOME/.local/share/drop"
PROJ="$HOME/proj"
mkdir "$PROJ"
cd "$PROJ" || exit 1
TEST_UID=$(id -u)
TEST_GID=$(id -g)

if [ -z "$DROP" ] || [ ! -x "$DROP" ]; then
	not_ok "drop binary is executable: '${DROP_ORIG_DROP:-$DROP}' (is DROP set, is it built?)"
	done_testing
fi
