#!/bin/bash
# profiles.sh: app profiles (SPEC 2.3, 3.1, 4): the shipped ones load with the
# real loader and pass the lint; user over system; a user profile extending
# the system one; drop profiles; merge order; an npm install with a hostile
# postinstall under -p node. All traffic goes to 127.0.0.1 only.
# shellcheck disable=SC2016 # quoted $ are for the sandbox to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

SHIPPED=$DROP_SRCDIR/etc/profiles
SYS=$DROP_SYSCONF_DIR/profiles
mkdir -p "$SYS" "$CONFIG_DIR/profiles"

# ---- the lint (every shipped profile must pass it; make check runs it here)
#
# lint_profile FILE: prints "FILE:LINE: problem" lines and fails on any of:
# a line of 190 bytes or more; an indented line; a line that is not blank, a
# '#' comment, a [section] or 'key = value' (exactly one space each side);
# a section out of the fixed order [drop] [fs] [env] [net] [limits]
# [security] [gui] or repeated; keys of a section out of drop.ini(5)'s order
# or not grouped; values of one key not sorted (C locale), except include,
# whose order is meaningful; more than 80 lines. Unknown keys and bad values
# are the real loader's job: drop show-config -p NAME.
lint_profile() {
	LC_ALL=C awk '
	BEGIN {
		nsec = split("drop fs env net limits security gui", secs, " ")
		for (i = 1; i <= nsec; i++) secrank[secs[i]] = i
		# The order of enum cfg_key in src/config.h (show-config prints it too).
		nkeys = split("drop.include drop.cwd fs.mount fs.block fs.git env.expose env.set net.mode net.allow net.proxy_port net.tcp_publish " \
			"net.udp_publish net.tcp_host net.udp_host limits.memory limits.pids limits.cpus " \
			"limits.timeout limits.max_output security.seccomp security.seccomp_allow " \
			"security.seccomp_deny security.userns gui.x11 gui.wayland gui.audio gui.gpu gui.dbus " \
			"gui.dbus_talk gui.dbus_own", keys, " ")
		for (i = 1; i <= nkeys; i++) keyrank[keys[i]] = i
	}
	function bad(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg; errors++ }
	length($0) >= 190 { bad("line too long (" length($0) " bytes, at most 189)") }
	/^[ \t]/ { bad("indented line"); next }
	/^$/ || /^#/ { next }
	/^\[[a-z]+\]$/ {
		s = substr($0, 2, length($0) - 2)
		if (!(s in secrank)) { bad("unknown section [" s "]"); next }
		if (secrank[s] <= lastsec) bad("section [" s "] out of order (order: [" secs[1] "] [" secs[2] "] [" secs[3] "] [" secs[4] "] [" secs[5] "] [" secs[6] "] [" secs[7] "], each once)")
		lastsec = secrank[s]; section = s; lastkey = 0; prev = ""
		next
	}
	/^[a-z0-9_]+ = [^ ]/ {
		key = $1; value = substr($0, length(key) + 4)
		sub(/[ \t]+;.*$/, "", value)
		k = section "." key
		if (!(k in keyrank)) { bad("unknown key " key " in [" section "]"); next }
		if (keyrank[k] < lastkey) bad("key " key " out of order or not grouped in [" section "]")
		else if (keyrank[k] == lastkey && key != "include" && value < prev) bad(key " values not sorted: \"" value "\" after \"" prev "\"")
		if (keyrank[k] != lastkey) prev = ""
		lastkey = keyrank[k]; prev = value
		next
	}
	{ bad("not a blank line, a # comment, a [section] or \"key = value\"") }
	END { if (FNR > 80) { printf "%s: %d lines, a profile should be short (at most 80)\n", FILENAME, FNR; errors++ }
		exit errors ? 1 : 0 }
	' "$1"
}

# lint_check DESC FILE: ok when the lint passes, with its findings as diagnostics otherwise.
lint_check() {
	local findings
	if findings=$(lint_profile "$2" 2>&1); then
		ok "$1"
	else
		not_ok "$1"
		diag "$findings"
	fi
}

# ---- built-in profiles (SPEC 4): an empty SYSCONF_DIR, nothing installed

