#!/bin/bash
# escape.sh: the escape suite (SPEC 5): each test tries one attack from inside the sandbox and fails if it works.
#
# Most attacks are made by tests/helpers/try-syscall, which prints one line
# per attack ("NAME ok" or "NAME errno=ENAME"). Denied calls are tried with
# arguments the kernel itself would refuse with another errno, so an EPERM
# comes from the seccomp filter; the "seccomp = off" runs at the end show
# the same attacks getting through, i.e. that these tests can fail. Each
# "control:" test shows the same on the host side.
# shellcheck disable=SC2088 # "~/..." in mount specs is expanded by drop, not the shell
# shellcheck source=tests/lib/lib.sh
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

HELPER=$DROP_BUILDDIR/tests/helpers/try-syscall
if [ ! -x "$HELPER" ]; then
	not_ok "tests/helpers/try-syscall is built (make check builds it)"
	done_testing
fi
# The project dir is mounted read-write by init, so the helper is reachable inside.
T=$PROJ/try-syscall
cp "$HELPER" "$T"

make_env esc || done_testing
ENVH=$DATA_DIR/envs/esc/home

# in_esc DROP-RUN-ARGS... -- COMMAND...: drop run in env esc, network off.
in_esc() {
	run_drop run -e esc -n off "$@"
}

# expect_line LINE DESC: the last run printed exactly this line.
expect_line() {
	if printf '%s\n' "$OUT" | grep -qxF -- "$1"; then
		ok "$2"
	else
		not_ok "$2"
		diag "expected the line: $1"
		diag_last
		return 1
	fi
}

# expect_attacks ERRNO DESC-SUFFIX NAME...: each NAME's line of the last run shows ERRNO.
expect_attacks() {
	local want=$1 suffix=$2 name
	shift 2
	for name in "$@"; do
		expect_line "$name errno=$want" "$name fails with $want$suffix"
	done
}

# expect_count N ERE DESC: exactly N lines of the last run's stdout match ERE.
expect_count() {
	local n
	n=$(printf '%s\n' "$OUT" | grep -cE -- "$2")
	if [ "$n" = "$1" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "expected $1 lines matching $2, got $n"
		diag_last
		return 1
	fi
}

# env_with ID INI-LINES: a new environment whose config ends with INI-LINES.
env_with() {
	make_env "$1" || return 1
	printf '%s\n' "$2" >>"$CONFIG_DIR/$1.ini"
}

env_with esc-off "[security]
seccomp = off" || true

# ---- which compat ABIs this kernel accepts (x86_64: i386 through int 0x80, x32)

# With seccomp = off only the kernel answers: keyctl through an ABI works
# where the kernel accepts that ABI, and try-syscall says "abi=absent" where
# the kernel refuses it outright (int 0x80 faults, an x32 call gets ENOSYS).
# Every test below demands the filter's EPERM on each ABI that the kernel
# accepts; where it accepts none, the attacks must find it absent too.
ABI_i386=unknown ABI_x32=unknown
run_drop run -e esc-off -n off -- "$T" int80-keyctl x32-keyctl
for abi in i386:int80 x32:x32; do
	case $(printf '%s\n' "$OUT" | grep -E "^${abi#*:}-keyctl ") in
	"${abi#*:}-keyctl ok") eval "ABI_${abi%%:*}=accepted" ;;
	"${abi#*:}-keyctl abi=absent") eval "ABI_${abi%%:*}=absent" ;;
	*)
		not_ok "seccomp = off: keyctl through the ${abi%%:*} ABI either works or finds the ABI absent"
		diag_last
		;;
	esac
done
diag "this kernel's compat ABIs: i386 (int 0x80) $ABI_i386, x32 $ABI_x32"

