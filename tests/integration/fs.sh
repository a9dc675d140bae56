#!/bin/bash
# fs.sh: the sandbox's filesystem (SPEC 5, "Filesystem"): home, project dir,
# mounts, blocks, system directories, /etc, /tmp, /var, /run, /dev, /proc,
# /sys, hidden host paths, drop's own state, the working directory.
# shellcheck disable=SC2016,SC2088 # quoted $ and ~ are for the sandbox and drop to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

mkdir -p "$PROJ/.git"
echo host >"$PROJ/hostfile"
make_env fs || { done_testing; }
ENVD=$DATA_DIR/envs/fs
in_fs() { sh_in fs "$1"; }

# ---- home

echo secret >"$HOME/real-marker"
in_fs 'echo "$HOME"; test -e "$HOME/real-marker" && echo VISIBLE; echo kept >~/persist'
assert_eq "$HOME" "$(printf '%s\n' "$OUT" | head -n 1)" "HOME has the same path inside"
assert_not_contains "$OUT" VISIBLE "a file of the real home is not visible"
check "a file written in ~ lives in DATA_DIR/envs/ID/home" test -f "$ENVD/home/persist"
check_not "... and not in the real home" test -e "$HOME/persist"
in_fs 'cat ~/persist'
assert_eq kept "$OUT" "the env's home persists across runs"

# ---- project dir (mounted by init) and its .git

in_fs "cat '$PROJ/hostfile' && echo made >'$PROJ/created'"
assert_eq host "$OUT" "project dir: host files visible"
assert_eq made "$(cat "$PROJ/created" 2>/dev/null)" "project dir: a file created inside is visible outside"
in_fs "touch '$PROJ/.git/x'"
assert_ne 0 "$STATUS" "project .git is read-only"
assert_contains "$ERR" "Read-only file system" ".git write fails with EROFS"
check_not ".git write left nothing" test -e "$PROJ/.git/x"

# ---- configured mounts

mkdir -p "$HOME/data/sub" "$HOME/data2"
echo d1 >"$HOME/data/file"
echo d2 >"$HOME/data2/file2"
echo f >"$HOME/file.txt"

run_drop run -e fs -m '~/data' -- sh -c 'cat ~/data/file; touch ~/data/new'
assert_eq d1 "$OUT" "mount ~/data: visible at the same path"
assert_contains "$ERR" "Read-only file system" "mounts are read-only by default"
check_not "read-only mount: nothing written" test -e "$HOME/data/new"

run_drop run -e fs -m '~/data::rw' -- sh -c 'echo rw >~/data/new'
assert_eq rw "$(cat "$HOME/data/new" 2>/dev/null)" "mount SRC::rw is writable"
rm -f "$HOME/data/new"

run_drop run -e fs -m '~/data:~/elsewhere' -- sh -c 'cat ~/elsewhere/file; test -e ~/data/file || echo nodata'
assert_eq "d1
nodata" "$OUT" "mount SRC:DST remaps to DST only"
run_drop run -e fs -m '~/data:~/rwhere:rw' -- sh -c 'echo x >~/rwhere/w'
check "mount SRC:DST:rw is writable" test -f "$HOME/data/w"
rm -f "$HOME/data/w"
run_drop run -e fs -m '~/file.txt:~/f2.txt' -- cat "$HOME/f2.txt"
assert_eq f "$OUT" "a single file can be mounted"
run_drop run -e fs -m '~/data:~/m' -m '~/data2:~/m/sub' -- cat "$HOME/m/sub/file2"
assert_eq d2 "$OUT" "mounts are applied in order (a later one inside an earlier one)"

run_drop run -e fs -m '~/nothere' -m '~/data' -- cat "$HOME/data/file"
assert_status 0 "a missing mount source does not stop the run"
assert_eq d1 "$OUT" "... the other mounts are made"
assert_eq "drop: not mounting $HOME/nothere, no such file or directory" "$ERR" "missing source: exact message"
run_drop run -e fs -m '~/nothere::opt' -m '~/nothere2:~/x:rw,opt' -m '~/data::opt' -- cat "$HOME/data/file"
assert_status 0 "opt: a missing source does not stop the run"
assert_eq d1 "$OUT" "opt: an existing source is mounted"
assert_eq "" "$ERR" "opt: a missing source is skipped silently"
run_drop run -e fs -m '~/data::rw,opt' -- sh -c 'echo x >~/data/w'
check "opt,rw: the mount is read-write" test -f "$HOME/data/w"
rm -f "$HOME/data/w"
run_drop run -e fs -m '~/data::ro,rw' -- true
assert_status 125 "conflicting mount flags are an error"
assert_error "invalid mount '~/data::ro,rw': flags 'ro' and 'rw' conflict (give one)" "... said in one line"

