#!/bin/bash
# tests/ci-sanitizers.sh: build drop with ASan+UBSan (gcc) in a scratch copy and run tests and leak checks under it.
#
# Usage: tests/ci-sanitizers.sh [INTEGRATION-TEST...]   (default: cli config exit escape)
#
# Steps, each reported as a TAP line, then "N passed, N failed"; the exit
# status is non-zero unless everything passed:
#   1. copy the source tree (a tree configured in place cannot also host a
#      VPATH build) and build it with ./configure --enable-sanitizers;
#   2. make check with the unit tests and a representative set of
#      integration tests, under ASan, UBSan and LeakSanitizer;
#   3. a direct leak check of the parent: typical drop commands, each must
#      exit as expected and leave no sanitizer report;
#   4. every sanitizer report written anywhere during 2 and 3 is a failure.
#
# Where the leak check works: LeakSanitizer stops the process's threads with
# ptrace at exit. The parent runs outside the sandbox, so its check works and
# is the one that matters. The child never gets there: it leaves with
# _exit() or replaces itself with execve(), and pid 1 also leaves with
# _exit(); a check run after the seccomp filter is in place would fail
# ("LeakSanitizer has encountered a fatal error") because ptrace is denied.
# detect_leaks=1 is therefore set for everything and only ever runs in the
# parent. The programs run inside are not built with sanitizers
# (tests/helpers/try-syscall is built without them for this reason).
#
# Reports go to files (log_path) in a world-writable directory, so that a
# report from the unprivileged test user is found even when a test only
# checks an exit status; tests/lib/lib.sh passes the *SAN_OPTIONS through.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/drop-sanitizers.XXXXXX) || exit 1
# SAN_KEEP=1 keeps the scratch directory (build, logs, reports) for a look afterwards.
if [ "${SAN_KEEP:-0}" = 1 ]; then
	echo "# scratch directory: $work"
else
	trap 'chmod -R u+rwX "$work" 2>/dev/null; rm -rf "$work"' EXIT
fi
src=$work/src
reports=$work/reports
mkdir -p "$src" "$reports"
chmod 1777 "$reports"
chmod 755 "$work"

