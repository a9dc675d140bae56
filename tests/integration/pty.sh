#!/bin/bash
# pty.sh: the terminal and the process lifecycle (SPEC 5 "Process", "Standard
# streams"; SPEC 7 parent death): the sandbox's own pty, which fds are
# terminals, Ctrl-C/Ctrl-Z, window size, the host terminal restored on every
# exit path, complete output, fd hygiene, orphan reaping, SIGKILL of drop,
# /dev/ptmx, TIOCSTI, /proc/1/exe. The terminal comes from tests/helpers/ptyrun,
# so the test runner needs none.
# shellcheck disable=SC2016,SC2317 # quoted $ are for the sandbox's shell; functions called through wait_for
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

PTYRUN=$DROP_BUILDDIR/tests/helpers/ptyrun
if [ ! -x "$PTYRUN" ]; then
	not_ok "tests/helpers/ptyrun is built ($PTYRUN; make check builds it)"
	done_testing
fi

make_env x || done_testing

# pty [PTYRUN-OPTIONS...] -- COMMAND...: run COMMAND under ptyrun, stdin from
# $PTY_STDIN (default /dev/null) where it is not the terminal. Sets TTY (the
# transcript, carriage returns removed), STATUS (ptyrun's: 0 when every action
# succeeded), PSTATUS (the command's, from the last wait), OUT (what the
# command wrote to a non-terminal stdout) and ERR (ptyrun's messages).
pty() {
	LAST_CMD="ptyrun $*"
	timeout -k 5 90 "$PTYRUN" -T 60 -O "$WORK/.tty" "$@" <"${PTY_STDIN:-/dev/null}" >"$WORK/.out" 2>"$WORK/.err"
	STATUS=$?
	TTY=$(tr -d '\r' <"$WORK/.tty")
	OUT=$(cat "$WORK/.out")
	ERR=$(cat "$WORK/.err")
	PSTATUS=$(sed -n 's/^ptyrun: status //p' "$WORK/.err" | tail -n 1)
}

