#!/bin/bash
# agents-net.sh: the coding-agent profiles as shipped (SPEC 2.3, 4, 5 ".git",
# 8), mode = filtered included, with stand-in agents (scripts named claude,
# codex... that run the "tool call" given as their argument, never the real
# programs) in a fake Internet the test owns (tests/lib/fakenet.sh), where
# the agents' API hosts resolve to TEST-NET servers: a real git repository as
# the project, commits with git = safe, a linked worktree, HTTPS through the
# proxy variables, refusals named at exit, drop -a and drop enter.
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"
. "$DROP_SRCDIR/tests/lib/fakenet.sh"

AGENTS="claude codex gemini aider opencode"
SYS=$DROP_SYSCONF_DIR/profiles
BIN=$WORK/agent-bin
mkdir -p "$SYS" "$BIN"
cp "$DROP_SRCDIR"/etc/profiles/*.ini "$SYS/"
for a in $AGENTS; do
	cat >"$BIN/$a" <<-EOF
		#!/bin/sh
		# stand-in agent: prints a version, or runs its tool call
		[ "\$1" = --version ] && { echo "$a 0.0.0 (stand-in)"; exit 0; }
		exec sh -c "\$1"
	EOF
	chmod 755 "$BIN/$a"
done
export PATH="$BIN:$PATH"
write_base

# Each agent's own API host (in its shipped allow list) is a server of the
# fake Internet, with a certificate the sandbox trusts through --cacert.
API_HOSTS="api.anthropic.com api.openai.com generativelanguage.googleapis.com"
fakenet_start <<EOF || done_testing
127.0.0.1 localhost
198.51.100.2 $API_HOSTS
198.51.100.3 denied.test
198.51.100.4 extra.test
EOF
# shellcheck disable=SC2086 # one name each
if ! command -v openssl >/dev/null || ! fakenet_cert $API_HOSTS denied.test; then
	not_ok "openssl makes a certificate for the fake Internet's HTTPS server"
	done_testing
fi
fakenet_serve api tls:198.51.100.2:443 198.51.100.2:80 198.51.100.3:80 tls:198.51.100.3:443 198.51.100.4:80 ||
	{ not_ok "the fake Internet's servers listen" && done_testing; }
check "the fake Internet answers HTTPS from the host namespace (control)" \
	sh -c "nsenter --preserve-credentials -t $HOLDER -U -n -m -- curl -sS --max-time 5 --cacert '$FAKENET_CERT' https://api.anthropic.com/x | grep -q '^api 198.51.100.2:443 /x'"
CA=$WORK/ca.pem
cp "$FAKENET_CERT" "$CA"

# agent [DROP-OPTIONS...] NAME TOOL-CALL: 'drop NAME TOOL-CALL' in the fake
# Internet's host namespaces, from the current directory (OUT, ERR, STATUS).
agent() {
	run_cmd nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" -m "$BIN" -m "$CA" "$@"
}
gitc() { git -c user.email=host@test -c user.name=host "$@"; }
# git_state DIR: what of a git directory makes the host's git run something.
git_state() { (cd "$1" && find config hooks info -type f -exec sha256sum {} + 2>/dev/null | sort && find hooks info | sort); }

# ---- a project that is a real git repository

APP=$HOME/src/app
mkdir -p "$APP"
echo original >"$APP/main.c"
gitc -C "$APP" init -q -b main && gitc -C "$APP" add main.c && gitc -C "$APP" commit -q -m "host commit"
BEFORE=$(git_state "$APP/.git")
SECRET="secret-$RANDOM$RANDOM"
echo "$SECRET" >"$HOME/notes.txt"
cd "$APP" || exit 1

agent claude 'set -x
	echo "edited by $DROP_ENV" >>main.c
	git add main.c && git -c user.email=agent@test -c user.name=agent commit -q -m "agent commit" && echo COMMITTED
	echo "#!/bin/sh" >.git/hooks/x && echo WROTE-HOOK
	echo "[core] fsmonitor = evil" >>.git/config && echo WROTE-CONFIG
	cat ~/notes.txt && echo READ-HOME
	curl -sS --max-time 5 --cacert '"$CA"' https://api.anthropic.com/v1/messages
	curl -sS --max-time 5 http://api.anthropic.com/plain
	curl -sS --max-time 5 --cacert '"$CA"' https://denied.test/ 2>&1
	curl -sS --max-time 5 -D - http://denied.test/
	python3 -c "
import socket
try:
    socket.create_connection((\"api.anthropic.com\", 80), timeout=5)
    print(\"/direct connected\")
except OSError as e:
    print(e.strerror)"
	true' 2>/dev/null
TRACE=$ERR
assert_status 0 "drop claude (the shipped profile, mode = filtered) ran the stand-in from a git project"
assert_contains "$OUT" COMMITTED "git add and git commit work inside (git = safe)" || diag_last
assert_not_contains "$OUT" WROTE-HOOK "writing .git/hooks/x fails"
assert_not_contains "$OUT" WROTE-CONFIG "writing .git/config fails"
assert_contains "$TRACE" "Read-only file system" "... with EROFS"
assert_not_contains "$OUT" "$SECRET" "a file of the real home is not readable"
assert_not_contains "$OUT" READ-HOME "... (cat failed)"
assert_contains "$OUT" "api 198.51.100.2:443 /v1/messages" "HTTPS to the agent's API (allowed by the profile) goes through HTTPS_PROXY and reaches it"
assert_contains "$OUT" "api 198.51.100.2:80 /plain" "plain HTTP to it through HTTP_PROXY too"
assert_contains "$OUT" "CONNECT tunnel failed, response 403" "HTTPS to a host not in the profile: the CONNECT is refused with 403"
assert_contains "$OUT" "HTTP/1.1 403 Forbidden" "plain HTTP to it: 403"
assert_contains "$OUT" "X-Drop-Blocked: denied.test:80" "... with X-Drop-Blocked naming it"
assert_not_contains "$OUT" "api 198.51.100.3" "... and the denied host's server is never reached"
assert_contains "$OUT" "Network is unreachable" "a connection around the proxy: Network is unreachable"
assert_not_contains "$OUT" "/direct" "... and reaches nothing"
assert_match "$ERR" "drop: filtered network blocked (denied.test:443 \(1\), denied.test:80 \(1\)|denied.test:80 \(1\), denied.test:443 \(1\))" \
	"the exit summary names the denied host" || diag_last

assert_eq "$BEFORE" "$(git_state "$APP/.git")" "the host's .git/config, hooks/ and info/ are unchanged afterwards"
assert_eq "agent commit" "$(gitc -C "$APP" log -1 --format=%s 2>&1)" "the host's git log shows the agent's commit"
assert_eq "" "$(gitc -C "$APP" status --porcelain 2>&1)" "... which holds the edit (the host's tree is clean)"
check_not "no hook was planted" test -e "$APP/.git/hooks/x"

# Controls: each refused action above succeeds where nothing refuses it.
mkdir -p "$CONFIG_DIR/profiles"
printf '[drop]\ninclude = %s\n[fs]\ngit = rw\n' "$SYS/claude.ini" >"$CONFIG_DIR/profiles/claude.ini"
agent -m '~/notes.txt' claude 'echo "# planted" >.git/hooks/x && echo WROTE-HOOK; cat ~/notes.txt'
assert_contains "$OUT" WROTE-HOOK "control: with git = rw (a user profile including the shipped one) the hook write is seen to succeed"
assert_contains "$OUT" "$SECRET" "control: the home file is readable when mounted"
rm -f "$APP/.git/hooks/x" "$CONFIG_DIR/profiles/claude.ini"

# -v names each denied host as it happens, and no summary then.
agent -v claude 'curl -s -o /dev/null http://denied.test/; curl -s -o /dev/null http://api.anthropic.com/'
assert_contains "$ERR" "drop: blocked denied.test:80 (not in [net] allow)" "-v: the denied host is named when it is refused"
assert_not_contains "$ERR" "api.anthropic.com" "-v: the allowed one is not"

# ---- one more host: -a, or a user profile that includes the shipped one

agent claude 'curl -sS --max-time 5 -o /dev/null -w "%{http_code}" http://extra.test/'
assert_eq 403 "$OUT" "a host the profile does not name is refused (control for -a)"
agent -a extra.test claude 'curl -sS --max-time 5 http://extra.test/a; curl -sS --max-time 5 --cacert '"$CA"' https://api.anthropic.com/a'
assert_eq "api 198.51.100.4:80 /a
api 198.51.100.2:443 /a" "$OUT" "drop -a HOST claude: that host is reached, and the profile's hosts still are" || diag_last
printf '[drop]\ninclude = %s\n[net]\nallow = extra.test\n' "$SYS/claude.ini" >"$CONFIG_DIR/profiles/claude.ini"
agent claude 'curl -sS --max-time 5 http://extra.test/p; curl -sS --max-time 5 -o /dev/null -w "%{http_code}" http://denied.test/'
assert_eq "api 198.51.100.4:80 /p
403" "$OUT" "a user profile including the shipped one adds a host (and nothing else)" || diag_last
rm -f "$CONFIG_DIR/profiles/claude.ini"

# ---- drop enter into a running agent: the same filtered network

agent claude 'touch /tmp/started; sleep 20' &
AGENT_BG=$!
_t_bg_pids="${_t_bg_pids:-} $AGENT_BG"
wait_for 10 test -e "$DATA_DIR/envs/claude/tmp/started"
INST=$(in_host "$DROP" ps 2>/dev/null | awk '$2 == "claude" { print $1; exit }')
run_cmd nsenter --preserve-credentials -t "$HOLDER" -U -n -m --wd="$PWD" -- "$DROP" enter "$INST" -- sh -c \
	'echo "$HTTPS_PROXY $ALL_PROXY"; curl -sS --max-time 5 --cacert '"$CA"' https://api.anthropic.com/enter; curl -s -o /dev/null -w "%{http_code}" http://denied.test/'
assert_eq "http://127.0.0.1:3128 socks5h://127.0.0.1:3128
api 198.51.100.2:443 /enter
403" "$OUT" "drop enter into a filtered agent: proxy variables set, the API reached, a denied host 403" || diag_last
kill "$AGENT_BG" 2>/dev/null
wait "$AGENT_BG" 2>/dev/null

# ---- a linked worktree commits too; the main repository stays protected

gitc -C "$APP" worktree add -q "$HOME/src/app-wt" -b agent-wt 2>/dev/null
BEFORE=$(git_state "$APP/.git")
cd "$HOME/src/app-wt" || exit 1
agent claude 'echo wt >>main.c && git -c user.email=agent@test -c user.name=agent commit -q -a -m "worktree commit" && echo COMMITTED
	echo x >>'"$APP"'/.git/config && echo WROTE-CONFIG; echo x >'"$APP"'/.git/hooks/x && echo WROTE-HOOK'
assert_contains "$OUT" COMMITTED "drop claude in a linked worktree: git commit works" || diag_last
assert_not_contains "$OUT" WROTE "... the main repository's config and hooks stay read-only"
assert_eq "worktree commit" "$(gitc -C "$APP" log -1 --format=%s agent-wt 2>&1)" "the host's git log shows the worktree's commit"
assert_eq "$BEFORE" "$(git_state "$APP/.git")" "... and its config, hooks/ and info/ are unchanged"

# ---- every agent: its API host reached over HTTPS, a denied host refused

for a in $AGENTS; do
	case $a in
	claude) host=api.anthropic.com ;;
	gemini) host=generativelanguage.googleapis.com ;;
	*) host=api.openai.com ;;
	esac
	cd "$APP" || exit 1
	agent "$a" 'curl -sS --max-time 5 --cacert '"$CA"' https://'"$host"'/'"$a"'; curl -s -o /dev/null -w "%{http_code}" http://denied.test/'
	assert_eq "api 198.51.100.2:443 /$a
403" "$OUT" "drop $a: its API ($host) reached over HTTPS, denied.test refused" || diag_last
	assert_contains "$ERR" "blocked denied.test:80 (1)" "drop $a: the exit summary names denied.test"
done

# ---- the environment's home across projects, bwrap, $HOME (with the network on)

OTHER=$HOME/src/other
mkdir -p "$OTHER"
cd "$APP" || exit 1
agent claude 'mkdir -p ~/.claude && echo kept-net >~/.claude/marker'
cd "$OTHER" || exit 1
agent claude 'cat ~/.claude/marker'
assert_eq kept-net "$OUT" "a file written to ~/.claude from one project is there from another"
# Outside the fake Internet's namespaces, where drop runs as root (bwrap run by
# uid 0 wants capabilities instead of a user namespace), with mode = filtered.
run_drop -m "$BIN" claude 'bwrap --ro-bind / / true && echo bwrap-ok; id -u'
assert_eq "bwrap-ok
$TEST_UID" "$OUT" "bwrap --ro-bind / / true works inside the shipped claude profile (filtered network)" || diag_last
cd "$HOME" || exit 1
agent claude 'echo ran'
assert_status 125 "drop claude in \$HOME: exit 125"
assert_eq "" "$OUT" "... the agent did not run"

cd "$PROJ" || exit 1
done_testing