# expect_abi ABI WANT NAME DESC: NAME's line of the last run shows WANT where
# the kernel accepts ABI, and abi=absent where it refuses it.
expect_abi() {
	local accepted
	eval "accepted=\$ABI_$1"
	if [ "$accepted" = accepted ]; then
		expect_line "$3 $2" "$4"
	else
		expect_line "$3 abi=absent" "$4: this kernel refuses the $1 ABI, so nothing gets through it"
	fi
}

STATUS_RE='^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):'
ZERO_CAPS="CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000"

# ---- privileges: no capabilities, no_new_privs, seccomp, locked securebits

for mode in user root; do
	opt=()
	[ "$mode" = root ] && opt=(-r)
	in_esc "${opt[@]}" -- grep -E "$STATUS_RE" /proc/self/status
	assert_eq "$ZERO_CAPS
NoNewPrivs:	1
Seccomp:	2" "$OUT" "$mode: every capability set is empty, no_new_privs is set, seccomp filters (/proc/self/status)"
	in_esc "${opt[@]}" -- setpriv -d
	assert_match "$OUT" '^Securebits:.*noroot_locked' "$mode: securebits noroot locked (uid 0 gets no capabilities on exec)"
	assert_match "$OUT" '^Securebits:.*no_setuid_fixup_locked' "$mode: securebits no_setuid_fixup locked"
	# util-linux 2.38 prints the ambient bits (6, 7) as a number: 0xc0.
	assert_match "$OUT" '^Securebits:.*(no_cap_ambient_raise_locked|0xc0)' "$mode: securebits no_cap_ambient_raise locked"
	in_esc "${opt[@]}" -- "$T" set-securebits
	expect_line "set-securebits errno=EPERM" "$mode: securebits cannot be cleared"
done
in_esc -r -- id -u
assert_eq 0 "$OUT" "-r: uid 0 inside (so the root checks above mean something)"

# ---- the seccomp filter: one run, every denied call

DENIED="keyctl add_key request_key bpf perf_event_open userfaultfd mount pivot_root open_tree
	open-tree-attr fsopen fspick move_mount mount_setattr setns unshare-user clone-newuser
	tiocsti tiocsti-high tioclinux int80-keyctl int80-mount int80-unshare-user x32-keyctl
	x32-unshare-user"
# shellcheck disable=SC2086
in_esc -- "$T" $DENIED clone3 personality
expect_attacks EPERM "" keyctl add_key request_key
expect_attacks EPERM "" bpf perf_event_open userfaultfd
expect_attacks EPERM " (mount family)" mount open_tree open-tree-attr fsopen fspick move_mount mount_setattr
expect_attacks EPERM "" pivot_root setns
expect_attacks EPERM " (nested user namespace)" unshare-user clone-newuser
expect_line "clone3 errno=ENOSYS" "clone3 fails with ENOSYS (libc falls back to clone)"
expect_attacks EPERM " without a terminal (the filter answers before the tty layer)" tiocsti tioclinux
expect_line "tiocsti-high errno=EPERM" "TIOCSTI with high bits set in the request is denied too (CVE-2019-10063)"
for name in int80-keyctl int80-mount int80-unshare-user; do
	expect_abi i386 errno=EPERM "$name" "$name fails with EPERM (i386 ABI via int 0x80)"
done
for name in x32-keyctl x32-unshare-user; do
	expect_abi x32 errno=EPERM "$name" "$name fails with EPERM (x32 ABI)"
done
expect_line "personality ok" "control: an allowed call (personality query) succeeds"

# Reaching into other processes, io_uring (its operations bypass the filter), odd personas.
in_esc -- "$T" process_vm_readv process_vm_writev pidfd_getfd io_uring_setup io_uring_enter io_uring_register \
	int80-personality x32-personality