if [ $# -gt 0 ]; then
	integration=("$@")
else
	integration=(cli config exit escape)
fi

count=0
failed=0
ok() {
	count=$((count + 1))
	echo "ok $count - $*"
}
not_ok() {
	count=$((count + 1))
	failed=$((failed + 1))
	echo "not ok $count - $*"
}
diag_file() { # FILE [LINES]
	sed -n "1,${2:-40}p" "$1" | sed 's/^/# /'
}
finish() {
	echo "1..$count"
	echo "$((count - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# ---- 1. build

# The sources only: tracked files and new ones git does not ignore; else all of it, cleaned.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # $f is for the inner sh
	(cd "$top" && { git ls-files -z; git ls-files -z --others --exclude-standard; } |
		xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' _ |
		tar --null -T - -cf -) | tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./.git --exclude=./autom4te.cache -cf - . | tar -C "$src" -xf -
fi
cd "$src" || exit 1
[ -f Makefile ] && make distclean >/dev/null 2>&1
if { [ -x configure ] && [ -f build-aux/tap-driver.sh ] || ./autogen.sh; } >"$work/build.log" 2>&1 &&
	./configure CC=gcc --enable-sanitizers >>"$work/build.log" 2>&1 &&
	make -j"$(nproc)" >>"$work/build.log" 2>&1; then
	ok "build with --enable-sanitizers (gcc)"
else
	not_ok "build with --enable-sanitizers (gcc)"
	tail -n 30 "$work/build.log" | sed 's/^/# /'
	finish
fi
if grep -q -- '-fsanitize=address' Makefile && nm src/drop 2>/dev/null | grep -q __asan_init; then
	ok "src/drop is built with AddressSanitizer"
else
	not_ok "src/drop is built with AddressSanitizer"
fi

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="log_path=$reports/lsan"

# ---- 2. unit tests and integration tests

tests=
for t in tests/unit/test-*.c; do
	tests="$tests ${t%.c}"
done
for t in "${integration[@]}"; do
	tests="$tests tests/integration/${t%.sh}.sh"
done
find . -name '*.trs' -delete
timeout 1200 make -j2 check TESTS="$tests" >"$work/check.log" 2>&1
for t in $tests; do
	trs=${t%.sh}.trs
	if [ ! -f "$trs" ]; then
		not_ok "$t (no result)"
		grep -E "(Error|error:|No rule)" "$work/check.log" | head -n 10 | sed 's/^/# /'
		continue
	fi
	if grep -qE '^:test-result: (FAIL|XFAIL|ERROR|SKIP)' "$trs" || ! grep -q '^:test-result: PASS' "$trs"; then
		not_ok "$t under the sanitizers"
		awk '/^not ok/ { show = 1; print "# " $0; next } /^#/ && show { print "# " $0; next } { show = 0 }' \
			"${trs%.trs}.log" | head -n 60
		grep -E '^(ERROR|Bail out)' "${trs%.trs}.log" | sed 's/^/# /'
	else
		ok "$t under the sanitizers ($(grep -c '^:test-result: PASS' "$trs") passed)"
	fi
done

# ---- 3. the parent's leak check, command by command

# As root, run as the unprivileged test user (created by the integration tests' lib.sh).
as_user=()
if [ "$(id -u)" = 0 ]; then
	if id droptest >/dev/null 2>&1; then
		as_user=(setpriv --reuid=droptest --regid=droptest --init-groups --)
	else
		not_ok "the test user droptest exists (make check creates it)"
		finish
	fi
fi
home=$work/home
mkdir -p "$home/proj" "$work/sysconf" "$work/bin"
cp src/drop "$work/bin/drop"
chmod -R a+rX "$work/bin" "$work/sysconf"
[ ${#as_user[@]} -gt 0 ] && chown -R droptest: "$home"

# leak_check WANT-STATUS DESC DROP-ARGS...
leak_check() {
	local want=$1 desc=$2 status before after
	shift 2
	before=$(find "$reports" -type f | wc -l)
	(cd "$home/proj" && timeout -k 5 60 "${as_user[@]}" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$home" USER=droptest LANG=C.UTF-8 SHELL=/bin/sh DROP_SYSCONF_DIR="$work/sysconf" \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" LSAN_OPTIONS="$LSAN_OPTIONS" \
		"$work/bin/drop" "$@") </dev/null >"$work/out" 2>&1
	status=$?
	after=$(find "$reports" -type f | wc -l)
	if [ "$status" = "$want" ] && [ "$before" = "$after" ]; then
		ok "no leak, no sanitizer report: $desc"
	else
		not_ok "no leak, no sanitizer report: $desc (exit $status, expected $want)"
		diag_file "$work/out" 20
	fi
}

leak_check 0 "drop init" init san
leak_check 1 "drop init of an existing id" init san
leak_check 0 "drop ls" ls
leak_check 0 "drop show-config" show-config -e san
leak_check 0 "drop run -n off true" run -e san -n off -- true
leak_check 3 "drop run: program exit status" run -e san -n off -- sh -c 'exit 3'
leak_check 127 "drop run: command not found" run -e san -n off -- no-such-command-here
# shellcheck disable=SC2088 # drop expands "~/"
leak_check 0 "drop run with mounts, blocks and -r" run -e san -n off -r -m '~/proj:~/p2' -b '~/proj' -- true
leak_check 0 "drop run -n isolated (pasta)" run -e san -n isolated -- true
leak_check 125 "drop run: bad option value" run -e san -n bogus -- true
leak_check 125 "drop run: unknown environment" run -e no-such-env -- true
printf '[net]\nmode = off\n[fs]\nmount = relative/path\n' >"$work/bad.ini"
chmod a+r "$work/bad.ini"
leak_check 125 "drop run: config error" run -e san -c "$work/bad.ini" -- true
leak_check 2 "drop ls: usage error" ls extra
leak_check 0 "drop rm" rm san

# ---- 4. every report is a failure

mapfile -t found < <(find "$reports" -type f | sort)
if [ "${#found[@]}" -eq 0 ]; then
	ok "no sanitizer report was written (ASan, UBSan, LSan)"
else
	not_ok "no sanitizer report was written (${#found[@]} found)"
	for f in "${found[@]}"; do
		echo "# --- $(basename "$f")"
		diag_file "$f" 40
	done
fi
finish
