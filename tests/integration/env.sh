#!/bin/bash
# env.sh: the sandbox's environment variables (SPEC 3.2 [env], 5 "Environment").
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox and drop to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

make_env e || done_testing
C=$WORK/cfg
mkdir -p "$C"

# env_cfg NAME: write $C/NAME.ini from stdin.
env_cfg() {
	cat >"$C/$1.ini"
	printf '%s\n' "$C/$1.ini"
}

# ---- only exposed variables pass

export HIDDEN_VAR=secret LC_FOO=foo LC_BAR=bar LCX=lcx ABC=abc ABBC=abbc TERM=dumb
run_in e env
names=$(printf '%s\n' "$OUT" | cut -d= -f1 | LC_ALL=C sort | tr '\n' ' ')
assert_eq "DROP_ENV HOME LOGNAME PATH USER debian_chroot " "$names" \
	"only exposed variables, HOME, USER, LOGNAME, DROP_ENV and the env config's debian_chroot pass"
assert_contains "$OUT" "DROP_ENV=e" "DROP_ENV is the environment id"
assert_contains "$OUT" "debian_chroot=e" "debian_chroot is the environment id (written by init into e.ini)"
assert_contains "$(cat "$CONFIG_DIR/e.ini")" "set = debian_chroot=e" "init writes debian_chroot into the env's own file"
assert_contains "$OUT" "PATH=$PATH" "an exposed variable keeps its value"
run_drop run -e e -- bash -ic 'echo "P:${PS1@P}"'
assert_match "$OUT" "^P:\\(e\\)" "Debian's default bash prompt shows (e)"

f=$(env_cfg glob <<'EOF'
[env]
expose = PATH
expose = LC_*
expose = A?C
EOF
)
run_drop run -e e -c "$f" -- env
names=$(printf '%s\n' "$OUT" | cut -d= -f1 | LC_ALL=C sort | tr '\n' ' ')
assert_eq "ABC DROP_ENV HOME LC_BAR LC_FOO LOGNAME PATH USER " "$names" "glob patterns: LC_* and A?C"

# ---- set, ${VAR} expansion, unsetting

f=$(env_cfg set <<'EOF'
[env]
expose = PATH
expose = HIDDEN_VAR
expose = TERM
set = GREETING=hello ${USER} in ${HOME}
set = FROMHOST=${ABBC}
set = PATH=${PATH}:/extra/bin
set = HIDDEN_VAR=overridden
set = TERM=
set = PLAIN=a=b
EOF
)
run_drop run -e e -c "$f" -- env
assert_contains "$OUT" "GREETING=hello $USER in $HOME" "set: \${VAR} expands from the host"
assert_contains "$OUT" "FROMHOST=abbc" "set: \${VAR} of a variable that is not exposed"
assert_contains "$OUT" "PATH=$PATH:/extra/bin" "set: PATH=\${PATH}:..."
assert_contains "$OUT" "HIDDEN_VAR=overridden" "set overrides expose"
assert_not_contains "$OUT" "HIDDEN_VAR=secret" "the exposed value is gone"
assert_no_match "$OUT" '^TERM=' "set NAME= (empty) unsets an exposed variable"
assert_contains "$OUT" "PLAIN=a=b" "set: the value may contain '='"

# ---- HOME, USER, LOGNAME are always the outside values

f=$(env_cfg ids <<'EOF'
[env]
expose = PATH
set = HOME=/nowhere
set = USER=mallory
set = LOGNAME=
EOF
)
run_drop run -e e -c "$f" -- sh -c 'echo "$HOME|$USER|$LOGNAME"'
assert_eq "$HOME|$USER|$LOGNAME" "$OUT" "HOME, USER, LOGNAME cannot be changed by [env]"
USER=someone LOGNAME=someone-else run_drop run -e e -- sh -c 'echo "$USER|$LOGNAME"'
assert_eq "someone|someone-else" "$OUT" "USER and LOGNAME are the outside values"

# ---- DROP_ENV

f=$(env_cfg de1 <<'EOF'
[env]
expose = PATH
set = DROP_ENV=custom
EOF
)
run_drop run -e e -c "$f" -- sh -c 'echo "${DROP_ENV-unset}"'
assert_eq custom "$OUT" "set can change DROP_ENV"
f=$(env_cfg de2 <<'EOF'
[env]
expose = PATH
set = DROP_ENV=
EOF
)
run_drop run -e e -c "$f" -- sh -c 'echo "${DROP_ENV-unset}"'
assert_eq unset "$OUT" "set DROP_ENV= unsets it"
DROP_ENV=outer run_drop run -e e -- sh -c 'echo "$DROP_ENV"'
assert_eq e "$OUT" "DROP_ENV is the id even when set outside"

# ---- no PATH, no built-in default

f=$(env_cfg nopath <<'EOF'
[env]
expose = HOME
EOF
)
run_drop run -e e -c "$f" -- ls /
assert_status 127 "no PATH inside: exit 127"
assert_contains "$ERR" "ls: command not found" "no PATH inside: 'ls: command not found'"
run_drop run -e e -c "$f" -- /bin/echo absolute
assert_eq absolute "$OUT" "no PATH inside: an absolute command still runs"
f=$(env_cfg emptypath <<'EOF'
[env]
expose = PATH
set = PATH=
EOF
)
run_drop run -e e -c "$f" -- ls /
assert_status 127 "PATH emptied by set: exit 127"
assert_exit 127 env PATH= "$DROP" run -e e -n off -- ls /
assert_contains "$ERR" "ls: command not found" "empty host PATH exposed: 'ls: command not found'"

done_testing