expect_attacks EPERM " (another process's memory and fds)" process_vm_readv process_vm_writev pidfd_getfd
expect_attacks EPERM " (io_uring)" io_uring_setup io_uring_enter io_uring_register
expect_abi i386 errno=EPERM int80-personality "personality(ADDR_NO_RANDOMIZE) fails with EPERM (i386 ABI)"
expect_abi x32 errno=EPERM x32-personality "personality(ADDR_NO_RANDOMIZE) fails with EPERM (x32 ABI)"
in_esc -- "$T" personality-set 40000 personality-set 1 personality-set 400008
expect_count 3 '^personality-set errno=EPERM$' "personality: ADDR_NO_RANDOMIZE, 1 and PER_LINUX32|ADDR_NO_RANDOMIZE fail with EPERM"
in_esc -- "$T" personality-set 0 personality-set 8 personality-set 20000 personality-set 20008 personality-set 100000008
expect_count 5 '^personality-set ok$' \
	"personality: PER_LINUX, PER_LINUX32, UNAME26 and both together work (the low 32 bits are compared)"

# shellcheck disable=SC2086
in_esc -r -- "$T" $DENIED chroot unshare-ns
expect_attacks EPERM " as root inside (-r)" keyctl mount pivot_root unshare-user clone-newuser chroot unshare-ns
expect_abi i386 errno=EPERM int80-mount "int80-mount fails with EPERM as root inside (-r)"
expect_abi x32 errno=EPERM x32-keyctl "x32-keyctl fails with EPERM as root inside (-r)"

# ---- filesystem: read-only places, remount, unmount, chroot/pivot_root back out

mkdir -p "$HOME/rodata"
echo data >"$HOME/rodata/file"
for mode in user root; do
	opt=()
	[ "$mode" = root ] && opt=(-r)
	in_esc "${opt[@]}" -m '~/rodata' -- "$T" create /escape create /usr/escape create /etc/escape \
		create "$HOME/rodata/escape" open-write "$HOME/rodata/file" remount /usr remount / remount "$HOME/rodata" \
		umount /usr umount "$HOME/rodata" umount /proc/keys chroot pivot_root
	expect_line "open-write errno=EROFS" "$mode: a read-only mount's file cannot be opened for writing"
	expect_count 4 '^create errno=EROFS$' "$mode: /, /usr, /etc and a read-only mount are all read-only (4 EROFS)"
	expect_attacks EPERM " ($mode: no way back out)" chroot pivot_root
	expect_count 6 '^(remount|umount) errno=EPERM$' "$mode: every remount and unmount attempt fails with EPERM (6)"
done
check_not "nothing was written through a read-only mount" test -e "$HOME/rodata/escape"
in_esc -r -- sh -c 'mount -o remount,rw /usr; umount -l /usr; touch /usr/escape; test -e /usr/escape && echo WROTE'
assert_not_contains "$OUT" WROTE "-r: mount(8) and umount(8) cannot make /usr writable"
assert_ne 0 "$STATUS" "-r: ... they fail"

# ---- nested user namespaces

in_esc -- unshare -Ur true
assert_ne 0 "$STATUS" "unshare -Ur fails inside"
assert_contains "$ERR" "Operation not permitted" "... with EPERM"

# ---- other processes: host processes invisible, parent not traceable

bg_start sleep 317
host_pid=$BG_PID
check "control: the host process $host_pid exists on the host" kill -0 "$host_pid"
in_esc -- sh -c "$T kill $host_pid; cat /proc/[0-9]*/cmdline | tr '\\0' ' '"
expect_line "kill errno=ESRCH" "a host process cannot be signalled (ESRCH: not in the pid namespace)"
assert_not_contains "$OUT" "sleep 317" "a host process is not visible in /proc"
in_esc -- sh -c 'ls -d /proc/[0-9]* | wc -l'
if [ "${OUT:-99}" -le 4 ]; then
	ok "only the sandbox's own processes are in /proc ($OUT)"
else
	not_ok "only the sandbox's own processes are in /proc"
	diag_last
fi
in_esc -- "$T" ptrace-parent ptrace-attach 1
expect_line "ptrace-parent errno=EPERM" "the parent (pid 1) cannot be ptraced"
expect_line "ptrace-attach errno=EPERM" "pid 1 cannot be ptraced"