# A fresh HOME with the base config that init writes: a plain run prints
# nothing of drop's own (the base's dotfiles are opt).
FRESH=$WORK/fresh
mkdir -p "$FRESH/proj" && chmod 700 "$FRESH"
cd "$FRESH/proj" || exit 1
HOME=$FRESH run_drop init fresh
assert_status 0 "fresh HOME: drop init"
HOME=$FRESH run_drop run -e fresh -- true
assert_status 0 "fresh HOME: drop run -- true succeeds"
assert_eq "" "$ERR" "fresh HOME: drop run prints nothing of its own"
cd "$PROJ" || exit 1

# Targets of the wrong type, and symlinks planted by an earlier run.
in_fs "mkdir -p ~/adir && : >~/afile && mkdir -p ~/real && ln -sfn ~/real ~/dirlink && ln -sfn '$PROJ' ~/projlink && ln -sfn /tmp ~/tmplink"
run_drop run -e fs -m '~/data:~/afile' -- true
assert_status 0 "wrong-type target: the run goes on"
assert_eq "drop: not mounting $HOME/data, target already exists but is a file not a directory" "$ERR" \
	"directory onto a file: skipped"
run_drop run -e fs -m '~/file.txt:~/adir' -- true
assert_eq "drop: not mounting $HOME/file.txt, target already exists but is a directory not a file" "$ERR" \
	"file onto a directory: skipped"
run_drop run -e fs -m '~/data:~/dirlink/data' -- sh -c 'test -e ~/real/data/file && echo FOLLOWED'
assert_eq "drop: not mounting $HOME/data, target path contains a symbolic link" "$ERR" \
	"target under a planted symlink: skipped"
assert_not_contains "$OUT" FOLLOWED "... and not mounted through the symlink"
run_drop run -e fs -m '~/data::rw' -m '~/data:~/projlink/x' -- true
check_not "a planted symlink cannot make drop create a mount point on the host" test -e "$PROJ/x"
run_drop run -e fs -m '~/data:~/tmplink' -- sh -c 'test -e /tmp/file && echo FOLLOWED'
assert_match "$ERR" "^drop: not mounting $HOME/data, target (already exists but is a symbolic link|path contains a symbolic link)$" \
	"target that is a symlink: skipped"
assert_not_contains "$OUT" FOLLOWED "... and not mounted where it points"

# ---- blocked paths

mkdir -p "$ENVD/home/secretdir" "$HOME/data/private"
echo s >"$ENVD/home/secretdir/file"
echo s >"$ENVD/home/secret.txt"
echo p >"$HOME/data/private/key"
run_drop run -e fs -b '~/secretdir' -- sh -c 'ls ~/secretdir; cat ~/secretdir/file'
assert_ne 0 "$STATUS" "blocked dir: reading fails"
assert_contains "$ERR" "Permission denied" "blocked dir: Permission denied"
assert_eq "" "$OUT" "blocked dir: content not shown"
run_drop run -e fs -b '~/secretdir' -- chmod 755 "$HOME/secretdir"
assert_ne 0 "$STATUS" "blocked dir: chmod fails"
run_drop run -e fs -b '~/secret.txt' -- cat "$HOME/secret.txt"
assert_ne 0 "$STATUS" "blocked file: reading fails"
assert_contains "$ERR" "Permission denied" "blocked file: Permission denied"
run_drop run -e fs -b '~/secret.txt' -- sh -c "chmod 644 ~/secret.txt || exit 0; cat ~/secret.txt"
assert_eq "" "$OUT" "blocked file: chmod does not open it"
run_drop run -e fs -m '~/data' -b '~/data/private' -- cat "$HOME/data/private/key"
assert_contains "$ERR" "Permission denied" "block inside a mounted dir"
assert_eq "" "$OUT" "block inside a mounted dir: content hidden"
run_drop run -e fs -r -b '~/secretdir' -- sh -c 'cat ~/secretdir/file; umount ~/secretdir; cat ~/secretdir/file'
assert_eq "" "$OUT" "blocked dir with -r: content stays hidden (no umount)"
run_drop run -e fs -b '~/not/there' -- sh -c 'test -e ~/not && echo CREATED; echo ran'
assert_eq "ran" "$OUT" "block of a missing path is a no-op"
assert_eq "" "$ERR" "block of a missing path: nothing printed"

