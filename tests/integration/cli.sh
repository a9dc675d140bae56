#!/bin/bash
# cli.sh: the command line (SPEC 2, 2.1, 2.2, 2.4, 3.1): help, usage errors,
# environment lifecycle, id derivation, paths, show-config.
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox and drop to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

# ---- help, version, usage errors

assert_drop 0 --help
assert_match "$OUT" 'drop (init|run)' "--help lists the subcommands on stdout"
assert_drop 0 --version
assert_match "$OUT" '^drop [0-9]+\.[0-9]+' "--version prints 'drop VERSION'"

assert_drop 2 ls extra
assert_error "usage: drop ls [-l]" "drop ls with an argument prints 'usage: drop ls [-l]'"
assert_drop 2 init a b
assert_drop 2 init --bogus
assert_drop 2 rm
assert_drop 2 rm a b
assert_drop 2 rm --bogus x
assert_drop 2 show-config --bogus
assert_drop 125 run --bogus true
assert_error "" "drop run --bogus: one 'drop: ' line"
assert_drop 125 run -e
assert_drop 125 run -n bogus true
assert_drop 125 run -t notaport true
assert_drop 125 -q run --bogus true

# ---- lifecycle: init writes base.ini once, then the env config

assert_drop 0 ls
assert_eq "" "$OUT" "drop ls prints nothing before any init"
assert_drop 0 init first
assert_contains "$ERR" "Wrote base config to $CONFIG_DIR/base.ini" "first init reports the base config"
assert_contains "$ERR" "Environment created with config at $CONFIG_DIR/first.ini" "init reports the env config path"
assert_eq "" "$OUT" "init prints nothing on stdout"
check "base.ini is a file" test -f "$CONFIG_DIR/base.ini"
check "first.ini is a file" test -f "$CONFIG_DIR/first.ini"
check "first.ini includes base.ini" grep -Eq '^include *= *(.*/)?base\.ini *$' "$CONFIG_DIR/first.ini"
check "DATA_DIR/envs/first exists" test -d "$DATA_DIR/envs/first"

echo "# edited by the user" >>"$CONFIG_DIR/base.ini"
base_before=$(cat "$CONFIG_DIR/base.ini")
assert_drop 0 init second
assert_not_contains "$ERR" "Wrote base config" "second init does not write base.ini again"
assert_contains "$ERR" "Environment created with config at $CONFIG_DIR/second.ini" "second init reports its config"
assert_eq "$base_before" "$(cat "$CONFIG_DIR/base.ini")" "base.ini is left as the user edited it"

assert_drop 1 init first
assert_match "$ERR" "^drop: .*environment [\"']?first[\"']? already exists" "init of an existing id fails"
assert_eq "$base_before" "$(cat "$CONFIG_DIR/base.ini")" "failed init leaves base.ini alone"

# The shipped base.ini template is valid: the env that includes it loads.
assert_drop 0 show-config -e first

run_drop ls
assert_eq "first
second" "$(printf '%s\n' "$OUT" | sort)" "drop ls prints one id per line"

assert_drop 0 rm first
check_not "rm removes the env data" test -e "$DATA_DIR/envs/first"
check_not "rm removes the env config" test -e "$CONFIG_DIR/first.ini"
check "rm leaves base.ini" test -f "$CONFIG_DIR/base.ini"
run_drop ls
assert_eq "second" "$OUT" "drop ls after rm"

assert_drop 1 rm first
assert_match "$ERR" "^drop: .*environment.* does not exist" "rm of a missing env says it does not exist"
assert_drop 1 rm never

# From here on a quiet base (no skipped-mount messages).
write_base

# ---- invalid ids

for bad in .hidden base 'a/b' 'a b' 'x;y' 'é'; do
	assert_drop 1 init "$bad"
	assert_error "invalid environment id '$bad'" "init '$bad': invalid environment id message"
done
assert_drop 1 init -- -dash
assert_error "invalid environment id '-dash'" "init -- -dash: invalid id"
assert_drop 1 rm .hidden
assert_error "invalid environment id '.hidden'" "rm .hidden: invalid id"
assert_drop 125 run -e .hidden true
assert_error "invalid environment id '.hidden'" "run -e .hidden: invalid id, exit 125"
assert_drop 125 run -e base true
assert_drop 0 init A-b_c.9
assert_drop 0 rm A-b_c.9

# ---- run on an env that was never created

assert_drop 125 run -e ghost true
assert_error "environment \"ghost\" doesn't exist, run 'drop init ghost' to create it" \
	"run on a missing env gives the SPEC message"
check_not "run on a missing env does not create it" test -e "$DATA_DIR/envs/ghost"

# ---- id derivation from the current directory

