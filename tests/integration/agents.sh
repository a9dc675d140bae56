#!/bin/bash
# agents.sh: the coding-agent profiles (SPEC 2.3, 4) with stand-in agents:
# scripts named claude, codex, gemini, aider and opencode that run the
# "tool call" given as their argument, never the real programs. The
# profiles come from etc/profiles (copied to DROP_SYSCONF_DIR); the network
# is off (-n off): nothing here talks to a network.
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

AGENTS="claude codex gemini aider opencode"
SYS=$DROP_SYSCONF_DIR/profiles
BIN=$WORK/agent-bin
mkdir -p "$SYS" "$BIN"
cp "$DROP_SRCDIR"/etc/profiles/*.ini "$SYS/"
for a in $AGENTS; do
	printf '#!/bin/sh\n# stand-in agent: runs its tool call\nexec sh -c "$1"\n' >"$BIN/$a"
	chmod 755 "$BIN/$a"
done
export PATH="$BIN:$PATH"
write_base

# agent NAME TOOL-CALL: run the stand-in NAME through 'drop NAME' (network off).
agent() {
	local name=$1
	shift
	run_drop -n off -m "$BIN" "$name" "$@"
}

# ---- each agent from a project: edits a file, in its own environment

APP=$HOME/src/app
mkdir -p "$APP/.git"
echo original >"$APP/main.c"
cd "$APP" || exit 1
for a in $AGENTS; do
	agent "$a" 'echo "$DROP_ENV $PWD"; echo "edited by $DROP_ENV" >>main.c'
	assert_eq "$a $APP" "$OUT" "drop $a in a project: environment $a, working directory the project"
	assert_eq "" "$ERR" "drop $a: nothing of drop's own on stderr"
	assert_contains "$(cat "$APP/main.c")" "edited by $a" "drop $a: the agent edited the project's file"
	check_not "drop $a: the environment's config does not name the project" grep -q mount "$CONFIG_DIR/$a.ini"
done

# ---- from $HOME (and above): refused, nothing created

for a in $AGENTS; do
	cd "$HOME" || exit 1
	DROP_HOME=$WORK/fresh-$a run_drop -n off "$a" 'echo ran'
	assert_status 125 "drop $a in \$HOME: exit 125"
	assert_error "$a works on a project directory; cd into one first" "drop $a in \$HOME: says why"
	assert_eq "" "$OUT" "drop $a in \$HOME: the agent did not run"
	check_not "drop $a in \$HOME: nothing created" test -e "$WORK/fresh-$a"
done
cd "$WORK" || exit 1
DROP_HOME=$WORK/fresh-above run_drop -n off claude 'echo ran'
assert_status 125 "drop claude in a parent of \$HOME: exit 125"
check_not "drop claude in a parent of \$HOME: nothing created" test -e "$WORK/fresh-above"

# ---- the agent's own configuration lives in the environment, across projects

OTHER=$HOME/src/other
mkdir -p "$OTHER"
cd "$APP" || exit 1
agent claude 'mkdir -p ~/.claude && echo logged-in >~/.claude/.credentials.json'
cd "$OTHER" || exit 1
agent claude 'cat ~/.claude/.credentials.json; cat "'"$APP"'/main.c" 2>&1 | head -n 1'
assert_contains "$OUT" "logged-in" "~/.claude written from one project is there from another (same environment)"
assert_contains "$OUT" "No such file" "from another project, the first project is not there"

# ---- the host's ~/.claude: not visible, not writable

mkdir -p "$HOME/.claude"
echo '{"hooks": "host"}' >"$HOME/.claude/settings.json"
echo '{"host": 1}' >"$HOME/.claude.json"
cd "$APP" || exit 1
agent claude 'cat ~/.claude/settings.json ~/.claude.json 2>&1; echo "{\"hooks\": \"planted\"}" >~/.claude/settings.json; echo x >~/.claude.json'
assert_not_contains "$OUT" '"host"' "the host's ~/.claude/settings.json and ~/.claude.json are not visible"
assert_eq '{"hooks": "host"}' "$(cat "$HOME/.claude/settings.json")" "a settings file written inside does not reach the host's ~/.claude"
assert_eq '{"host": 1}' "$(cat "$HOME/.claude.json")" "... nor the host's ~/.claude.json"
agent claude 'cat ~/.claude/settings.json'
assert_contains "$OUT" planted "control: the environment's own ~/.claude kept what the agent wrote"

# ---- a file of the real home

SECRET="secret-$RANDOM$RANDOM"
echo "$SECRET" >"$HOME/notes.txt"
for a in $AGENTS; do
	agent "$a" 'cat ~/notes.txt 2>&1'
	assert_not_contains "$OUT" "$SECRET" "drop $a: a file of the real home is not readable"
done
run_drop -n off -m "$BIN" -m '~/notes.txt' claude 'cat ~/notes.txt'
assert_contains "$OUT" "$SECRET" "control: the same read works when the file is mounted"

# ---- API keys by name, nothing else

export ANTHROPIC_API_KEY=ak OPENAI_API_KEY=ok GEMINI_API_KEY=gk AWS_SECRET_ACCESS_KEY=aws
agent claude 'echo "${ANTHROPIC_API_KEY:--} ${AWS_SECRET_ACCESS_KEY:--}"'
assert_eq "ak -" "$OUT" "claude: ANTHROPIC_API_KEY passed, other secrets not"
agent codex 'echo "${OPENAI_API_KEY:--} ${ANTHROPIC_API_KEY:--}"'
assert_eq "ok -" "$OUT" "codex: OPENAI_API_KEY passed, not the other providers' keys"
agent gemini 'echo "${GEMINI_API_KEY:--} ${OPENAI_API_KEY:--}"'
assert_eq "gk -" "$OUT" "gemini: GEMINI_API_KEY passed, not the other providers' keys"
unset ANTHROPIC_API_KEY OPENAI_API_KEY GEMINI_API_KEY AWS_SECRET_ACCESS_KEY

# ---- bubblewrap inside: userns = yes for Claude Code and Codex

if ! command -v bwrap >/dev/null; then
	not_ok "bwrap is installed (Debian package bubblewrap)"
else
	for a in claude codex; do
		agent "$a" 'bwrap --ro-bind / / true 2>&1 && echo bwrap-ok'
		assert_contains "$OUT" bwrap-ok "drop $a: bwrap --ro-bind / / true works inside"
	done
	agent gemini 'bwrap --ro-bind / / true 2>&1 && echo bwrap-ok'
	assert_not_contains "$OUT" bwrap-ok "control: without userns = yes (gemini) bwrap fails inside"
fi

cd "$PROJ" || exit 1
done_testing