rm -f "$PROJ/marker"
in_fs "mkdir -p ~/realssh && echo k >~/realssh/id && ln -sfn ~/realssh ~/.ssh && ln -sfn ~/realssh ~/cfgdir"
run_drop run -e fs -b '~/.ssh' -- sh -c "cat ~/.ssh/id; touch '$PROJ/marker'"
assert_status 125 "block whose target is a planted symlink: exit 125"
assert_match "$ERR" "^drop: " "... with a drop: message"
check_not "... and the program did not start" test -e "$PROJ/marker"
run_drop run -e fs -b '~/cfgdir/id' -- sh -c "cat ~/cfgdir/id; touch '$PROJ/marker'"
assert_status 125 "block through a planted symlink: exit 125"
check_not "... and the program did not start" test -e "$PROJ/marker"
assert_eq "" "$OUT" "... and the secret was not shown"

assert_contains "$ERR" "symbolic link; remove $ENVD/home/cfgdir on the host" "... and the message names the planted link's host path"

# A sandbox that breaks its own home must be told where to repair it (SPEC 7):
# base.ini's kind of block below ~/.config, with ~/.config turned into a link.
in_fs 'mkdir -p ~/.config/git && ln -sfn /tmp ~/.cfglink'
run_drop run -e fs -b '~/.cfglink/git/credentials' -- true
assert_status 125 "a block below a planted ~/.config link: exit 125"
assert_eq "drop: cannot block $HOME/.cfglink/git/credentials: target path contains a symbolic link; remove $ENVD/home/.cfglink on the host" "$ERR" \
	"... the message names the host path to remove"
rm -f "$ENVD/home/.cfglink"

# ---- mount sources: never through a symlink a sandbox could have planted

mkdir -p "$HOME/.ssh" "$PROJ/data" "$PROJ/out" "$HOME/realdata" "$HOME/dotfiles"
echo PRIVATE-KEY >"$HOME/.ssh/id_rsa"
echo orig-bashrc >"$HOME/.bashrc"
echo userdata >"$HOME/realdata/f"
echo dotfile >"$HOME/dotfiles/rc"
# read-only variant (issue 11's escape): the project is mounted rw by init
in_fs "rm -rf '$PROJ/data' && ln -s '$HOME/.ssh' '$PROJ/data' && echo planted"
assert_eq planted "$OUT" "(setup) the sandbox replaced a project dir with a link to ~/.ssh"
run_drop run -e fs -m "$PROJ/data:~/data" -- sh -c 'cat ~/data/id_rsa 2>/dev/null' 
assert_not_contains "$OUT" PRIVATE-KEY "a planted source link is not followed (read-only mount)"
assert_eq "drop: not mounting $PROJ/data, source path contains a symbolic link a sandbox could have planted" "$ERR" \
	"... skipped with SPEC 5's message"