derive() { # the SPEC 2.1 rule, applied to an absolute path
	local id=${1//\//-}
	while [[ $id == [.-]* ]]; do id=${id#?}; done
	while [[ $id == *- ]]; do id=${id%-}; done
	printf '%s\n' "$id"
}
mkdir -p "$HOME/src/my.proj" "$HOME/src/trail-"
cd "$HOME/src/my.proj" || exit 1
want=$(derive "$PWD")
assert_drop 0 init
assert_contains "$ERR" "Environment created with config at $CONFIG_DIR/$want.ini" "init without id derives '$want' from the full cwd"
run_drop ls
assert_contains "$OUT" "$want" "derived id is listed"
assert_drop 0 run true
assert_drop 0 run sh -c 'echo "$DROP_ENV"'
assert_eq "$want" "$OUT" "run without -e uses the id derived from the cwd"
cd "$HOME/src/trail-" || exit 1
want=$(derive "$PWD")
assert_drop 0 init
assert_contains "$ERR" "config at $CONFIG_DIR/$want.ini" "trailing '-' stripped from the derived id"

# ---- init and the current directory

cd "$PROJ" || exit 1
mkdir -p "$PROJ/.git"
assert_drop 0 init withcwd
assert_drop 0 run -e withcwd -- sh -c "touch '$PROJ/from-inside' && ! touch '$PROJ/.git/x'"
check "init mounts the cwd read-write (and .git read-only)" test -e "$PROJ/from-inside"
check_not ".git stays read-only inside" test -e "$PROJ/.git/x"
rm -f "$PROJ/from-inside"

assert_drop 0 init --no-cwd nocwd1
assert_drop 1 run -e nocwd1 -- test -e "$PROJ"
assert_drop 0 init nocwd2 --no-cwd
assert_drop 1 run -e nocwd2 -- test -e "$PROJ"
assert_eq "" "$(grep -F "$PROJ" "$CONFIG_DIR/nocwd2.ini")" "'init ID --no-cwd' (option after the id) mounts nothing"

rmdir "$PROJ/.git"
assert_drop 0 init nogit
assert_drop 0 run -e nogit true
assert_eq "" "$ERR" "init in a dir without .git: runs print nothing (no .git mount to skip)"

cd "$HOME" || exit 1
assert_drop 0 init inhome
assert_drop 0 run -e inhome -- ls -A "$HOME"
assert_not_contains "$OUT" "proj" "init in HOME does not mount it"
cd "$WORK" || exit 1
assert_drop 0 init inparent
assert_drop 0 run -e inparent -- ls -A "$WORK"
assert_not_contains "$OUT" "sysconf" "init in a parent of HOME does not mount it"
cd "$PROJ" || exit 1

# ---- rm with unreadable content

make_env lockedup
h=$DATA_DIR/envs/lockedup
mkdir -p "$h/home/d000" "$h/home/ro/sub"
touch "$h/home/f000" "$h/home/d000/f" "$h/home/ro/sub/f"
chmod 000 "$h/home/f000" "$h/home/d000"
chmod 555 "$h/home/ro/sub" "$h/home/ro"
assert_drop 0 run -e lockedup -- sh -c 'mkdir -p ~/in && touch ~/in/f && chmod 000 ~/in'
assert_drop 0 rm lockedup
check_not "rm removes mode-000 and read-only content" test -e "$h"
check_not "rm removes the config" test -e "$CONFIG_DIR/lockedup.ini"

# ---- -c FILE replaces CONFIG_DIR/ID.ini

make_env withc
cat >"$WORK/other.ini" <<EOF
[env]
expose = PATH
set = FROM_OTHER=yes
EOF
assert_drop 0 run -e withc -c "$WORK/other.ini" -- sh -c 'echo "${FROM_OTHER:-no}"'
assert_eq yes "$OUT" "-c FILE is used instead of the env config"

# ---- -p PROFILE: user profiles replace system ones; merge order

mkdir -p "$CONFIG_DIR/profiles" "$DROP_SYSCONF_DIR/profiles"
printf '[env]\nset = PROF=system\nset = SYSONLY=1\n' >"$DROP_SYSCONF_DIR/profiles/sysprof.ini"
printf '[env]\nset = PROF=system\n' >"$DROP_SYSCONF_DIR/profiles/both.ini"
printf '[env]\nset = PROF=user\n' >"$CONFIG_DIR/profiles/both.ini"
printf '[env]\nexpose = PATH\nset = PROF=config\n[net]\nmode = host\n' >"$WORK/prof-base.ini"
printf '[net]\nmode = off\n' >"$CONFIG_DIR/profiles/netoff.ini"
assert_drop 0 run -e withc -c "$WORK/prof-base.ini" -p sysprof -- sh -c 'echo "$PROF $SYSONLY"'
assert_eq "system 1" "$OUT" "-p NAME: a system profile applies after the config file"
assert_drop 0 run -e withc -c "$WORK/prof-base.ini" -p both -- sh -c 'echo "$PROF"'
assert_eq "user" "$OUT" "-p NAME: the user profile replaces the system one"
assert_drop 0 run -e withc -c "$WORK/prof-base.ini" -p netoff -- ls /sys/class/net
assert_eq "lo" "$OUT" "-p NAME: profile scalars override the config file"
assert_drop 0 run -e withc -c "$WORK/prof-base.ini" -p netoff -n isolated -- ls /sys/class/net
assert_ne "lo" "$OUT" "command-line flags override profiles"
assert_drop 125 run -e withc -p no-such-profile -- true
assert_match "$ERR" "^drop: .*no-such-profile" "-p with an unknown profile names it"

# ---- rm refuses while an instance runs

make_env busy
bg_start "$DROP" run -e busy -- sh -c 'echo ready; exec sleep 20' >"$WORK/busy.out" 2>&1
busy=$BG_PID
wait_for 15 grep -q ready "$WORK/busy.out"
assert_drop 1 rm busy
assert_match "$ERR" "^drop: " "rm of a running env: one drop: message"
check "rm of a running env leaves it in place" test -d "$DATA_DIR/envs/busy"
kill -TERM "$busy"
wait "$busy"
assert_drop 0 rm busy

# ---- options stop at the command; -- ends options

assert_drop 3 run -e withc sh -c 'exit 3'
assert_drop 4 run -e withc -- sh -c 'exit 4'
assert_drop 0 -q run -e withc true
assert_drop 0 -v ls

# ---- no command: $SHELL, else /bin/sh

SHELL=/bin/false assert_drop 1 run -e withc
SHELL=/bin/true assert_drop 0 run -e withc
assert_exit 0 env -u SHELL "$DROP" run -e withc

# ---- DROP_HOME, XDG_CONFIG_HOME, XDG_DATA_HOME

DROP_HOME=$WORK/dh assert_drop 0 init viadh
assert_contains "$ERR" "config at $WORK/dh/config/viadh.ini" "DROP_HOME: CONFIG_DIR is \$DROP_HOME/config"
check "DROP_HOME: data in \$DROP_HOME/envs/ID" test -d "$WORK/dh/envs/viadh"
check_not "DROP_HOME: nothing in ~/.config" test -e "$CONFIG_DIR/viadh.ini"
DROP_HOME=$WORK/dh run_drop ls
assert_eq "viadh" "$OUT" "DROP_HOME: ls lists only its envs"

XDG_CONFIG_HOME=$WORK/xc XDG_DATA_HOME=$WORK/xd assert_drop 0 init viaxdg
assert_contains "$ERR" "config at $WORK/xc/drop/viaxdg.ini" "XDG_CONFIG_HOME: CONFIG_DIR is \$XDG_CONFIG_HOME/drop"
check "XDG_DATA_HOME: data in \$XDG_DATA_HOME/drop/envs/ID" test -d "$WORK/xd/drop/envs/viaxdg"
check "XDG: base.ini written in \$XDG_CONFIG_HOME/drop" test -f "$WORK/xc/drop/base.ini"

DROP_HOME=$WORK/dh2 XDG_CONFIG_HOME=$WORK/xc XDG_DATA_HOME=$WORK/xd assert_drop 0 init both
check "DROP_HOME wins over XDG_*" test -f "$WORK/dh2/config/both.ini"
check_not "DROP_HOME wins over XDG_CONFIG_HOME" test -e "$WORK/xc/drop/both.ini"

# ---- environments are found from any subdirectory, ids never collide (SPEC 2.1)

mkdir -p "$HOME/src/a-b/c" "$HOME/src/a/b-c/deep/er" "$HOME/src/plain"
cd "$HOME/src/a-b/c" || exit 1
want=$(derive "$PWD")
assert_drop 0 init
cd "$HOME/src/a/b-c" || exit 1
assert_drop 0 init
assert_contains "$ERR" "config at $CONFIG_DIR/$want-2.ini" "a derived id taken by another project directory: init takes ID-2"
assert_contains "$ERR" "The id $want belongs to $HOME/src/a-b/c; this environment is $want-2" "... and says which id it chose"
cd "$HOME/src/a/b-c/deep/er" || exit 1
run_drop run -- sh -c 'echo "$DROP_ENV"; pwd'
assert_eq "$want-2
$PWD" "$OUT" "run from a subdirectory uses the nearest project's environment, cwd kept"
cd "$HOME/src/a-b/c" || exit 1
run_drop run -- sh -c 'echo "$DROP_ENV"'
assert_eq "$want" "$OUT" "... and the other project keeps its own"
cd "$HOME/src/a/b-c" || exit 1
assert_drop 1 init
assert_contains "$ERR" "environment $want-2 already exists" "a second init in the same project finds its environment"
run_drop ls -l
assert_eq "ENV PROJECT PROFILE-OR-CONFIG" "$(printf '%s\n' "$OUT" | head -n 1 | tr -s ' ')" "ls -l: header"
assert_match "$OUT" "^$want +$HOME/src/a-b/c +$CONFIG_DIR/$want.ini$" "ls -l: the project directory of each environment"
assert_match "$OUT" "^$want-2 +$HOME/src/a/b-c +" "ls -l: ... of the ID-2 one too"
assert_drop 2 ls -x
cd "$HOME/src/plain" || exit 1
want=$(derive "$PWD")
assert_drop 125 run true
assert_error "environment \"$want\" doesn't exist, run 'drop init $want' to create it" \
	"no environment for the cwd: the message names the id init would create"
# an environment of an earlier version (no recorded project) is found by its derived id
assert_drop 0 init
rm -f "$DATA_DIR/envs/$want/project"
run_drop run -- sh -c 'echo "$DROP_ENV"'
assert_eq "$want" "$OUT" "an environment without a recorded project is found by its derived id"
cd "$PROJ" || exit 1

# ---- drop PROGRAM: typos create nothing (SPEC 2.3)

envs_before=$(ls "$DATA_DIR/envs" | sort)
assert_drop 127 list
assert_error "list: command not found (did you mean 'drop ls'?)" "'drop list': 127 with a suggestion"
assert_drop 127 show-confg
assert_error "show-confg: command not found (did you mean 'drop show-config'?)" "'drop show-confg': 127 with a suggestion"
assert_drop 127 no-such-program-here
assert_error "no-such-program-here: command not found" "an unknown program: 127, no suggestion"
assert_eq "$envs_before" "$(ls "$DATA_DIR/envs" | sort)" "... and no environment was created"
check_not "... nor a config" test -e "$CONFIG_DIR/list.ini"

# ---- drop [RUN-OPTIONS] PROGRAM (SPEC 2.3)

mkdir -p "$CONFIG_DIR/profiles"
printf '[env]\nexpose = PATH\n' >"$CONFIG_DIR/profiles/sh.ini"
assert_drop 0 -n off --report "$WORK/sh-report.json" sh -c 'ls /sys/class/net'
assert_eq lo "$OUT" "run options before PROGRAM apply (-n off: only lo)"
check "... --report too" test -s "$WORK/sh-report.json"
assert_drop 2 --no-such-option sh
assert_error "unknown option '--no-such-option'; see 'drop --help'" "an unknown option before PROGRAM: usage error"
assert_drop 2 -n off
assert_error "no PROGRAM after the options; see 'drop --help'" "options without PROGRAM: usage error"

# ---- show-config: values with their FILE:LINE origins

write_base # line 2: expose = PATH, line 4: mode = isolated
make_env shown
assert_drop 0 show-config -e shown
assert_match "$OUT" "PATH.*$CONFIG_DIR/base.ini:2|$CONFIG_DIR/base.ini:2.*PATH" "show-config: expose = PATH from base.ini:2"
assert_match "$OUT" "isolated.*$CONFIG_DIR/base.ini:4|$CONFIG_DIR/base.ini:4.*isolated" "show-config: mode from base.ini:4"
assert_match "$OUT" "(~/proj|$PROJ).*$CONFIG_DIR/shown.ini:[0-9]+|$CONFIG_DIR/shown.ini:[0-9]+.*(~/proj|$PROJ)" "show-config: the cwd mount from shown.ini:LINE"
assert_drop 1 show-config -e ghost
assert_error "environment \"ghost\" doesn't exist, run 'drop init ghost' to create it" \
	"show-config -e of a missing environment names it and says how to create it"
mkdir -p "$HOME/noenv"
cd "$HOME/noenv" || exit 1
assert_drop 1 show-config
assert_error "environment \"$(printf '%s' "${HOME#/}/noenv" | tr / -)\" doesn't exist, run 'drop init" \
	"show-config in a directory without an environment: which one, and how to create it"
cd "$PROJ" || exit 1
# -e with -p (several): what 'drop run -e shown -p node -p audio' gets.
assert_drop 0 show-config -e shown -p node -p audio
assert_match "$OUT" "PATH.*$CONFIG_DIR/base.ini:2" "show-config -e -p: the environment's values"
assert_match "$OUT" "NPM_CONFIG_FUND=false ; built-in:node.ini:[0-9]+" "show-config -e -p: the first profile's, with origins"
assert_match "$OUT" "audio = yes ; built-in:audio.ini:[0-9]+" "show-config -e -p: the second profile's"
assert_drop 0 show-config -p node -p audio
assert_not_contains "$OUT" "$CONFIG_DIR/base.ini" "show-config -p alone: the profiles without an environment"
assert_match "$OUT" "audio = yes ; built-in:audio.ini" "show-config -p -p: both profiles"

done_testing