# ---- pid 1 does not expose the drop binary

for mode in user root; do
	opt=()
	[ "$mode" = root ] && opt=(-r)
	in_esc "${opt[@]}" -- "$T" open-write /proc/1/exe open-read /proc/1/exe open-dir /proc/1/root open-dir /proc/1/cwd
	expect_line "open-write errno=EACCES" "$mode: /proc/1/exe cannot be opened for writing"
	expect_line "open-read errno=EACCES" "$mode: /proc/1/exe cannot be opened at all"
	expect_count 2 '^open-dir errno=EACCES$' "$mode: /proc/1/root and /proc/1/cwd cannot be opened"
done

# ---- drop enter: the process it starts cannot be reached before it execs

# A racer inside an instance spins on pidfd_open of the next pid and, while
# that process lives, tries to take its fds (pidfd_getfd) and read its
# memory (process_vm_readv). Here the filter allows both calls, so that only
# the processes' non-dumpability is measured.
RACER=$PROJ/pid-racer
cp "$DROP_BUILDDIR/tests/helpers/pid-racer" "$RACER"
env_with esc-race "[security]
seccomp_allow = process_vm_readv
seccomp_allow = pidfd_getfd" || true
run_drop run -e esc-race -n off -- "$RACER" self
expect_line "pidfd_getfd ok" "control: with these calls allowed, a process takes the fds of a dumpable child of its own"
expect_line "process_vm_readv ok" "control: ... and reads its memory"

race_up() { grep -qx racing "$WORK/racer.out" 2>/dev/null; }
# race_enters N CMD...: N drop enters running CMD into a racing instance; the racer's report is in $OUT.
race_enters() {
	local n=$1 racer i
	shift
	rm -f "$WORK/racer.out" "$DATA_DIR/envs/esc-race/home/racer-stop"
	bg_start sh -c 'out=$1; shift; exec "$@" >"$out" 2>&1' _ "$WORK/racer.out" \
		"$DROP" run -e esc-race -n off -- "$RACER" race 25 "$HOME/racer-stop"
	racer=$BG_PID
	wait_for 10 race_up || diag "the racer did not start"
	for i in $(seq "$n"); do
		"$DROP" enter -e esc-race -- "$@" >/dev/null 2>&1 || diag "drop enter $i failed"
	done
	touch "$DATA_DIR/envs/esc-race/home/racer-stop"
	wait "$racer"
	OUT=$(cat "$WORK/racer.out")
	LAST_CMD="drop run -- pid-racer race, $n x drop enter -- $*"
	diag "racer: $(tail -n 1 "$WORK/racer.out")"
}
# Control: a command that lives a while after its exec is dumpable then (a
# readable binary, the user's own process): the racer gets it. A second each,
# five times: enough for the racer on a slow, sanitized build.
race_enters 5 sleep 1
assert_match "$OUT" '^seen=[1-9][0-9]* getfd=[1-9][0-9]* readv=[1-9]' \
	"control: the racer catches entered processes and attacks a dumpable one with success"
# The attack: an execute-only copy of true stays non-dumpable after its exec
# (the kernel will not let anyone read an unreadable program), so whatever
# the racer gets, it got from drop's own code before the exec.
cp /bin/true "$PROJ/xtrue"
chmod 111 "$PROJ/xtrue"
race_enters 30 "$PROJ/xtrue"
assert_match "$OUT" '^seen=([1-9][0-9]) getfd=0 readv=0$' \
	"30 drop enters: the racer saw them and took no fd and read no memory of any"

# ---- kernel interfaces that are not namespaced

if [ -r /proc/keys ]; then
	check "control: /proc/keys is readable on the host" test -r /proc/keys
	in_esc -- "$T" open-read /proc/keys
	expect_line "open-read errno=EACCES" "/proc/keys is blocked (EACCES)"
fi
in_esc -- "$T" open-read /proc/kcore
if [ -e /proc/kcore ]; then
	expect_line "open-read errno=EACCES" "/proc/kcore is blocked (EACCES)"