# read-write variant: out -> $HOME, then write ~/out/.bashrc
in_fs "rm -rf '$PROJ/out' && ln -s '$HOME' '$PROJ/out'"
run_drop run -e fs -m "$PROJ/out:~/out:rw" -- sh -c 'echo evil >~/out/.bashrc'
assert_eq orig-bashrc "$(cat "$HOME/.bashrc")" "a planted source link is not followed (read-write mount): the real ~/.bashrc is unchanged"
assert_contains "$ERR" "source path contains a symbolic link a sandbox could have planted" "... skipped with SPEC 5's message"
# a link further down the source path, and one in the env's own data
in_fs "mkdir -p '$PROJ/deep' && ln -sfn '$HOME/.ssh' '$PROJ/deep/k'"
run_drop run -e fs -m "$PROJ/deep/k/id_rsa:~/k" -- cat "$HOME/k"
assert_not_contains "$OUT" PRIVATE-KEY "a planted link in the middle of a source path is not followed"
in_fs "ln -sfn '$HOME/.ssh' ~/sshlink"
run_drop run -e fs -m "$ENVD/home/sshlink:~/k2" -- ls "$HOME/k2"
assert_not_contains "$OUT" id_rsa "a link in an environment's data is not followed"
# controls: the user's own host symlinks are followed
ln -sfn "$HOME/realdata" "$HOME/datalink"
ln -sfn "$HOME/dotfiles/rc" "$HOME/rclink"
run_drop run -e fs -m '~/datalink' -m '~/rclink' -- sh -c 'cat ~/datalink/f ~/rclink'
assert_eq "userdata
dotfile" "$OUT" "control: a user's own host symlinks (a dir, a stow-style dotfile) are followed"
assert_eq "" "$ERR" "control: ... silently"
ln -sfn "$HOME/.ssh" "$PROJ/hostlink"
run_drop run -e fs -m "$PROJ/hostlink:~/k3" -- true
assert_contains "$ERR" "could have planted" "a link in a read-write project is refused even when the user made it"
rm -f "$PROJ/hostlink"
# a source once mounted read-write stays a tree a sandbox could have written
mkdir -p "$HOME/scratch"
run_drop run -e fs -m '~/scratch::rw' -- ln -s "$HOME/.ssh" "$HOME/scratch/k"
check "(setup) a link planted in a read-write mount" test -L "$HOME/scratch/k"
assert_contains "$(cat "$DATA_DIR/rw-sources" 2>/dev/null)" "$HOME/scratch" "read-write sources are recorded in DATA_DIR/rw-sources"
run_drop run -e fs -m '~/scratch/k:~/k4' -- cat "$HOME/k4/id_rsa"
assert_not_contains "$OUT" PRIVATE-KEY "a link in a source mounted read-write by an earlier run is not followed"
rm -rf "$HOME/scratch" "$PROJ/data" "$PROJ/out" "$PROJ/deep"

# ---- .git in read-write mounts, at every run

mkdir -p "$HOME/late"
run_drop run -e fs -m '~/late::rw' -- true
mkdir -p "$HOME/late/.git/hooks"
run_drop run -e fs -m '~/late::rw' -- sh -c 'echo x >~/late/.git/hooks/post-checkout; echo y >~/late/file'
check_not "a .git that appeared after init is read-only at the next run" test -e "$HOME/late/.git/hooks/post-checkout"
check "... while the rest of the mount is writable" test -e "$HOME/late/file"
assert_contains "$ERR" "Read-only file system" "... EROFS"
rm -rf "$HOME/late/.git"
echo "gitdir: $HOME/elsewhere.git" >"$HOME/late/.git"
run_drop run -e fs -m '~/late::rw' -- sh -c 'echo "gitdir: /tmp/evil" >~/late/.git'
assert_eq "gitdir: $HOME/elsewhere.git" "$(cat "$HOME/late/.git")" "a .git file (worktree, submodule) is read-only too"
rm -f "$HOME/late/.git"
mkdir -p "$HOME/late-real.git"
ln -s "$HOME/late-real.git" "$HOME/late/.git"
run_drop run -e fs -m '~/late::rw' -- sh -c 'touch ~/late/.git/config; touch ~/late/other'
assert_contains "$ERR" "drop: mounting $HOME/late read-only, its .git is a symbolic link" "a .git symlink makes the whole mount read-only, said once"
check_not "... nothing written through it" test -e "$HOME/late-real.git/config"
check_not "... nor beside it" test -e "$HOME/late/other"
rm -rf "$HOME/late" "$HOME/late-real.git"

# ---- [fs] git = safe | rw, linked worktrees

gitc() { git -c user.email=t@t -c user.name=t "$@"; }
mkdir -p "$CONFIG_DIR/profiles"
printf '[fs]\ngit = safe\n' >"$CONFIG_DIR/profiles/gitsafe.ini"
printf '[fs]\ngit = rw\n' >"$CONFIG_DIR/profiles/gitrw.ini"
mkdir -p "$HOME/repo" && gitc -C "$HOME/repo" init -q && gitc -C "$HOME/repo" commit -q --allow-empty -m host
run_drop run -e fs -p gitsafe -m '~/repo::rw' -- sh -c '
	cd ~/repo && git -c user.email=t@t -c user.name=t commit -q --allow-empty -m inside && echo COMMITTED
	git branch side && echo BRANCHED
	echo x >.git/hooks/post-commit && echo W1
	echo x >>.git/config && echo W2
	echo x >.git/info/attributes && echo W3
	echo /tmp >.git/commondir && echo W4
	mv .git .git-moved && echo W5
	mkdir .git/modules 2>/dev/null; true'
