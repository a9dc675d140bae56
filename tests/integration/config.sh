#!/bin/bash
# config.sh: configuration errors through the real binary (SPEC 3.2, 3.3):
# exit 125 from drop run, one "drop: FILE:LINE: ..." line, and nothing started.
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox and drop to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

make_env cfg
C=$WORK/cfg
mkdir -p "$C"
MARK=$PROJ/marker
# The body every case's file starts with: mounts the project dir read-write,
# so a run that wrongly starts leaves $MARK behind.
HEAD="[fs]
mount = $PROJ::rw"

# expect_error FILE LINE-ERE NEEDLE DESC: drop run -c FILE fails before starting
# anything, with exactly one line "drop: FILE:LINE: ...NEEDLE...".
expect_error() {
	local file=$1 line=$2 needle=$3 desc=$4 first
	rm -f "$MARK"
	run_drop run -e cfg -c "$file" -- /bin/sh -c "echo started; touch '$MARK'"
	assert_status 125 "$desc: exit 125"
	first=$(printf '%s\n' "$ERR" | head -n 1)
	if [[ $first == "drop: $file:"* ]] &&
		[[ ${first#"drop: $file:"} =~ ^($line):\ .*$needle ]] &&
		[ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]; then
		ok "$desc: drop: FILE:LINE: message"
	else
		not_ok "$desc: drop: FILE:LINE: message"
		diag "expected: drop: $file:$line: ...$needle..."
		diag_last
	fi
	if [ -z "$OUT" ] && [ ! -e "$MARK" ]; then
		ok "$desc: nothing started"
	else
		not_ok "$desc: nothing started"
		diag_last
	fi
}

# case NAME: write the case's file from stdin ($HEAD is not added).
case_file() {
	cat >"$C/$1.ini"
	printf '%s\n' "$C/$1.ini"
}

# expect_ok FILE DESC: the file is accepted and the program runs.
expect_ok() {
	rm -f "$MARK"
	run_drop run -e cfg -c "$1" -- /bin/sh -c "touch '$MARK'"
	if [ "$STATUS" = 0 ] && [ -e "$MARK" ]; then
		ok "$2"
	else
		not_ok "$2"
		diag_last
	fi
}

# ---- sanity: the plain file works, so the failures below are the lines' fault

f=$(case_file plain <<<"$HEAD")
expect_ok "$f" "a valid config runs"

# ---- unknown names

f=$(case_file key <<<"$HEAD
mout = ~/x")
expect_error "$f" 3 "mout.*mount" "unknown key, with the closest name suggested"
f=$(case_file section <<<"$HEAD
[fss]
mount = ~/x")
expect_error "$f" "3|4" "fss" "unknown section"
f=$(case_file section2 <<<"$HEAD
[nets]
mode = off")
expect_error "$f" "3|4" "nets.*net" "unknown section, with the closest name suggested"

# ---- paths

f=$(case_file dotdot <<<"$HEAD
mount = /etc/../usr")
expect_error "$f" 3 "invalid mount '/etc/\.\./usr': path is not normalized" "'..' component"
f=$(case_file dot <<<"$HEAD
mount = /usr/./lib")
expect_error "$f" 3 "not normalized" "'.' component"
f=$(case_file slashes <<<"$HEAD
mount = /usr//lib")
expect_error "$f" 3 "not normalized" "doubled slash"
f=$(case_file blockdots <<<"$HEAD
block = ~/a/../.ssh")
expect_error "$f" 3 "not normalized" "block with '..'"
f=$(case_file relative <<<"$HEAD
mount = usr/lib")
expect_error "$f" 3 "" "relative mount path"
f=$(case_file reldst <<<"$HEAD
mount = /usr/lib:lib")
expect_error "$f" 3 "" "relative mount target"
f=$(case_file relblock <<<"$HEAD
block = .ssh")
expect_error "$f" 3 "" "relative block path"
f=$(case_file tildeuser <<<"$HEAD
mount = ~root/x")
expect_error "$f" 3 "" "~user path"
f=$(case_file flag <<<"$HEAD
mount = ~/a:~/b:rx")
expect_error "$f" 3 "" "unknown mount flag"
f=$(case_file flag2 <<<"$HEAD
mount = ~/a::wr")
expect_error "$f" 3 "" "unknown mount flag (SRC::FLAG)"
f=$(case_file fields <<<"$HEAD
mount = ~/a:~/b:rw:x")
expect_error "$f" 3 "" "too many fields"

# ---- network

f=$(case_file port_big <<<"$HEAD
[net]
tcp_publish = 70000")
expect_error "$f" 4 "" "port above 65535"
f=$(case_file port_zero <<<"$HEAD
[net]
udp_publish = 0")
expect_error "$f" 4 "" "port 0"
f=$(case_file port_alpha <<<"$HEAD
[net]
tcp_host = abc")
expect_error "$f" 4 "" "non-numeric port"
f=$(case_file port_remap <<<"$HEAD
[net]
tcp_host = 5432:99999")
expect_error "$f" 4 "" "bad sandbox port in H:S"
f=$(case_file auto_mixed <<<"$HEAD
[net]
tcp_host = auto
tcp_host = 5432")
expect_error "$f" "4|5" "" "auto mixed with ports"
f=$(case_file auto_mixed2 <<<"$HEAD
[net]
udp_host = 53
udp_host = auto")
expect_error "$f" "4|5" "" "ports mixed with auto"
f=$(case_file auto_pub <<<"$HEAD
[net]
tcp_publish = auto")
expect_error "$f" 4 "" "auto in a publish list"
f=$(case_file mode <<<"$HEAD
[net]
mode = bogus")
expect_error "$f" 4 "" "unknown network mode"

# ---- limits, security

f=$(case_file size <<<"$HEAD
[limits]
memory = 2X")
expect_error "$f" 4 "" "bad size"
f=$(case_file size2 <<<"$HEAD
[limits]
max_output = lots")
expect_error "$f" 4 "" "bad max_output"
f=$(case_file duration <<<"$HEAD
[limits]
timeout = 10d")
expect_error "$f" 4 "" "bad duration"
f=$(case_file duration2 <<<"$HEAD
[limits]
timeout = 5")
expect_error "$f" 4 "a duration needs a unit: add s, m or h" "a duration without its unit"
f=$(case_file pids <<<"$HEAD
[limits]
pids = many")
expect_error "$f" 4 "" "bad pids"
f=$(case_file cpus <<<"$HEAD
[limits]
cpus = fast")
expect_error "$f" 4 "" "bad cpus"
f=$(case_file sys_allow <<<"$HEAD
[security]
seccomp_allow = notasyscall")
expect_error "$f" 4 "notasyscall" "unknown syscall in seccomp_allow"
f=$(case_file sys_deny <<<"$HEAD
[security]
seccomp_deny = frobnicate")
expect_error "$f" 4 "frobnicate" "unknown syscall in seccomp_deny"
f=$(case_file seccomp <<<"$HEAD
[security]
seccomp = maybe")
expect_error "$f" 4 "" "bad seccomp value"

# ---- includes

cat >"$C/cyc_a.ini" <<EOF
$HEAD
[drop]
include = cyc_b.ini
EOF
cat >"$C/cyc_b.ini" <<EOF
[drop]
include = cyc_a.ini
EOF
rm -f "$MARK"
run_drop run -e cfg -c "$C/cyc_a.ini" -- /bin/sh -c "touch '$MARK'"
assert_status 125 "include cycle: exit 125"
assert_match "$ERR" "^drop: $C/cyc_(a\.ini:4|b\.ini:2): " "include cycle: reported at the include line"
check_not "include cycle: nothing started" test -e "$MARK"

f=$(case_file self <<<"$HEAD
[drop]
include = self.ini")
expect_error "$f" 4 "" "file including itself"

# chain DEPTH: d0.ini includes d1.ini ... includes dDEPTH.ini.
chain() {
	local i
	rm -rf "$C/chain"
	mkdir -p "$C/chain"
	printf '%s\n' "$HEAD" >"$C/chain/d0.ini"
	for ((i = 0; i < $1; i++)); do
		printf '[drop]\ninclude = d%d.ini\n' $((i + 1)) >>"$C/chain/d$i.ini"
	done
	printf '[env]\nexpose = PATH\n' >>"$C/chain/d$1.ini"
}
chain 15
expect_ok "$C/chain/d0.ini" "include depth 15 is accepted"
chain 17
rm -f "$MARK"
run_drop run -e cfg -c "$C/chain/d0.ini" -- /bin/sh -c "touch '$MARK'"
assert_status 125 "include depth 17: exit 125"
assert_match "$ERR" "^drop: $C/chain/d[0-9]+\.ini:[0-9]+: " "include depth 17: drop: FILE:LINE:"
check_not "include depth 17: nothing started" test -e "$MARK"

f=$(case_file inc_missing <<<"$HEAD
[drop]
include = not-there.ini")
expect_error "$f" 4 "" "missing include file"
f=$(case_file inc_dir <<<"$HEAD
[drop]
include = /etc")
expect_error "$f" 4 "" "include of a directory"

# ---- lines inih would misread (SPEC 3.2)

pad=$(printf '%*s' 194 '' | tr ' ' x)
long="# $pad     mount = $WORK::rw ;$(printf '%*s' 80 '' | tr ' ' z)"
f=$(case_file long <<<"$HEAD
$long")
expect_error "$f" 3 "" "${#long}-byte line rejected"
run_drop run -e cfg -c "$f" -- ls "$WORK"
assert_not_contains "$OUT" sysconf "the long line's tail is not parsed as a second mount"
ok_line="# $(printf '%*s' 150 '' | tr ' ' y)"
f=$(case_file long_ok <<<"$HEAD
$ok_line")
expect_ok "$f" "a 152-byte comment line is accepted"

printf '%s\nmount = ~/a\0b\n' "$HEAD" >"$C/nul.ini"
expect_error "$C/nul.ini" 3 "" "NUL byte"
printf '%s\n# a comment with a NUL \0 byte\n' "$HEAD" >"$C/nul2.ini"
expect_error "$C/nul2.ini" 3 "" "NUL byte in a comment"
f=$(case_file indent <<<"$HEAD
mount = /usr/share
  /usr/lib")
expect_error "$f" 4 "" "indented continuation line"
f=$(case_file indent_key <<<"$HEAD
  mount = /usr/share")
expect_error "$f" 3 "" "indented key line"
f=$(case_file indent_ok <<<"$HEAD
   
	# an indented comment
  ; another")
expect_ok "$f" "indented blank and comment lines are accepted"
f=$(case_file colon <<<"$HEAD
mount: /usr/share")
expect_error "$f" 3 "" "'key: value'"
f=$(case_file nokey <<<"$HEAD
just some words")
expect_error "$f" 3 "" "line that is neither section, comment nor key = value"
f=$(case_file presection <<<"mount = $PROJ::rw
$HEAD")
expect_error "$f" 1 "" "key before the first section"
f=$(case_file badsection <<<"$HEAD
[env")
expect_error "$f" 3 "" "unterminated section header"

# ---- files that are not regular files

mkdir -p "$C/dir.ini"
rm -f "$MARK"
run_drop run -e cfg -c "$C/dir.ini" -- /bin/sh -c "touch '$MARK'"
assert_status 125 "a directory as config: exit 125"
assert_match "$ERR" "^drop: $C/dir\.ini(:[0-9]+)?: " "a directory as config: drop: FILE: message"
mkfifo "$C/fifo.ini"
rm -f "$MARK"
start=$SECONDS
run_drop run -e cfg -c "$C/fifo.ini" -- /bin/sh -c "touch '$MARK'"
assert_status 125 "a FIFO as config: exit 125 (without blocking on open)"
assert_match "$ERR" "^drop: $C/fifo\.ini(:[0-9]+)?: " "a FIFO as config: drop: FILE: message"
check "a FIFO as config: fails at once" test $((SECONDS - start)) -lt 10
check_not "non-regular configs: nothing started" test -e "$MARK"
# The read buffer starts at the file's size: a file of exactly the cap
# (1 MiB) loads, one byte more is refused.
{ echo '[env]'; yes '; a comment line' | head -c $((1048576 - 6)); } >"$C/big.ini"
run_drop run -e cfg -n off -c "$C/big.ini" -- /bin/true
assert_status 0 "a 1 MiB config (the cap) loads"
echo >>"$C/big.ini"
run_drop run -e cfg -n off -c "$C/big.ini" -- /bin/true
assert_status 125 "a config over 1 MiB: exit 125"
assert_error "$C/big.ini: file is too large (over 1048576 bytes)" "a config over 1 MiB says so"
rm -f "$MARK"
run_drop run -e cfg -c "$C/missing.ini" -- /bin/sh -c "touch '$MARK'"
assert_status 125 "a missing config file: exit 125"
assert_match "$ERR" "^drop: .*$C/missing\.ini" "a missing config file is named"

# ---- errors in included files name the included file

cat >"$CONFIG_DIR/base.ini" <<'EOF'
[env]
expose = PATH

[fs]
mount = /usr/share


mount = /etc/../usr
EOF
rm -f "$MARK"
run_drop run -e cfg -- /bin/sh -c "touch '$MARK'"
assert_status 125 "error in base.ini through the env config: exit 125"
assert_eq "drop: $CONFIG_DIR/base.ini:8: invalid mount '/etc/../usr': path is not normalized" "$ERR" \
	"error in base.ini: the SPEC 3.3 example message"
check_not "error in base.ini: nothing started" test -e "$MARK"
run_drop show-config -e cfg
assert_status 1 "show-config on a broken config: exit 1"
assert_contains "$ERR" "drop: $CONFIG_DIR/base.ini:8: " "show-config reports FILE:LINE too"
write_base

printf '[env]\nset = SYS=1\n[fs]\nblock = tmp\n' >"$DROP_SYSCONF_DIR/base.ini"
rm -f "$MARK"
run_drop run -e cfg -- /bin/sh -c "touch '$MARK'"
assert_status 125 "error in the system base.ini: exit 125"
assert_match "$ERR" "^drop: $DROP_SYSCONF_DIR/base\.ini:4: " "error in the system base.ini is reported there"
check_not "error in the system base.ini: nothing started" test -e "$MARK"
printf '[env]\nset = SYS=1\n' >"$DROP_SYSCONF_DIR/base.ini"

# ---- command-line values are validated too (no FILE:LINE there)

for bad in "-m usr/lib" "-m /etc/../usr" "-m /a:/b:rx" "-b rel" "-n bogus" "-t 0" "-T 70000" "-u auto" \
	"-U x" "--memory 2X" "--timeout 10d" "--timeout 5" "--pids many"; do
	rm -f "$MARK"
	# shellcheck disable=SC2086
	run_drop run -e cfg $bad -- /bin/sh -c "touch '$MARK'"
	if [ "$STATUS" = 125 ] && [ ! -e "$MARK" ] && [[ $ERR == "drop: "* ]]; then
		ok "command line '$bad': exit 125, nothing started"
	else
		not_ok "command line '$bad': exit 125, nothing started"
		diag_last
	fi
done

# ---- what is accepted, and how (SPEC 3.2)

printf '\357\273\277%s\n' "$HEAD" >"$C/bom.ini"
expect_ok "$C/bom.ini" "a UTF-8 BOM is ignored"

f=$(case_file values <<<"$HEAD
[env]
expose = PATH
set = HASH=a#b
set = SEMI=x ; an inline comment
set = TIGHT=y;z")
run_drop run -e cfg -c "$f" -- /bin/sh -c 'printf "%s|%s|%s\n" "$HASH" "$SEMI" "$TIGHT"'
assert_eq "a#b|x|y;z" "$OUT" "'#' is part of a value, ' ;' starts a comment, ';' alone does not"

mkdir -p "$C/sub" "$HOME/incs"
printf '[env]\nset = REL=1\n' >"$C/sub/rel.ini"
printf '[env]\nset = TIL=2\n' >"$HOME/incs/til.ini"
printf '[env]\nset = ABS=3\n' >"$WORK/abs.ini"
f=$(case_file incs <<<"[drop]
include = sub/rel.ini
include = ~/incs/til.ini
include = $WORK/abs.ini
[env]
expose = PATH")
run_drop run -e cfg -c "$f" -- /bin/sh -c 'echo "${REL:-}${TIL:-}${ABS:-}${SYS:-}"'
assert_eq "1231" "$OUT" "includes: relative to the file, ~/..., absolute; system base applied"
rm -f "$DROP_SYSCONF_DIR/base.ini"

f=$(case_file scalar <<<"$HEAD
[net]
mode = host
mode = off")
run_drop run -e cfg -c "$f" -- /bin/ls /sys/class/net
assert_eq "lo" "$OUT" "a repeated scalar: the last value wins"
run_drop run -e cfg -c "$f" -n isolated -- /bin/ls /sys/class/net
assert_ne "lo" "$OUT" "a command-line scalar overrides the file"

f=$(case_file portsoff <<<"$HEAD
[net]
mode = off
tcp_publish = 8080
tcp_host = 5432
udp_publish = 5353
udp_host = 53")
assert_drop 0 run -e cfg -c "$f" -- /bin/true
assert_eq "" "$ERR" "port entries in a file are ignored (silently) when the mode is off"

done_testing