else
	expect_line "open-read errno=ENOENT" "/proc/kcore does not exist inside (nor on this host)"
fi
if [ -d /sys/firmware ]; then
	in_esc -- "$T" open-dir /sys/firmware
	expect_line "open-dir errno=EACCES" "/sys/firmware is blocked (EACCES)"
fi
if [ -r /proc/timer_list ]; then
	in_esc -- "$T" open-read /proc/timer_list
	expect_line "open-read errno=EACCES" "/proc/timer_list is blocked (EACCES)"
fi

# ---- the terminal: TIOCSTI into a real pty

# script(1) gives drop a terminal, so the sandbox gets a pty as its controlling terminal.
# The pty echoes what reaches its input in front of the report: the '#' a
# working TIOCSTI injects, and the ^@ script(1) may send on its stdin's EOF.
tty_try() { # ENV ATTACK...
	local env=$1
	shift
	LAST_CMD="script -qec 'drop run -e $env -n off -- $T $*' /dev/null"
	OUT=$(timeout -k 5 "$DROP_TEST_TIMEOUT" script -qec "'$DROP' run -e $env -n off -- '$T' $*" /dev/null \
		</dev/null 2>&1 | tr -d '\r' | sed -E 's/^(\^@|#)+//')
	STATUS=$?
	ERR=
}
tty_try esc tiocsti tiocsti-high tioclinux
expect_line "tiocsti errno=EPERM" "TIOCSTI on the sandbox's terminal is denied"
expect_line "tiocsti-high errno=EPERM" "TIOCSTI with high request bits on the terminal is denied"
expect_line "tioclinux errno=EPERM" "TIOCLINUX on the terminal is denied"

# ---- file descriptors

echo secret >"$WORK/inherited"
exec 7<>"$WORK/inherited"
in_esc -- "$T" write-fd 3 write-fd 4 write-fd 5 write-fd 6 write-fd 7 write-fd 8 write-fd 9 write-fd 10 write-fd 255
exec 7>&-
expect_count 9 '^write-fd errno=EBADF$' "no inherited fd beyond 0-2 reaches the program (fd 7 was open in drop's caller)"

echo original >"$WORK/stdin-file"
chmod 644 "$WORK/stdin-file"
LAST_CMD="drop run -- sh -c 'echo PWNED >/proc/self/fd/0; stat -L -c %F /proc/self/fd/0' <stdin-file"
OUT=$(timeout -k 5 "$DROP_TEST_TIMEOUT" "$DROP" run -e esc -n off -- sh -c \
	"$T open-write /proc/self/fd/0; echo PWNED >/proc/self/fd/0; stat -L -c %F /proc/self/fd/0" \
	<"$WORK/stdin-file" 2>&1)
STATUS=$?
assert_eq original "$(cat "$WORK/stdin-file")" "a file given as stdin cannot be written through /proc/self/fd/0"
assert_not_contains "$OUT" "regular" "stdin inside is not the host file (a pipe)"

# ---- setuid binaries gain nothing

# su waits at its password prompt, long enough to read its credentials.
# shellcheck disable=SC2016 # expanded by the shell that runs it
su_creds='(sleep 3 | su root -c true) 2>/dev/null & sleep 1
for p in $(pgrep -x su); do grep -E "^(Uid|CapEff):" /proc/$p/status; done; wait'
if [ -u /usr/bin/su ] || [ -u /bin/su ]; then
	run_cmd sh -c "$su_creds"
	assert_match "$OUT" "^Uid:[[:space:]]+${TEST_UID}[[:space:]]+0" "control: on the host, setuid su runs with euid 0"
	in_esc -- sh -c "$su_creds"
	assert_match "$OUT" "^Uid:[[:space:]]+${TEST_UID}[[:space:]]+${TEST_UID}[[:space:]]+${TEST_UID}" \
		"setuid su runs with the user's own uid inside"
	assert_match "$OUT" '^CapEff:[[:space:]]+0+$' "setuid su has no capabilities inside"