assert_contains "$OUT" COMMITTED "git = safe: a commit works inside"
assert_contains "$OUT" BRANCHED "git = safe: a branch too"
assert_no_match "$OUT" '^W[0-9]+$' "git = safe: hooks/, config, info/, commondir stay read-only and .git cannot be moved"
assert_eq "inside" "$(gitc -C "$HOME/repo" log -1 --format=%s 2>&1)" "... the host's git sees the commit"
check_not "... and no hook was planted" test -e "$HOME/repo/.git/hooks/post-commit"
assert_eq "." "$(cat "$HOME/repo/.git/commondir" 2>/dev/null)" "a main git directory gets commondir '.' (no other can be planted)"
run_drop run -e fs -m '~/repo::rw' -- sh -c 'cd ~/repo && git -c user.email=t@t -c user.name=t commit -q --allow-empty -m ro 2>/dev/null && echo COMMITTED'
assert_not_contains "$OUT" COMMITTED "git = ro (the default): no commit inside"
run_drop run -e fs -p gitrw -m '~/repo::rw' -- sh -c 'echo "#!/bin/sh" >~/repo/.git/hooks/x && echo W'
assert_eq W "$OUT" "control: git = rw leaves hooks/ writable (the tests above can see a write)"
rm -f "$HOME/repo/.git/hooks/x"
gitc -C "$HOME/repo" worktree add -q "$HOME/wt" -b wtb 2>/dev/null
run_drop run -e fs -p gitsafe -m '~/wt::rw' -- sh -c '
	cd ~/wt && git -c user.email=t@t -c user.name=t commit -q --allow-empty -m in-wt && echo COMMITTED
	echo x >'"$HOME"'/repo/.git/hooks/post-commit && echo W1
	echo x >>'"$HOME"'/repo/.git/config && echo W2'
assert_contains "$OUT" COMMITTED "a linked worktree commits inside (its git directories are mounted)" || diag_last
assert_no_match "$OUT" '^W[0-9]+$' "... the main repository's hooks and config stay read-only"
assert_eq "in-wt" "$(gitc -C "$HOME/repo" log -1 --format=%s wtb 2>&1)" "... the host sees the worktree's commit"
run_drop run -e fs -p gitsafe -m '~/repo::rw' -- sh -c '
	echo /tmp/evil >~/repo/.git/worktrees/wt/commondir && echo W1
	echo "[core]" >>~/repo/.git/config.worktree && echo W2
	echo "[core]" >>~/repo/.git/worktrees/wt/config.worktree && echo W3'
assert_eq "" "$OUT" "git = safe: the other worktrees' commondir and every config.worktree stay read-only (made when missing)"
assert_eq "" "$(cat "$HOME/repo/.git/config.worktree")" "... the placeholder config.worktree is empty"
mkdir -p "$HOME/other" && gitc -C "$HOME/other" init -q
echo "gitdir: $HOME/other/.git" >"$HOME/wt/.git"
run_drop run -e fs -p gitsafe -m '~/wt::rw' -- sh -c "echo x >'$HOME/other/.git/config' && echo W"
assert_not_contains "$OUT" W "a .git file pointing at another repository brings nothing in"
assert_contains "$ERR" "not mounting the git directory of $HOME/wt/.git" "... and says so"
rm -rf "$HOME/repo" "$HOME/wt" "$HOME/other"

# ---- system directories

in_fs 'touch /usr/x; touch /x; mkdir /newdir; touch /bin/x'
assert_eq 4 "$(printf '%s\n' "$ERR" | grep -c 'Read-only file system')" "/usr, /, /bin are read-only"
for d in bin sbin lib lib32 lib64; do
	if [ -L "/$d" ]; then
		in_fs "readlink /$d"
		assert_eq "$(readlink "/$d")" "$OUT" "/$d is the same symlink as on the host"
	elif [ -d "/$d" ]; then
		in_fs "test -d /$d && test ! -L /$d"
		assert_status 0 "/$d is a directory as on the host"
	fi
done
in_fs 'awk '\''$5 == "/usr" { print $6 }'\'' /proc/self/mountinfo'
assert_match "$OUT" '(^|,)ro(,|$)' "/usr is mounted ro"
assert_match "$OUT" 'nosuid' "/usr is mounted nosuid"
assert_match "$OUT" 'nodev' "/usr is mounted nodev"
in_fs 'ls /usr/bin/sh >/dev/null && echo ok'
assert_eq ok "$OUT" "/usr has the host's content"

# ---- /etc