# pty_ok DESC: every action of the last pty call succeeded.
pty_ok() {
	if [ "$STATUS" = 0 ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "command: $LAST_CMD" "ptyrun status: $STATUS" "ptyrun: $ERR" "terminal: $TTY"
		return 1
	fi
}

# drop run in env x without a network (quick); -n off also for the terminal tests.
D=("$DROP" run -e x -n off --)

# ---- the helper itself can fail

pty -a 'wait 5000' -a 'termios-check' -- sh -c 'stty raw -echo'
check "ptyrun: termios-check notices a terminal left in raw mode" test "$STATUS" = 1
assert_contains "$ERR" "termios-check" "ptyrun: termios-check says what failed"
pty -a 'expect never-printed 300' -- sh -c 'echo something; sleep 5'
check "ptyrun: an expect that does not match fails" test "$STATUS" = 1
pty -a 'wait 5000' -a 'status 3' -- sh -c 'exit 4'
check "ptyrun: a wrong status fails" test "$STATUS" = 1

# ---- the sandbox's own terminal

pty -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c 'tty; ps -o tty= -p $$'
pty_ok "tty run"
assert_eq "/dev/pts/0
pts/0" "$TTY" "the program's terminal is /dev/pts/0 of the sandbox's devpts, and its controlling terminal"
pty -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c 'ls /dev/pts | sort | tr "\n" " "'
assert_eq "0 ptmx " "$TTY" "the sandbox's devpts holds only its own pty"
pty -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c 'ps -eo tty= | sort -u | tr -d " " | tr "\n" " "'
assert_eq "pts/0 " "$TTY" "no process inside has the host terminal (pid 1 leads the session of the sandbox's own)"

run_drop run -e x -n off -- tty
assert_status 1 "no terminal at all: tty exits 1"
assert_eq "not a tty" "$OUT" "no terminal at all: tty says 'not a tty'"
run_drop run -e x -n off -- sh -c 'ps -o tty= -p $$; (exec 3</dev/tty) 2>/dev/null && echo HAS-CTTY; exit 0'
assert_eq "?" "$OUT" "no terminal at all: no controlling terminal (/dev/tty cannot be opened)"

# ---- only the fds that were terminals are terminals

fds='r=""; for fd in 0 1 2; do if [ -t $fd ]; then r="$r$fd=tty "; else r="$r$fd=no "; fi; done; echo "$r" >&2; echo "$r"'
echo "from the file" >"$WORK/in"
pty -n 1 -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c "$fds"
assert_eq "0=tty 1=no 2=tty " "$TTY" "stdin and stderr terminals, stdout a file: the same inside (terminal side)"
assert_eq "0=tty 1=no 2=tty " "$OUT" "stdin and stderr terminals, stdout a file: stdout reaches the file"
PTY_STDIN=$WORK/in pty -n 0 -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c "$fds; cat; tty"
assert_eq "0=no 1=tty 2=tty 
0=no 1=tty 2=tty 
from the file
not a tty" "$TTY" "stdin a file, stdout and stderr terminals: stdin is no terminal, reads the file, and tty says so"
PTY_STDIN=$WORK/in pty -n 01 -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c "$fds; cat"
assert_eq "0=no 1=no 2=tty " "$TTY" "only stderr a terminal: only fd 2 is one inside"
assert_eq "0=no 1=no 2=tty 
from the file" "$OUT" "only stderr a terminal: stdin and stdout are relayed"
pty -n 12 -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c "$fds; tty; ps -o tty= -p \$\$"
assert_eq "0=tty 1=no 2=no 
/dev/pts/0
pts/0" "$OUT" "only stdin a terminal: only fd 0 is one inside, and it is the controlling terminal"

# ---- signals from the keyboard, job control

# (until_running MARKER: an action that waits until a program with that command line runs)
until_running() {
	printf 'run i=0; until pgrep -u %s -f "^%s" >/dev/null; do i=$((i+1)); [ $i -lt 150 ] || exit 1; sleep 0.1; done' \
		"$TEST_UID" "$1"
}
pty -a "$(until_running 'sleep 30[.]1$')" -a 'send \x03' -a 'wait 1000' -a 'status 130' -- "${D[@]}" sleep 30.1
pty_ok "Ctrl-C ends 'sleep 30' within a second with status 130"
pty -a 'expect ready 10000' -a 'send \x03' -a 'wait 1000' -a 'status 130' -- \
	"${D[@]}" sh -c 'echo ready; while :; do sleep 0.1; done'
pty_ok "Ctrl-C ends a shell loop within a second with status 130"
pty -a 'expect ready 10000' -a 'send \x1c' -a 'wait 2000' -a 'status 131' -- \
	"${D[@]}" sh -c 'echo ready; exec sleep 30'
pty_ok "Ctrl-\\ quits the program: status 131"

cat >"$WORK/jobs.script" <<'EOF'
expect \$ $ 10000
send sh -c 'echo st""art; exec cat'\r
expect ^start\r$
send hello\r
expect hello\r\nhello\r\n
send \x1a
expect Stopped
send jobs\r
expect Stopped.*exec cat
send fg\r
expect exec cat'?\r\n
send again\r
expect again\r\nagain\r\n
send \x04
expect \$ $
send exit 7\r
wait 5000
status 7
EOF
pty -f "$WORK/jobs.script" -- "${D[@]}" bash --norc --noprofile -i
pty_ok "an interactive bash inside: Ctrl-Z stops a job, fg resumes it, exit status kept"
assert_not_contains "$TTY" "job control" "bash inside has job control (no 'no job control in this shell')"

# ---- window size

pty -r 30 -c 100 -a 'expect ready 10000' -a 'winsize 40 120' -a 'expect ^40 120 5000' -a 'winsize 25 70' \
	-a 'expect ^25 70 5000' -a 'send \x03' -a 'wait 2000' -- \
	"${D[@]}" sh -c 'stty size; trap "stty size" WINCH; echo ready; while :; do sleep 0.1; done'
pty_ok "window size changes reach the program with SIGWINCH"
assert_eq "30 100
ready
40 120
25 70" "$(printf '%s\n' "$TTY" | head -n 4)" "stty size inside: the initial size, then each new size"
pty -r 50 -c 132 -n 0 -a 'wait 10000' -- "${D[@]}" stty size -F /dev/pts/0
assert_eq "50 132" "$TTY" "the size also comes from stdout when stdin is no terminal"

# ---- the host terminal is restored on every exit path

# exit_path DESC STATUS COMMAND... [with PRE actions in $PRE]
exit_path() {
	local desc=$1 want=$2
	shift 2
	pty "${PRE[@]}" -a 'wait 5000' -a "status $want" -a 'termios-check' -- "$@"
	pty_ok "terminal restored: $desc (status $want)"
	PRE=()
}
PRE=()
exit_path "normal exit" 0 "${D[@]}" true
exit_path "the program changed its own terminal" 3 "${D[@]}" sh -c 'stty raw -echo; exit 3'
exit_path "program killed by SIGKILL" 137 "${D[@]}" sh -c 'kill -KILL $$'
exit_path "program killed by SIGSEGV" 139 "${D[@]}" sh -c 'kill -SEGV $$'
for sig in TERM:143 HUP:129 INT:130 QUIT:131; do
	PRE=(-a 'expect ready 10000' -a "kill ${sig%:*}")
	exit_path "SIG${sig%:*} to drop" "${sig#*:}" "${D[@]}" sh -c 'echo ready; exec sleep 30'
done
PRE=(-a 'expect ready 10000' -a "kill TERM")
exit_path "SIGTERM to drop, program in raw mode" 143 "${D[@]}" sh -c 'stty raw -echo; echo ready; exec sleep 30'
exit_path "command not found" 127 "${D[@]}" no-such-command-xyz
printf 'echo hi\n' >"$PROJ/notexec"
exit_path "command not executable" 126 "${D[@]}" "$PROJ/notexec"
exit_path "environment does not exist" 125 "$DROP" run -e never-made -- true
printf '[nosuch]\nkey = 1\n' >"$WORK/bad.ini"
exit_path "config error" 125 "$DROP" run -e x -c "$WORK/bad.ini" -- true
exit_path "usage error" 125 "$DROP" run --no-such-option -- true
exit_path "bad mount" 125 "$DROP" run -e x -n off -b "/tmp/../proc" -- true
exit_path "isolated network" 0 "$DROP" run -e x -- true

# Stopped from outside: drop gives the terminal back while stopped, takes it again on SIGCONT.
stopped='run i=0; until grep -q "^[0-9]* ([^)]*) T" /proc/$PTYRUN_PID/stat; do i=$((i+1)); [ $i -lt 50 ] || exit 1; sleep 0.1; done'
pty -a 'expect ready 10000' -a 'kill TSTP' -a "$stopped" -a 'termios-check' -a 'kill CONT' \
	-a 'sleep 300' -a 'send ping\r' -a 'expect ^got ping' -a 'wait 5000' -a 'status 0' -a 'termios-check' -- \
	"${D[@]}" sh -c 'echo ready; read x; echo "got $x"'
pty_ok "kill -TSTP drop: terminal restored while stopped; after SIGCONT input flows again and the end restores it"

# The program stops: drop gives the terminal back and stops too, like a shell job; SIGCONT (fg) resumes both.
pty -a 'expect ready 10000' -a "$stopped" -a 'termios-check' -a 'sleep 300' -a "$stopped" \
	-a 'kill CONT' -a 'expect ^resumed 5000' -a 'wait 5000' -a 'status 5' -a 'termios-check' -- \
	"${D[@]}" sh -c 'echo ready; kill -STOP $$; echo resumed; exit 5'
pty_ok "the program stops itself (SIGSTOP): drop stops with the terminal restored; SIGCONT resumes it, status kept"
# Under a job-control shell (drop is a job of bash on the terminal): Ctrl-Z and SIGTSTP give the prompt
# back in the shell's own mode, fg resumes the program.
drop_stopped='ps -o stat= --ppid $PTYRUN_PID | grep -q "^T"'
cat >"$WORK/ctrlz.script" <<EOF
expect \\\$ \$ 10000
send $DROP run -e x -n off -- sh -c 'echo rea""dy; exec cat'\\r
expect ^ready\\r\$ 10000
send one\\r
expect one\\r\\none\\r\\n
send \\x1a
expect Stopped
expect \\\$ \$
run $drop_stopped
send stty -a | grep -o -- '-*icanon'\\r
expect ^icanon
send fg\\r
expect exec cat'?\\r\\n
send two\\r
expect two\\r\\ntwo\\r\\n
send \\x04
expect \\\$ \$
send echo "status=\$?"\\r
expect status=0
send $DROP run -e x -n off -- sh -c 'echo rea""dy; kill -TSTP \\\$\\\$; echo resumed; exit 5'\\r
expect ^ready
expect Stopped
expect \\\$ \$
run $drop_stopped
send fg\\r
expect ^resumed
expect \\\$ \$
send echo "status=\$?"\\r
expect status=5
send exit\\r
wait 5000
EOF
pty -f "$WORK/ctrlz.script" -- bash --norc --noprofile -i
pty_ok "Ctrl-Z on a cooked-mode program, and its own SIGTSTP: drop stops, the shell's prompt comes back, fg resumes"
# A full-screen program has its terminal raw and handles Ctrl-Z itself, as vim does: it stops its own group.
cat >"$PROJ/suspend.py" <<'EOF'
import os, signal, termios, tty
saved = termios.tcgetattr(0)
tty.setraw(0)
os.write(1, b"ready\r\n")
while True:
    c = os.read(0, 1)
    if c == b"\x1a":
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
        os.kill(0, signal.SIGTSTP)
        tty.setraw(0)
        os.write(1, b"back\r\n")
    elif c == b"q":
        break
termios.tcsetattr(0, termios.TCSADRAIN, saved)
EOF
cat >"$WORK/ctrlz-raw.script" <<EOF
expect \\\$ \$ 10000
send $DROP run -e x -n off -- python3 $PROJ/suspend.py\\r
expect ^ready 10000
send \\x1a
expect Stopped
expect \\\$ \$
run $drop_stopped
send fg\\r
expect ^back
send q
expect \\\$ \$
send echo "status=\$?"\\r
expect status=0
send exit\\r
wait 5000
EOF
pty -f "$WORK/ctrlz-raw.script" -- bash --norc --noprofile -i
pty_ok "Ctrl-Z in a raw-mode program that handles it itself (as vim does): drop stops, fg resumes the program"
# Without a job-control shell (drop's process group is orphaned, as for 'xterm -e drop run ...'), a
# Ctrl-Z or SIGTSTP cannot stop drop for good, nobody could continue it: the program goes on.
# (cat echoes a line first: a Ctrl-Z while sh is still starting it stops sh's vfork child, which no shell sees)
pty -a 'expect ready 10000' -a 'send one\r' -a 'expect one\r\none' -a 'send \x1a' -a 'sleep 500' \
	-a 'send more\r' -a 'expect more\r\nmore' \
	-a 'send \x04' -a 'expect ^resumed' -a 'wait 5000' -a 'status 5' -a 'termios-check' -- \
	"${D[@]}" sh -c 'echo ready; cat; kill -TSTP $$; echo resumed; exit 5'
pty_ok "Ctrl-Z and SIGTSTP with nobody to continue drop (orphaned process group): the program goes on"

# ---- the host terminal is not the sandbox's to command (SPEC 5)

# Each sequence between two letters; the removed ones must not reach the terminal, the others must, whole.
seqs='A\033]52;c;aGVsbG8=\007B\033P$qm\033\\C\033[21tD\033]11;?\007E\033]4;1;?\033\\F\033P+q544e\033\\G'
seqs=$seqs'\033]2;T1\007H\033]8;;http://x/\033\\L\033]8;;\033\\I\033[6nJ\033[cK\n'
printf 'A B C D E F G\033]2;T1\007H\033]8;;http://x/\033\\L\033]8;;\033\\I\033[6nJ\033[cK\r\n' | tr -d ' ' >"$WORK/filtered"
printf "${seqs//%/%%}" | sed 's/$/\r/' >"$WORK/unfiltered"
pty -a 'wait 10000' -a 'status 0' -- sh -c "printf '$seqs'"
check "(control) without drop every sequence reaches the terminal" cmp -s "$WORK/unfiltered" "$WORK/.tty"
pty -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c "printf '$seqs'"
check "OSC 52, DECRQSS, XTGETTCAP, CSI 21 t, OSC 11;? and OSC 4;1;? removed; a title, OSC 8, CSI 6 n and CSI c kept" \
	cmp -s "$WORK/filtered" "$WORK/.tty" || diag "got: $(od -c "$WORK/.tty" | head -n 8)"
# The same, one byte a write: sequences split across reads are handled too.
pty -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c "printf '$seqs' | dd bs=1 status=none"
check "split into single bytes, the same sequences are removed and kept" cmp -s "$WORK/filtered" "$WORK/.tty" ||
	diag "got: $(od -c "$WORK/.tty" | head -n 8)"
printf '[security]\nterminal = raw\n' >"$WORK/raw.ini"
pty -a 'wait 10000' -a 'status 0' -- "$DROP" run -e x -n off -c "$WORK/raw.ini" -- /bin/sh -c "printf '$seqs'"
check "[security] terminal = raw: every sequence reaches the terminal" cmp -s "$WORK/unfiltered" "$WORK/.tty"

# ---- output completeness

seq 1 200000 >"$WORK/seq"
pty -a 'wait 30000' -a 'status 0' -- "${D[@]}" seq 1 200000
printf '%s\n' "$TTY" >"$WORK/seq.tty"
check "pty: all of 'seq 1 200000' arrives, in order" cmp -s "$WORK/seq" "$WORK/seq.tty"
assert_eq "200000" "$(tail -n 1 "$WORK/seq.tty")" "pty: the last line is 200000"
assert_eq 200000 "$(grep -c $'\r$' "$WORK/.tty")" "pty: each line ends in exactly one CRLF (the sandbox's pty translates, the host's does not again)"
check_not "pty: no doubled carriage returns" grep -q $'\r\r' "$WORK/.tty"
run_drop run -e x -n off -- seq 1 200000
printf '%s\n' "$OUT" >"$WORK/seq.pipe"
check "pipes: all of 'seq 1 200000' arrives" cmp -s "$WORK/seq" "$WORK/seq.pipe"
run_drop run -e x -n off -- sh -c 'seq 1 200000 >&2'
printf '%s\n' "$ERR" >"$WORK/seq.pipe2"
check "pipes: all of 'seq 1 200000' on stderr arrives" cmp -s "$WORK/seq" "$WORK/seq.pipe2"
pty -n 1 -a 'wait 30000' -a 'status 0' -- "${D[@]}" sh -c 'seq 1 200000; echo done >&2'
printf '%s\n' "$OUT" >"$WORK/seq.mixed"
check "stdout a file while stderr is a terminal: all of it arrives" cmp -s "$WORK/seq" "$WORK/seq.mixed"
assert_eq "done" "$TTY" "stdout a file while stderr is a terminal: stderr on the terminal"

# drop changes only the input side of the host terminal (SPEC 5): `drop run ... | tee` does not staircase.
host_termios='stty -a -F /proc/$PTYRUN_PID/fd/0 | tr " " "\n" | grep -xE -- "-?(icanon|opost|onlcr)" | tr "\n" " " >&2; echo >&2'
pty -n 1 -a 'expect ready 10000' -a "run $host_termios" -a 'wait 10000' -a 'status 0' -- \
	"${D[@]}" sh -c 'echo ready >&2; sleep 1'
assert_eq "opost onlcr -icanon " "$(head -n 1 "$WORK/.err")" \
	"stdin a terminal, stdout a pipe: while drop runs the host terminal is raw on input, output processing kept"
pty -a 'expect ready 10000' -a 'wait 10000' -a 'status 0' -- sh -c \
	"\"\$@\" sh -c 'echo ready >&2; sleep 0.3; printf \"l1\\nl2\\nl3\\n\"; sleep 0.3' | cat" sh "${D[@]}"
assert_contains "$(cat "$WORK/.tty")" $'l1\r\nl2\r\nl3\r' \
	"'drop run ... | cat' with stdin a terminal: cat's lines start at the left margin (no staircase)"
pty -a 'expect ready 10000' -a 'send \e' -a 'expect raw' -a 'wait 10000' -a 'status 0' -- "${D[@]}" sh -c \
	'stty raw -echo; echo ready; head -c 1 >/dev/null; printf "a\nb\r\nraw\r\n"; sleep 0.5; stty sane'
assert_contains "$(cat "$WORK/.tty")" $'\na\nb\r\nraw\r' \
	"a program that turned its output processing off: a bare LF stays one, CRLF stays one"

# Input: a 100 KB paste reaches a program in raw mode whole (the relay waits while the pty is full).
head -c 75000 /dev/urandom | base64 -w 76 >"$WORK/paste"
size=$(stat -c %s "$WORK/paste")
{
	printf 'expect ready 10000\nsend '
	sed 's/$/\\n/' "$WORK/paste" | tr -d '\n'
	printf '\nexpect ^done 20000\nwait 10000\nstatus 0\n'
} >"$WORK/paste.script"
pty -f "$WORK/paste.script" -- "${D[@]}" sh -c "stty raw -echo; echo ready; head -c $size >$PROJ/pasted; echo done"
pty_ok "a 100 KB paste into a program in raw mode"
check "all of the paste arrives, unchanged" cmp -s "$WORK/paste" "$PROJ/pasted"

# Hangup: the host terminal goes away while the program runs.
pty -a 'expect ready 10000' -a 'hangup' -a 'wait 3000' -- "${D[@]}" sh -c 'echo ready; exec sleep 1234.7'
pty_ok "hangup run: drop exits when its terminal hangs up"
assert_eq 129 "$PSTATUS" "the terminal's hangup ends the program with SIGHUP: 129"
check "no sandbox process stays after the hangup" \
	wait_for 2 sh -c "! pgrep -u $TEST_UID -f '^sleep 1234[.]7' >/dev/null"

# ---- stdin, other fds

echo original >"$WORK/stdin-file"
PTY_STDIN=$WORK/stdin-file pty -n 0 -a 'wait 10000' -- "${D[@]}" sh -c \
	'echo evil >/proc/self/fd/0; echo evil >>/proc/self/fd/0; cat /proc/self/fd/0 >/dev/null; exit 0'
assert_eq original "$(cat "$WORK/stdin-file")" "stdout a terminal, stdin a file: the file cannot be written through /proc/self/fd/0"
exec 5<"$WORK/stdin-file"
pty -a 'wait 10000' -a 'status 0' -- "${D[@]}" ls -1 /proc/self/fd
run_drop run -e x -n off -- ls -1 /proc/self/fd
exec 5<&-
assert_eq "0
1
2
3" "$TTY" "on a pty: only 0 1 2 (and ls's own directory fd) are open inside; fd 5 of the caller is not"
assert_eq "0
1
2
3" "$OUT" "on pipes: only 0 1 2 (and ls's own directory fd) are open inside; fd 5 of the caller is not"

# ---- pid 1 reaps orphans

orphans='(sleep 0.1 &) ; sleep 1; ps -eo stat= | grep -c Z; ps -eo pid= | wc -l'
pty -a 'wait 10000' -- "${D[@]}" sh -c "$orphans"
assert_eq "0" "$(printf '%s\n' "$TTY" | head -n 1)" "on a pty: an orphan that exits leaves no zombie"
run_drop run -e x -n off -- sh -c "$orphans"
assert_eq "0" "$(printf '%s\n' "$OUT" | head -n 1)" "on pipes: an orphan that exits leaves no zombie"
check "(sanity) ps inside sees the sandbox's processes" test "$(printf '%s\n' "$OUT" | tail -n 1)" -ge 3

# ---- SIGKILL of drop: nothing stays behind, the next run cleans the instance

rm -rf "$DATA_DIR/run"
pty -a 'expect ready 15000' -a "run ps -o pid=,comm= --ppid \$PTYRUN_PID >$WORK/kids" \
	-a "run pgrep -u $TEST_UID -f '^sleep 1234[.]5' >/dev/null" -a 'kill KILL' \
	-a 'wait 3000' -a 'status 137' -- "$DROP" run -e x -- sh -c 'echo ready; exec sleep 1234.5'
pty_ok "drop (isolated network) killed with SIGKILL while the program runs"
diag "drop's children before the kill: $(tr '\n' ' ' <"$WORK/kids")"
check "(sanity) pasta was running as drop's child" grep -Eq ' (pasta|passt)' "$WORK/kids"
check "the program is gone within 2 s after drop's SIGKILL" \
	wait_for 2 sh -c '! pgrep -u "$(id -u)" -f "^sleep 1234[.]5" >/dev/null'
check "pasta and the sandbox's pid 1 are gone within 2 s" wait_for 2 pids_dead $(awk '{print $1}' "$WORK/kids")
left=$(ls "$DATA_DIR/run" 2>/dev/null)
check "(sanity) the killed run left its instance directory" test -n "$left"
assert_drop 0 run -e x -n off -- true
for inst in $left; do
	check "the next run removed the stale instance $inst" test ! -e "$DATA_DIR/run/$inst"
done

# Same with a terminal-less drop and pipes.
bg_start "$DROP" run -e x -n off -- sh -c 'echo ready; exec sleep 1234.6' >"$WORK/k.out" 2>&1
dpid=$BG_PID
wait_for 10 grep -q ready "$WORK/k.out"
check "(sanity) no terminal: the program runs before the SIGKILL" \
	sh -c "pgrep -u $TEST_UID -f '^sleep 1234[.]6' >/dev/null"
kill -KILL "$dpid"
wait "$dpid" 2>/dev/null
check "no terminal: the program is gone within 2 s after drop's SIGKILL" \
	wait_for 2 sh -c '! pgrep -u "$(id -u)" -f "^sleep 1234[.]6" >/dev/null'

# ---- /dev/ptmx, TIOCSTI

for root in "" -r; do
	pty -a 'wait 10000' -- "$DROP" run -e x -n off $root -- sh -c \
		'rm -f /dev/ptmx; echo "rm=$?"; rm -rf /dev/pts; test -c /dev/ptmx && echo ptmx-there; tty'
	assert_match "$TTY" "rm=[1-9]" "rm -f /dev/ptmx fails ${root:+(root inside)}"
	assert_match "$TTY" "(Device or resource busy|Read-only file system|Permission denied)" \
		"rm -f /dev/ptmx: busy, read-only or denied ${root:+(root inside)}"
	assert_contains "$TTY" "ptmx-there" "/dev/ptmx is still there ${root:+(root inside)}"
done

cat >"$PROJ/sti.py" <<'EOF'
import errno, fcntl, os, select, termios, tty
def attempt(name, req, arg):
    try:
        fcntl.ioctl(0, req, arg)
        print(name, "ALLOWED")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
attempt("TIOCSTI", termios.TIOCSTI, b"x")
attempt("TIOCSTI-high-bits", termios.TIOCSTI | (1 << 32), b"y")
attempt("TIOCLINUX", 0x541C, b"\x06\x00")
tty.setcbreak(0)
got = b""
while select.select([0], [], [], 0.5)[0]:
    got += os.read(0, 100)
print("input", got)
EOF
pty -a 'wait 15000' -a 'status 0' -a 'sleep 200' -a 'no-input' -- "${D[@]}" python3 "$PROJ/sti.py"
pty_ok "TIOCSTI run: nothing waits as input on the host terminal afterwards"
assert_eq "TIOCSTI EPERM
TIOCSTI-high-bits EPERM
TIOCLINUX EPERM
input b''" "$TTY" "TIOCSTI (also with high bits set) and TIOCLINUX fail with EPERM; nothing was injected"
pty -a 'wait 15000' -- python3 "$PROJ/sti.py"
assert_contains "$TTY" "TIOCSTI ALLOWED" "(sanity) without drop the same TIOCSTI succeeds on this machine"

# ---- /proc/1/exe, also when drop is a binary the user owns

mkdir "$WORK/own"
cp "$DROP" "$WORK/own/drop"
chmod 755 "$WORK/own/drop"
check "(sanity) the copy of drop is owned by the test user" test -O "$WORK/own/drop"
for root in "" -r; do
	pty -a 'wait 10000' -- "$WORK/own/drop" run -e x -n off $root -- sh -c \
		'echo x >>/proc/1/exe && echo APPENDED; (exec 3<>/proc/1/exe) 2>/dev/null && echo OPENED-RW;
		 head -c 1 /proc/1/exe >/dev/null 2>&1 && echo READ; exit 0'
	assert_eq "" "$(printf '%s\n' "$TTY" | grep -E 'APPENDED|OPENED-RW|READ')" \
		"user-owned drop: /proc/1/exe cannot be written, opened or read from inside ${root:+(root inside)}"
	check "user-owned drop: the binary is unchanged ${root:+(root inside)}" cmp -s "$DROP" "$WORK/own/drop"
done

done_testing