fi
# passwd -S shows the shadow file's aging fields only when it can read it (euid 0).
if [ -u /usr/bin/passwd ]; then
	run_cmd passwd -S
	assert_match "$OUT" "^$USER [A-Z]+ [^ ]+ [0-9-]+ " "control: on the host, setuid passwd -S reads the shadow file"
	in_esc -- passwd -S
	assert_no_match "$OUT" "^$USER [A-Z]+ [^ ]+ [0-9-]+ " "setuid passwd -S cannot read the shadow file inside"
fi
if command -v ping >/dev/null; then
	in_esc -- sh -c 'ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 & sleep 0.3; grep -E "^(Uid|CapEff):" /proc/$!/status 2>/dev/null; wait'
	assert_no_match "$OUT" '^CapEff:[[:space:]]+0*[1-9a-f]' "ping (setuid or file capabilities) has no capabilities inside"
fi

# ---- the network: host loopback services and abstract sockets

port=$(random_port)
bg_start socat -lf /dev/null "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'echo hi'
tcp_pid=$BG_PID
abstract=drop-escape-$$-$RANDOM
bg_start socat -lf /dev/null "ABSTRACT-LISTEN:$abstract,fork" SYSTEM:'echo hi'
if ! wait_for 5 sh -c "ss -Htln 'sport = :$port' | grep -q . && ss -Hxl | grep -q '@$abstract'"; then
	not_ok "start the host listeners (socat on 127.0.0.1:$port and @$abstract)"
fi
for mode in host isolated off; do
	run_drop run -e esc -n "$mode" -- "$T" connect-tcp 127.0.0.1 "$port" connect-abstract "$abstract"
	if [ "$mode" = host ]; then
		expect_line "connect-tcp ok" "control: -n host reaches the host loopback service"
		expect_line "connect-abstract ok" "control: -n host reaches the host abstract socket"
	else
		expect_line "connect-tcp errno=ECONNREFUSED" "-n $mode: a host loopback TCP service is not reachable"
		expect_line "connect-abstract errno=ECONNREFUSED" "-n $mode: a host abstract unix socket is not reachable"
	fi
done
kill "$tcp_pid" 2>/dev/null

# ---- planted symlinks and swapped directories (an earlier run attacks the next)

mkdir -p "$HOME/data" "$ENVH/real"
echo data >"$HOME/data/file"
echo secret >"$ENVH/real/secret"
in_esc -- sh -c "ln -s '$PROJ' ~/plant && ln -s ~/real ~/plantdir && mkdir -p ~/sw/inner"

# A second config for the same environment (-c), as its user would have written it.
cat >"$WORK/plant.ini" <<EOF
[drop]
include = $CONFIG_DIR/esc.ini
[fs]
mount = ~/data:~/plant
mount = ~/data:~/plantdir/sub
mount = ~/data:~/sw/inner
EOF
in_plant() { run_drop run -e esc -c "$WORK/plant.ini" -n off "$@"; }
in_plant -- sh -c "cat ~/sw/inner/file; test -e '$PROJ/file' && echo FOLLOWED; test -e ~/real/sub/file && echo FOLLOWED; exit 0"
assert_status 0 "planted symlinks: the run goes on"
assert_contains "$ERR" "drop: not mounting $HOME/data, target already exists but is a symbolic link" \
	"a configured mount onto a planted symlink is skipped"
assert_contains "$ERR" "drop: not mounting $HOME/data, target path contains a symbolic link" \
	"a configured mount below a planted symlink is skipped"
assert_eq data "$OUT" "... the other mounts are made, and none through a symlink"
check_not "... no mount point was created through the symlinked directory" test -e "$ENVH/real/sub"