mkdir -p "$ENVD/etc"
echo envfile >"$ENVD/etc/drop-test-file"
shadow=
for f in debian_version hostname issue shells; do
	[ -f "/etc/$f" ] && shadow=$f && break
done
echo shadowed >"$ENVD/etc/$shadow"
in_fs "cat /etc/drop-test-file /etc/$shadow; grep -c '^root:' /etc/passwd; touch /etc/x"
assert_eq "envfile
shadowed
1" "$OUT" "/etc: env files added, host files shadowed, other host files visible"
assert_contains "$ERR" "Read-only file system" "/etc is read-only"
in_fs 'cat /etc/resolv.conf'
assert_match "$OUT" '^nameserver 169\.254\.1\.1$' "isolated: /etc/resolv.conf has nameserver 169.254.1.1"
check_not "nothing per-run is written into the env's etc layer" test -e "$ENVD/etc/resolv.conf"
in_fs 'awk '\''$5 == "/etc" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); break } }'\'' /proc/self/mountinfo'
assert_contains "$OUT" "overlay" "/etc is an overlay"
# Under a container runtime /etc has locked submounts (its hosts file bound
# from a more privileged namespace): the kernel refuses them as an overlay's
# lower layer, so /etc is then the host's, read-only, with the run's resolv.conf.
echo "192.0.2.9 from-the-container" >"$WORK/hosts"
run_cmd unshare -Urm sh -c 'mount --bind "$1" /etc/hosts && exec "$2" run -e fs -- sh -c "cat /etc/hosts; cat /etc/resolv.conf; touch /etc/x"' sh "$WORK/hosts" "$DROP"
assert_status 1 "/etc with a file bound over it (as in a container): the run starts (touch fails)"
assert_contains "$OUT" "from-the-container" "... /etc is the host's, with the bound file"
assert_match "$OUT" "nameserver 169\.254\.1\.1" "... and the run's resolv.conf"
assert_contains "$ERR" "Read-only file system" "... read-only"

# ---- /tmp, /var, /run