run_drop profiles
assert_status 0 "built-in: drop profiles"
assert_eq "NAME KIND ORIGIN PATH" "$(printf '%s\n' "$OUT" | head -n 1 | tr -s ' ')" "drop profiles: header"
for f in "$SHIPPED"/*.ini; do
	n=$(basename "$f" .ini)
	case $n in audio | dev-common | gui-common) kind=fragment ;; *) kind=program ;; esac
	assert_match "$OUT" "^$n +$kind +built-in +built-in:$n.ini\$" "built-in: $n listed as a $kind, origin built-in"
done
assert_eq "$(find "$SHIPPED" -name '*.ini' | wc -l)" "$(($(printf '%s\n' "$OUT" | wc -l) - 1))" \
	"built-in: one row per shipped profile, nothing else"
run_drop show-config -p node
assert_status 0 "built-in: show-config -p node"
assert_contains "$OUT" "set = NPM_CONFIG_UPDATE_NOTIFIER=false ; built-in:node.ini:" "built-in: node's own values, origin built-in"
assert_contains "$OUT" "block = ~/.ssh ; built-in:dev-common.ini:" "built-in: its fragment, by name, built-in too"
make_env bi || done_testing
run_drop run -e bi -p node -- sh -c 'echo "$NPM_CONFIG_UPDATE_NOTIFIER"'
assert_eq "false" "$OUT" "built-in: drop run -p node gets the built-in profile"
run_drop node -e 'console.log(process.env.NPM_CONFIG_FUND)'
assert_status 0 "built-in: drop node runs with nothing installed"
assert_eq "false" "$OUT" "built-in: drop node has the node profile"
# A user profile of the same name replaces the built-in; a user profile's
# include of a fragment name no file has finds the built-in fragment.
printf '[env]\nset = ONLY_USER=1\n' >"$CONFIG_DIR/profiles/node.ini"
printf '[drop]\ninclude = dev-common.ini\n[env]\nset = MINE=1\n' >"$CONFIG_DIR/profiles/mine.ini"
run_drop profiles
assert_match "$OUT" "^node +program +user +$CONFIG_DIR/profiles/node.ini\$" "built-in: the user's node wins"
assert_match "$OUT" "^node +program +built-in \(overridden\) +built-in:node.ini\$" "built-in: ... the built-in is marked overridden"
assert_match "$OUT" "^mine +program +user " "built-in: a user-only profile is listed"
run_drop run -e bi -p node -- sh -c 'echo "${ONLY_USER:-} ${NPM_CONFIG_UPDATE_NOTIFIER:-none}"'
assert_eq "1 none" "$OUT" "built-in: a user profile replaces the built-in one, nothing of it is loaded"
run_drop show-config -p mine
assert_contains "$OUT" "block = ~/.ssh ; built-in:dev-common.ini:" "built-in: a user profile's include finds the built-in fragment"
printf '# mine: fragment of my own\n[env]\nset = MINE=1\n' >"$CONFIG_DIR/profiles/mine.ini"
run_drop profiles
assert_match "$OUT" "^mine +fragment +user " "built-in: a user file is a fragment by its first line"
rm "$CONFIG_DIR/profiles/node.ini" "$CONFIG_DIR/profiles/mine.ini"
# The bash completion offers programs, not fragments.
COMPS=$(bash -c '. "$1/share/bash-completion/drop"; COMP_LINE="drop "; COMP_POINT=5; COMP_WORDS=(drop ""); COMP_CWORD=1
	_drop "$2" "" drop; printf "%s\n" "${COMPREPLY[@]}"' _ "$DROP_SRCDIR" "$DROP")
assert_contains "$COMPS" "firefox" "completion: offers the built-in program firefox"
assert_not_contains "$COMPS" "gui-common" "completion: does not offer a fragment"
assert_not_contains "$COMPS" "dev-common" "completion: does not offer dev-common"

cp "$SHIPPED"/*.ini "$SYS/"

# ---- shipped profiles: present, loadable, lint-clean

for n in firefox chromium code node python cargo claude codex gemini aider opencode default gui-common audio dev-common; do
	check "shipped: $n.ini" test -f "$SHIPPED/$n.ini"
done
for f in "$SHIPPED"/*.ini; do
	n=$(basename "$f" .ini)
	run_drop show-config -p "$n"
	assert_status 0 "drop show-config -p $n loads it with the real loader"
	assert_eq "" "$ERR" "show-config -p $n: nothing on stderr"
	lint_check "lint: $n.ini" "$f"
done

# ---- the lint can fail (each fixture breaks one rule)

lint_bad() { # DESC NEEDLE CONTENT
	local f=$WORK/lint-fixture.ini findings
	printf '%s\n' "$3" >"$f"
	if findings=$(lint_profile "$f"); then
		not_ok "lint rejects $1"
	else
		assert_contains "$findings" "$2" "lint rejects $1"
	fi
}
lint_bad "unsorted list values" "values not sorted" $'[fs]\nblock = ~/.ssh\nblock = ~/.aws'
lint_bad "sections out of order" "out of order" $'[gui]\naudio = yes\n[fs]\nblock = ~/.ssh'
lint_bad "a repeated section" "out of order" $'[fs]\nblock = ~/.a\n[env]\nexpose = A\n[fs]\nblock = ~/.b'
lint_bad "keys not grouped" "not grouped" $'[env]\nexpose = A\nset = B=1\nexpose = C'
lint_bad "keys out of drop.ini order" "out of order" $'[fs]\nblock = ~/.ssh\nmount = ~/.bashrc'
lint_bad "an indented line" "indented line" $'[fs]\n  block = ~/.ssh'
lint_bad "key: value syntax" "key = value" $'[fs]\nblock: ~/.ssh'
lint_bad "an unknown key" "unknown key" $'[fs]\nmout = ~/.ssh'
lint_bad "a long line" "line too long" "[env]
set = A=$(printf 'x%.0s' $(seq 1 200))"
printf '[drop]\ninclude = b.ini\ninclude = a.ini\n[fs]\nblock = ~/.a ; inline\nblock = ~/.b\n' >"$WORK/lint-ok.ini"
lint_check "lint accepts includes in meaningful order and inline comments" "$WORK/lint-ok.ini"

# The real loader rejects unknown keys the lint does not know about, with FILE:LINE.
printf '[gui]\naudio = yes\nvideo = yes\n' >"$CONFIG_DIR/profiles/badkey.ini"
run_drop show-config -p badkey
assert_status 1 "show-config -p with an unknown key fails"
assert_error "badkey.ini:3: unknown key 'video' in [gui]" "the unknown key is named with FILE:LINE"
rm "$CONFIG_DIR/profiles/badkey.ini"

# ---- drop profiles: both origins, the winner marked

run_drop profiles
assert_status 0 "drop profiles"
assert_match "$OUT" "^firefox +program +system +$SYS/firefox.ini\$" "drop profiles: a system profile, its origin and path"
assert_match "$OUT" "^firefox +program +built-in \(overridden\) +built-in:firefox.ini\$" "drop profiles: the system profile replaces the built-in"
assert_eq "$(find "$SYS" -name '*.ini' | wc -l)" "$(printf '%s\n' "$OUT" | grep -c ' system ')" \
	"drop profiles: one system line per profile file"

# A user profile that extends the system one: absolute include, then its own additions.
cat >"$CONFIG_DIR/profiles/node.ini" <<EOF
[drop]
include = $SYS/node.ini

[env]
set = FROM_USER=1
EOF
# A user profile that replaces the system one entirely.
printf '[env]\nset = ONLY_USER=1\n' >"$CONFIG_DIR/profiles/python.ini"
# A user-only profile using a system fragment by absolute path.
printf '[drop]\ninclude = %s\n' "$SYS/audio.ini" >"$CONFIG_DIR/profiles/mine.ini"

run_drop profiles
assert_match "$OUT" "^node +program +user +$CONFIG_DIR/profiles/node.ini\$" "drop profiles: the user profile wins"
assert_match "$OUT" "^node +program +system \(overridden\) +$SYS/node.ini\$" "drop profiles: the system one is marked overridden"
assert_match "$OUT" "^mine +program +user +$CONFIG_DIR/profiles/mine.ini\$" "drop profiles: a user-only profile"
assert_eq 1 "$(printf '%s\n' "$OUT" | grep -c '^node .*user')" "drop profiles: node's user row once"
assert_match "$(printf '%s\n' "$OUT" | grep '^node ' | head -n 1)" "user" "drop profiles: the winner comes first"

run_drop show-config -p node
assert_contains "$OUT" "FROM_USER=1 ; $CONFIG_DIR/profiles/node.ini:5" "user profile: its own value"
assert_contains "$OUT" "NPM_CONFIG_UPDATE_NOTIFIER=false ; $SYS/node.ini" "user profile: the included system profile's values"
assert_contains "$OUT" "block = ~/.ssh ; $SYS/dev-common.ini" "user profile: the system profile's fragment, by name"
run_drop show-config -p python
assert_contains "$OUT" "ONLY_USER=1" "a user profile replaces the system one"
assert_not_contains "$OUT" "PIP_DISABLE_PIP_VERSION_CHECK" "nothing of the replaced system profile is loaded"
run_drop show-config -p mine
assert_contains "$OUT" "audio = yes ; $SYS/audio.ini" "a user profile can include a system fragment by absolute path"
rm "$CONFIG_DIR/profiles/python.ini" "$CONFIG_DIR/profiles/mine.ini"

run_drop show-config -p nosuch
assert_status 1 "show-config -p with an unknown profile fails"
assert_error "profile 'nosuch' not found in $CONFIG_DIR/profiles, $DROP_SYSCONF_DIR/profiles or the built-in profiles" \
	"an unknown profile names both directories"
assert_drop 2 profiles extra
assert_error "usage: drop profiles" "drop profiles takes no argument"

# ---- merge order in a real run: env config < -p profiles (in order) < command-line flags

make_env m || done_testing
cat >>"$CONFIG_DIR/m.ini" <<'EOF'

[env]
set = WHO=env
set = KEEP=env
EOF
printf '[env]\nset = WHO=first\nset = ALSO=first\n' >"$CONFIG_DIR/profiles/first.ini"
printf '[env]\nset = WHO=second\n' >"$CONFIG_DIR/profiles/second.ini"
run_drop run -e m -p first -p second -- sh -c 'echo "$WHO $KEEP $ALSO"'
assert_eq "second env first" "$OUT" "merge order: env config, then each -p in order (last wins)"
run_drop run -e m -p claude -n off -- sh -c 'ls /sys/class/net | tr "\n" " "'
assert_eq "lo " "$OUT" "merge order: a flag (-n off) beats the profile's [net] mode"
run_drop run -e m -p nosuch -- true
assert_status 125 "drop run -p with an unknown profile: exit 125"

# ---- drop PROGRAM with shipped profiles (SPEC 2.3)

run_drop node -e 'console.log("node " + process.env.DROP_ENV + " " + (process.env.NPM_CONFIG_UPDATE_NOTIFIER || "-"))'
assert_status 0 "drop node: runs"
assert_eq "node node false" "$OUT" "drop node: environment node, with the node profile"
run_drop sh -c 'echo "$DROP_ENV"'
assert_eq "sh" "$OUT" "drop sh (no profile): runs in environment sh"
assert_contains "$ERR" "using the default profile" "drop sh: the default profile, with a notice"
run_drop -q sh -c true
assert_eq "" "$ERR" "drop -q sh: no notice"

# ---- every shipped profile on a fresh HOME (no display here): nothing about missing mounts

FRESH=$WORK/fresh
mkdir -p "$FRESH" && chmod 700 "$FRESH"
HOME=$FRESH run_drop init --no-cwd fresh
assert_status 0 "fresh HOME: drop init --no-cwd"
for f in "$SHIPPED"/*.ini; do
	name=$(basename "$f" .ini)
	case $name in audio | dev-common | gui-common) continue ;; esac
	HOME=$FRESH run_drop run -e fresh -n off -p "$name" -- true
	assert_status 0 "fresh HOME, -p $name: runs"
	assert_not_contains "$ERR" "not mounting" "fresh HOME, -p $name: nothing about missing mounts"
done

# ---- npm install of a package with a hostile postinstall, under -p node

SECRET="ssh-secret-$RANDOM$RANDOM"
mkdir -m 700 "$HOME/.ssh"
printf '%s\n' "$SECRET" >"$HOME/.ssh/id_ed25519"
PORT=$(random_port)
HITS=$WORK/hits
: >"$HITS"
tcp_service "$PORT" pong "$HITS" || diag "host service did not start"
# The service works from the host: the check below can fail.
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
wait_for 5 grep -q hit "$HITS"
assert_eq 1 "$(wc -l <"$HITS")" "host loopback service answers on the host"

NP=$HOME/np
mkdir -p "$NP/.git/hooks" "$NP/pkg/package"
cat >"$NP/pkg/package/package.json" <<'EOF'
{ "name": "hostile", "version": "1.0.0", "scripts": { "postinstall": "node probe.js" } }
EOF
cat >"$NP/pkg/package/probe.js" <<EOF
// Tries what a hostile install script would; records what happened in the project.
const fs = require("fs"), net = require("net");
const log = (line) => fs.appendFileSync(process.env.INIT_CWD + "/probe.log", line + "\n");
const attempt = (what, fn) => { try { fn(); log(what + ": done"); } catch (e) { log(what + ": " + e.code); } };
attempt("read-ssh-key", () => log("key " + fs.readFileSync("$HOME/.ssh/id_ed25519", "utf8")));
attempt("write-home", () => fs.writeFileSync("$HOME/pwned", "x"));
attempt("write-tmp", () => fs.writeFileSync("$WORK/pwned", "x"));
attempt("write-git-hook", () => fs.writeFileSync("$NP/.git/hooks/post-checkout", "x"));
const c = net.connect($PORT, "127.0.0.1");
c.on("connect", () => { log("connect: done"); c.destroy(); });
c.on("error", (e) => log("connect: " + e.code));
EOF
tar -C "$NP/pkg" -czf "$NP/pkg.tgz" package
printf '{ "name": "np", "version": "1.0.0" }\n' >"$NP/package.json"
(cd "$NP" && "$DROP" init np >/dev/null 2>&1) || not_ok "drop init np"
cd "$NP" || exit 1
run_drop run -e np -p node -- npm install --offline --no-audit --no-fund ./pkg.tgz
assert_status 0 "npm install of the hostile package under -p node succeeds"
[ "$STATUS" = 0 ] || diag_last
check "the package is installed in the project" test -f "$NP/node_modules/hostile/package.json"
PROBE=$(cat "$NP/probe.log" 2>/dev/null)
assert_eq 5 "$(printf '%s\n' "$PROBE" | grep -c ': ')" "the postinstall script ran all its attempts"
assert_contains "$PROBE" "read-ssh-key: ENOENT" "postinstall: ~/.ssh/id_ed25519 is not there"
assert_not_contains "$PROBE" "$SECRET" "postinstall: the key's content never reached the sandbox"
check_not "postinstall: nothing written to the real home" test -e "$HOME/pwned"
check_not "postinstall: nothing written outside the project (host /tmp)" test -e "$WORK/pwned"
assert_contains "$PROBE" "write-git-hook: EROFS" "postinstall: the project's .git is read-only"
check_not "postinstall: no git hook planted" test -e "$NP/.git/hooks/post-checkout"
assert_match "$PROBE" "connect: (ECONNREFUSED|ENETUNREACH|EHOSTUNREACH)" "postinstall: the host's loopback service is unreachable"
sleep 0.3
assert_eq 1 "$(wc -l <"$HITS")" "postinstall: the host service saw no connection"
cd "$PROJ" || exit 1

# ---- project tools: [drop] cwd (SPEC 2.3)
#
# A stand-in program "tool" (it runs its arguments) with a profile that makes
# it a project tool; its directory is mounted so the sandbox finds it.

mkdir -p "$WORK/bin" "$HOME/other"
printf '#!/bin/sh\nexec "$@"\n' >"$WORK/bin/tool"
cp "$WORK/bin/tool" "$WORK/bin/tool-ro"
chmod 755 "$WORK/bin/tool" "$WORK/bin/tool-ro"
cat >"$SYS/tool.ini" <<EOF
[drop]
cwd = rw
[fs]
mount = $WORK/bin
[env]
set = PATH=$WORK/bin:/usr/bin:/bin
EOF
sed 's/^cwd = rw$/cwd = ro/' "$SYS/tool.ini" >"$SYS/tool-ro.ini"
mkdir -p "$PROJ/.git"

run_drop show-config -p tool
assert_contains "$OUT" "mount = $PROJ::rw ; [drop] cwd" "show-config -p tool in a project: the cwd mount, origin [drop] cwd"
run_drop tool sh -c 'echo "$DROP_ENV $PWD"; echo edited >"$PWD/tool-file"; echo kept >~/tool-home'
assert_eq "tool $PROJ" "$OUT" "drop tool in a project: environment tool, working directory the project"
assert_eq "edited" "$(cat "$PROJ/tool-file" 2>/dev/null)" "drop tool: the project is mounted read-write"
check_not "drop tool: the environment's config does not name the project" grep -q mount "$CONFIG_DIR/tool.ini"
run_drop tool sh -c 'touch "$PWD/.git/hook" 2>&1'
assert_contains "$OUT" "Read-only file system" "drop tool: the project's .git follows [fs] git (read-only)"
check_not "drop tool: nothing written to .git" test -e "$PROJ/.git/hook"
cd "$HOME/other" || exit 1
run_drop tool sh -c 'echo "$DROP_ENV $PWD $(cat ~/tool-home)"; echo other >"$PWD/tool-file"; cat "$1/tool-file" 2>&1' - "$PROJ"
assert_match "$OUT" "^tool $HOME/other kept$" "drop tool in another project: same environment, its home kept"
assert_eq "other" "$(cat "$HOME/other/tool-file" 2>/dev/null)" "drop tool in another project: that project is mounted"
assert_contains "$OUT" "No such file" "drop tool in another project: the first project is not there"
cd "$PROJ" || exit 1
run_drop tool-ro sh -c 'cat "$PWD/tool-file"; echo x >"$PWD/ro-file"'
assert_contains "$OUT" "edited" "cwd = ro: the project is readable"
assert_contains "$ERR" "Read-only file system" "cwd = ro: the project is read-only"
check_not "cwd = ro: nothing written" test -e "$PROJ/ro-file"

# Refused in $HOME and above, before anything is created (base.ini included).
for dir in "$HOME" "$WORK" /; do
	cd "$dir" || exit 1
	DROP_HOME=$WORK/fresh-cwd run_drop tool-ro true
	assert_status 125 "drop tool-ro in $dir: exit 125"
	assert_error "tool-ro works on a project directory; cd into one first" "drop tool-ro in $dir: says why"
	check_not "drop tool-ro in $dir: nothing created" test -e "$WORK/fresh-cwd"
done
cd "$HOME" || exit 1
run_drop tool sh -c 'echo ran'
assert_status 125 "drop tool in \$HOME with its environment made: exit 125"
assert_error "tool works on a project directory; cd into one first" "... with the message"
assert_eq "" "$OUT" "... and the program did not run"
run_drop show-config -p tool
assert_not_contains "$OUT" "[drop] cwd" "show-config -p tool in \$HOME: no cwd mount"
ln -s "$HOME" "$WORK/home-link"
HOME=$WORK/home-link run_drop tool sh -c 'echo ran'
assert_status 125 "a home reached through a symbolic link: still refused"

# [drop] cwd in an environment's own config: the mount follows the directory.
make_env follow --no-cwd
printf '[drop]\ncwd = rw\n' >>"$CONFIG_DIR/follow.ini"
cd "$HOME/other" || exit 1
run_drop run -e follow -- sh -c 'echo followed >"$PWD/follow-file"'
assert_eq "followed" "$(cat "$HOME/other/follow-file" 2>/dev/null)" "[drop] cwd in an env config: the cwd is mounted"
cd "$HOME" || exit 1
run_drop run -e follow -- true
assert_error "follow works on a project directory" "[drop] cwd in an env config: refused in \$HOME"
cd "$PROJ" || exit 1

# A user's profile extends the shipped one of the same name with built-in:NAME.ini.
mkdir -p "$CONFIG_DIR/profiles" "$PROJ/ext"
printf '[drop]\ninclude = built-in:claude.ini\n[net]\nallow = extra.example.org\n' >"$CONFIG_DIR/profiles/claude.ini"
cd "$PROJ/ext" || exit 1
run_drop show-config -p claude
assert_contains "$OUT" "allow = api.anthropic.com ; built-in:claude.ini:" "include = built-in:NAME.ini: the shipped profile's values, origin built-in"
assert_contains "$OUT" "allow = extra.example.org ; $CONFIG_DIR/profiles/claude.ini:4" "... and the user's own on top"
rm -f "$CONFIG_DIR/profiles/claude.ini"
cd "$PROJ" || exit 1

done_testing