# Swapped directory: the previous run turns the mount's parent directory into a symlink.
in_esc -- sh -c "rm -rf ~/sw && ln -s '$PROJ' ~/sw"
in_plant -- sh -c "test -e '$PROJ/inner/file' && echo FOLLOWED"
assert_contains "$ERR" "drop: not mounting $HOME/data, target path contains a symbolic link" \
	"a directory swapped for a symlink between runs: mount skipped"
check_not "... and no mount point was created where the symlink points" test -e "$PROJ/inner"
assert_not_contains "$OUT" FOLLOWED "... and nothing mounted there"

# Blocks fail closed.
printf '[fs]\nblock = ~/plantdir\n' >"$WORK/block1.ini"
printf '[fs]\nblock = ~/plantdir/secret\n' >"$WORK/block2.ini"
run_drop run -e esc -c "$WORK/block1.ini" -n off -- sh -c 'cat ~/real/secret ~/plantdir/secret'
assert_status 125 "a configured block on a planted symlink stops the run (exit 125)"
assert_eq "" "$OUT" "... and the program did not run"
assert_match "$ERR" "^drop: .*symbolic link" "... saying why"
run_drop run -e esc -c "$WORK/block2.ini" -n off -- cat "$HOME/plantdir/secret"
assert_status 125 "a configured block below a planted symlink stops the run (exit 125)"
assert_eq "" "$OUT" "... and the secret was not shown"

# Racing: a concurrent sandbox flips ~/race between a directory and a symlink
# to the project dir while drop resolves a mount target below it.
rm -f "$PROJ/inner"
bg_start sh -c 'exec "$@" >/dev/null' _ "$DROP" run -e esc -n off -- "$T" swap-for "$HOME/race" "$PROJ" 12
swapper=$BG_PID
wait_for 5 test -e "$ENVH/race.alt" || not_ok "the swapping sandbox started"
race_bad=0 race_runs=0 race_mounted=0 race_skipped=0
while kill -0 "$swapper" 2>/dev/null && [ "$race_runs" -lt 40 ]; do
	run_drop run -e esc -n off -m '~/data:~/race/inner' -- \
		sh -c "test -e '$PROJ/inner/file' && echo FOLLOWED; test -e ~/race/inner/file && echo MOUNTED"
	race_runs=$((race_runs + 1))
	case $OUT in *FOLLOWED*) race_bad=$((race_bad + 1)) ;; *MOUNTED*) race_mounted=$((race_mounted + 1)) ;; esac
	case $ERR in *"symbolic link"*) race_skipped=$((race_skipped + 1)) ;; esac
	[ -e "$PROJ/inner" ] && race_bad=$((race_bad + 1))
done
wait "$swapper"
diag "race: $race_runs runs: $race_skipped skipped for a symlink, $race_mounted seen mounted in the real directory," \
	"the rest mounted in the real directory and swapped away before the check"
if [ "$race_runs" -ge 5 ] && [ "$race_bad" = 0 ] && ! [ -e "$PROJ/inner" ]; then
	ok "a directory swapped for a symlink during assembly never redirects a mount ($race_runs runs)"
else
	not_ok "a directory swapped for a symlink during assembly never redirects a mount"
	diag_last
fi

# ---- configuration of the filter (and proof that the tests above can fail)

run_drop run -e esc-off -n off -- grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
assert_eq "NoNewPrivs:	1
Seccomp:	0" "$OUT" "seccomp = off: no filter (Seccomp 0), no_new_privs still set"
run_drop run -e esc-off -n off -- "$T" keyctl int80-keyctl x32-keyctl perf_event_open tiocsti process_vm_readv \
	process_vm_writev pidfd_getfd io_uring_setup io_uring_enter io_uring_register personality-set 40000
for name in process_vm_readv process_vm_writev pidfd_getfd personality-set; do
	expect_line "$name ok" "seccomp = off: $name works (its test can fail)"