make_env fresh
home_top=
case $HOME in /tmp/*) home_top=${HOME#/tmp/} && home_top=${home_top%%/*} ;; esac
sh_in fresh "ls -A /tmp | grep -vx '$home_top'; ls -A /var"
assert_eq "" "$OUT" "/tmp and /var start empty (but for HOME's path)"
sh_in fresh "test -e '$DROP_SYSCONF_DIR' && echo SEEN; echo t >/tmp/t; echo v >/var/v"
assert_eq "" "$OUT" "host files under /tmp are not visible"
check "/tmp lives in DATA_DIR/envs/ID/tmp" test -f "$DATA_DIR/envs/fresh/tmp/t"
check "/var lives in DATA_DIR/envs/ID/var" test -f "$DATA_DIR/envs/fresh/var/v"
sh_in fresh 'cat /tmp/t /var/v'
assert_eq "t
v" "$OUT" "/tmp and /var persist across runs"
sh_in fresh 'find /run | sort'
assert_eq "/run
/run/user
/run/user/$TEST_UID" "$OUT" "/run holds only /run/user/UID"
run_drop run -e fresh -r -- sh -c 'find /run | sort'
assert_eq "/run
/run/user
/run/user/$TEST_UID" "$OUT" "/run/user/UID keeps the host uid with -r"

# ---- /dev

sh_in fresh 'ls -A /dev | LC_ALL=C sort | tr "\n" " "'
assert_eq "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " "$OUT" "/dev holds exactly the 13 SPEC entries"
sh_in fresh 'stat -c %a /dev; echo x >/dev/null && head -c 5 /dev/urandom | wc -c; head -c 3 /dev/zero | wc -c; ls /dev/pts'
assert_eq "755
5
3
ptmx" "$OUT" "/dev is mode 755, devices work, devpts is the sandbox's own"
devs="null zero full random urandom tty"
sh_in fresh "cd /dev && stat -L -c '%n %t:%T %F' $devs"
assert_eq "$(cd /dev && stat -L -c '%n %t:%T %F' $devs)" "$OUT" "/dev: null zero full random urandom tty are the host's devices"
sh_in fresh 'head -c 1 /dev/zero >/dev/full'
assert_contains "$ERR" "No space left on device" "/dev/full is the full device"
sh_in fresh 'mknod /dev/shm/n c 1 3 || mknod /tmp/n c 1 3 || echo denied'
assert_contains "$OUT" denied "device nodes cannot be created"
sh_in fresh 'echo y >/dev/shm/y && cat /dev/shm/y'
assert_eq y "$OUT" "/dev/shm is writable"

# ---- /proc and /sys

host_init=$(tr '\0' ' ' </proc/1/cmdline)
sh_in fresh 'tr "\0" " " </proc/1/cmdline; echo; ls -d /proc/[0-9]* | wc -l'
assert_ne "$host_init" "$(printf '%s\n' "$OUT" | head -n 1)" "/proc/1 is not the host's init"
check "/proc shows only a few processes" test "$(printf '%s\n' "$OUT" | tail -n 1)" -le 6
for p in /proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list \
	/proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware; do
	[ -e "$p" ] || continue
	sh_in fresh "if test -d $p; then ls -A $p; else cat $p; fi 2>/dev/null || exit 0; echo READABLE"
	assert_eq "" "$OUT" "$p (present on the host) is blocked"
done
sh_in fresh 'touch /sys/x; awk '\''$5 == "/sys" { print $6 }'\'' /proc/self/mountinfo'
assert_match "$OUT" '(^|,)ro(,|$)' "/sys is mounted read-only"
assert_contains "$ERR" "Read-only file system" "/sys writes fail with EROFS"

# ---- nothing else of the host's /

sh_in fresh 'ls -A /'
extra=$(printf '%s\n' "$OUT" | grep -vxE 'bin|sbin|lib|lib32|lib64|libx32|usr|etc|tmp|var|run|dev|proc|sys|home')
assert_eq "" "$extra" "/ holds only the SPEC's directories"
for d in /root /boot /mnt /srv /opt /media /snap /home/* /lost+found; do
	[ -e "$d" ] || continue
	sh_in fresh "test -e '$d' && echo VISIBLE"
	assert_eq "" "$OUT" "host $d is not visible"
done

# ---- the old root is gone, propagation is private

sh_in fresh 'cat /proc/self/mountinfo'
extra=$(printf '%s\n' "$OUT" | awk '{ print $5 }' |
	grep -vE "^/$|^/(usr|bin|sbin|lib|lib32|lib64|libx32|etc|tmp|var|run|dev|proc|sys)(/|$)|^$HOME(/|$)")
assert_eq "" "$extra" "no mount outside the SPEC's tree (the old root is detached)"
assert_not_contains "$OUT" "shared:" "no mount is shared with the host (private propagation)"

# ---- drop's own state is never writable from inside

make_env other
echo orig >"$DATA_DIR/envs/other/home/f"
mkdir -p "$DATA_DIR/run"
cfg_before=$(cat "$CONFIG_DIR/fs.ini" "$CONFIG_DIR/base.ini")
run_drop run -e fs -m '~/.config::rw' -m '~/.local/share::rw' -m "$DROP_SYSCONF_DIR::rw" -- sh -c "
	echo x >>'$CONFIG_DIR/fs.ini' && echo W1
	echo x >'$CONFIG_DIR/base.ini' && echo W2
	touch '$CONFIG_DIR/new.ini' && echo W3
	mkdir -p '$CONFIG_DIR/profiles' && touch '$CONFIG_DIR/profiles/x.ini' && echo W4
	touch '$DATA_DIR/envs/fs/etc/passwd' && echo W5
	echo evil >'$DATA_DIR/envs/other/home/f' && echo W6
	touch '$DATA_DIR/run/x' && echo W7
	touch '$DROP_SYSCONF_DIR/base.ini' && echo W8
	mv '$CONFIG_DIR' '$HOME/.config/moved' && echo W9
	rm -rf '$DATA_DIR/envs/other' && echo W10
	touch '$HOME/.config/ok' && echo ALLOWED"
assert_no_match "$OUT" '^W[0-9]+$' "drop's state (CONFIG_DIR, SYSCONF_DIR, run, etc layer, other envs) is read-only inside"
assert_contains "$OUT" ALLOWED "... while the rest of the rw mount is writable"
assert_eq "$cfg_before" "$(cat "$CONFIG_DIR/fs.ini" "$CONFIG_DIR/base.ini")" "the env and base configs are unchanged"
assert_eq orig "$(cat "$DATA_DIR/envs/other/home/f" 2>/dev/null)" "another env's data is unchanged"
check_not "no new config file appeared" test -e "$CONFIG_DIR/new.ini"
check_not "nothing written into the env's etc layer" test -e "$DATA_DIR/envs/fs/etc/passwd"
check_not "nothing written into SYSCONF_DIR" test -e "$DROP_SYSCONF_DIR/base.ini"

# ... and at whatever path a mount shows it (SPEC 5: -m ~/.config:~/cfg:rw protects ~/cfg/drop)
cfg_rel=${CONFIG_DIR#"$HOME/"}
data_rel=${DATA_DIR#"$HOME/"}
mkdir -p "$DATA_DIR/run/fake-1"
run_drop run -e fs -m "~/${cfg_rel%/drop}:~/cfg:rw" -m "~/${data_rel%/drop}:~/share:rw" -- sh -c "
	echo x >>~/cfg/drop/base.ini && echo W1
	touch ~/cfg/drop/new.ini && echo W2
	echo evil >~/share/drop/envs/other/home/f && echo W3
	ls ~/share/drop/run/ && echo W4
	touch ~/share/drop/envs/fs/etc/x && echo W5
	touch ~/cfg/ok && echo ALLOWED"
assert_no_match "$OUT" '^W[0-9]+$' "drop's state is protected at another path too (~/cfg/drop, ~/share/drop)"
assert_contains "$OUT" ALLOWED "... while the rest of those mounts is writable"
assert_eq "$cfg_before" "$(cat "$CONFIG_DIR/fs.ini" "$CONFIG_DIR/base.ini")" "... the configs are unchanged"
assert_eq orig "$(cat "$DATA_DIR/envs/other/home/f" 2>/dev/null)" "... another env's data is unchanged"
run_drop run -e fs -m "~/${cfg_rel}:~/c:rw" -- sh -c 'touch ~/c/x 2>/dev/null && echo W; echo ran'
assert_eq ran "$OUT" "a read-write mount of CONFIG_DIR itself is read-only"
check_not "... nothing written into CONFIG_DIR" test -e "$CONFIG_DIR/x"
rm -f "$HOME/cfg/ok" "$HOME/.config/ok"

# A parent of drop's state deeper in a mount cannot be moved away and rebuilt,
# a config file included through a link into a read-write project stays
# read-only, and DATA_DIR/run is never mounted.
printf '[env]\n' >"$PROJ/extra.ini"
ln -sfn "$PROJ/extra.ini" "$CONFIG_DIR/extra.ini"
cp "$CONFIG_DIR/fs.ini" "$WORK/fs.ini.saved"
printf '[drop]\ninclude = extra.ini\n' >>"$CONFIG_DIR/fs.ini"
run_drop run -e fs -- sh -c "echo '[fs]' >>'$PROJ/extra.ini' && echo W1; echo ran"
assert_eq ran "$OUT" "a config file included through a link into the project is read-only inside"
assert_eq "[env]" "$(cat "$PROJ/extra.ini")" "... and unchanged"
cp "$WORK/fs.ini.saved" "$CONFIG_DIR/fs.ini"
rm -f "$CONFIG_DIR/extra.ini" "$PROJ/extra.ini"
run_drop run -e fs -m "$DATA_DIR/run:~/r:rw" -- sh -c 'ls ~/r'
assert_contains "$ERR" "drop: not mounting $DATA_DIR/run, it is drop's own state" "DATA_DIR/run is never mounted"
run_drop run -e fs -m "~:/hh:rw" -- sh -c "
	mv /hh/${cfg_rel%/drop} /hh/cfg-moved && echo W1
	mv /hh/${data_rel%/drop} /hh/data-moved && echo W2
	mv /hh/${cfg_rel%%/*} /hh/top-moved && echo W3
	touch /hh/ok && echo ALLOWED"
assert_no_match "$OUT" '^W[0-9]+$' "the parents of drop's state cannot be renamed inside a read-write mount of \$HOME"
assert_contains "$OUT" ALLOWED "... while the rest of it is writable"
check "... CONFIG_DIR still where it was" test -f "$CONFIG_DIR/base.ini"
rm -f "$HOME/ok"

# ---- working directory

mkdir -p "$PROJ/sub"
cd "$PROJ/sub" || exit 1
run_in fs pwd
assert_eq "$PROJ/sub" "$OUT" "cwd: the host cwd when visible inside"
mkdir -p "$WORK/elsewhere"
cd "$WORK/elsewhere" || exit 1
run_in fs pwd
assert_eq "$HOME" "$OUT" "cwd: \$HOME when the host cwd is not visible"
cd "$PROJ" || exit 1

done_testing