done
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ]; then
	expect_line "io_uring_setup ok" "seccomp = off: io_uring_setup works (its test can fail)"
	expect_line "io_uring_enter ok" "seccomp = off: io_uring_enter works (its test can fail)"
	expect_line "io_uring_register errno=ENXIO" "seccomp = off: the kernel answers io_uring_register itself"
else
	expect_count 3 '^io_uring_(setup|enter|register) errno=EPERM$' \
		"seccomp = off: kernel.io_uring_disabled refuses io_uring here too"
fi
expect_line "keyctl ok" "seccomp = off: keyctl gets through (the keyring test can fail)"
expect_abi i386 ok int80-keyctl "seccomp = off: i386 keyctl gets through (the int 0x80 tests can fail)"
expect_abi x32 ok x32-keyctl "seccomp = off: x32 keyctl gets through (the x32 tests can fail)"
expect_line "perf_event_open errno=EFAULT" "seccomp = off: the kernel answers perf_event_open itself"
expect_line "tiocsti errno=ENOTTY" "seccomp = off: the tty layer answers TIOCSTI itself"
tty_try esc-off tiocsti
expect_line "tiocsti ok" "seccomp = off: TIOCSTI on the terminal works (the TIOCSTI test can fail)"

env_with esc-allow "[security]
seccomp_allow = keyctl
seccomp_deny = personality" || true
run_drop run -e esc-allow -n off -- sh -c "grep '^Seccomp:' /proc/self/status; $T keyctl add_key int80-keyctl x32-keyctl mount personality"
expect_line "Seccomp:	2" "seccomp_allow: the filter is still on"
expect_line "keyctl ok" "seccomp_allow = keyctl lifts keyctl"
expect_abi i386 ok int80-keyctl "... on the i386 ABI too"
expect_abi x32 ok x32-keyctl "... on the x32 ABI too"
expect_line "add_key errno=EPERM" "... and nothing else: add_key is still denied"
expect_line "mount errno=EPERM" "... mount is still denied"
expect_line "personality errno=EPERM" "seccomp_deny = personality denies it (EPERM)"

env_with esc-allow2 "[security]
seccomp_allow = personality
seccomp_allow = pidfd_getfd" || true
run_drop run -e esc-allow2 -n off -- "$T" personality-set 40000 pidfd_getfd process_vm_readv io_uring_setup
expect_line "personality-set ok" "seccomp_allow = personality lifts the persona check"
expect_line "pidfd_getfd ok" "seccomp_allow = pidfd_getfd lifts it"
expect_attacks EPERM " still (not in seccomp_allow)" process_vm_readv io_uring_setup

env_with esc-userns "[security]
userns = yes" || true
run_drop run -e esc-userns -n off -- unshare -Ur id -u
assert_status 0 "userns = yes: unshare -Ur works inside"
assert_eq 0 "$OUT" "userns = yes: ... and is root in the nested namespace"
run_drop run -e esc-userns -n off -- "$T" clone-newuser clone3 keyctl int80-keyctl unshare-user
expect_line "unshare-user ok" "userns = yes: unshare(CLONE_NEWUSER) is allowed"
expect_line "clone-newuser ok" "userns = yes: clone(CLONE_NEWUSER) is allowed"
expect_line "clone3 ok" "userns = yes: clone3 is allowed"
expect_line "keyctl errno=EPERM" "userns = yes: the rest of the filter stays (keyctl)"
expect_abi i386 errno=EPERM int80-keyctl "userns = yes: the rest of the filter stays (i386 keyctl)"
run_drop run -e esc-userns -n off -- unshare -Urpf --mount-proc sh -c 'echo $$'
assert_eq 1 "$OUT" "userns = yes: a nested pid namespace with its own /proc works (unshare -Urpf --mount-proc)"
run_drop run -e esc-userns -n off -- grep -E "$STATUS_RE" /proc/self/status
assert_eq "$ZERO_CAPS
NoNewPrivs:	1
Seccomp:	2" "$OUT" "userns = yes: still no capabilities, no_new_privs, seccomp"

done_testing
