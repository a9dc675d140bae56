#!/bin/bash
# completion.sh: the shell completions in share/ (SPEC 4: programs, not
# fragments): bash's, driven as readline would drive it; zsh's and fish's
# syntax where those shells are installed (nothing is installed for them).
# shellcheck disable=SC2016 # quoted $ are for the inner bash to expand
. "${DROP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/lib.sh"

BASHC=$DROP_SRCDIR/share/bash-completion/drop

check "bash completion: bash -n" bash -n "$BASHC"

# complete LINE: what bash's completion offers with the cursor at the end of
# LINE, one word a line ('drop' is the binary under test).
complete_line() {
	bash -c '. "$1"; COMP_LINE=$2; COMP_POINT=${#2}; read -ra COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_drop "$3" "${COMP_WORDS[COMP_CWORD]}" drop; printf "%s\n" "${COMPREPLY[@]}"' _ "$BASHC" "$1" "$DROP"
}

C=$(complete_line "drop ")
for w in init run enter ls rm show-config profiles ps doctor firefox claude node; do
	assert_match "$C" "^$w\$" "drop <TAB> offers $w"
done
for w in gui-common dev-common audio default; do
	assert_not_contains "$(printf '%s\n' "$C" | grep -x -- "$w")" "$w" "drop <TAB> does not offer $w (not a program)"
done
C=$(complete_line "drop fi")
assert_eq "firefox
firefox-esr" "$(printf '%s\n' "$C" | sort)" "drop fi<TAB>: the browser programs"
C=$(complete_line "drop run -p ")
assert_match "$C" "^audio\$" "drop run -p <TAB>: fragments too (-p audio works)"
assert_match "$C" "^node\$" "drop run -p <TAB>: programs' profiles"
assert_eq 1 "$(printf '%s\n' "$C" | grep -cx node)" "drop run -p <TAB>: each name once"
C=$(complete_line "drop show-config -e x -p node -p gu")
assert_eq "gui-common" "$C" "drop show-config -p ... -p <TAB>: several -p"
C=$(complete_line "drop run -n ")
assert_eq "filtered host isolated off" "$(printf '%s\n' "$C" | sort | tr '\n' ' ' | sed 's/ $//')" "drop run -n <TAB>: the modes"
make_env ce || done_testing
C=$(complete_line "drop rm ")
assert_match "$C" "^ce\$" "drop rm <TAB>: the environments"

# zsh: its syntax (.ci/run installs zsh and fish). fish: syntax, and driven
# with complete -C, with this build's drop first on PATH.
check "zsh completion: zsh -n" zsh -n "$DROP_SRCDIR/share/zsh/_drop"
check "fish completion: fish -n" fish -n "$DROP_SRCDIR/share/fish/drop.fish"
fish_complete() { PATH="$(dirname "$DROP"):$PATH" fish -c "source '$DROP_SRCDIR/share/fish/drop.fish'; complete -C '$1'" 2>&1 | cut -f1; }
assert_eq "show-config" "$(fish_complete "drop sho")" "fish: drop sho<TAB> completes show-config"
assert_eq "filtered host isolated off" "$(fish_complete "drop run -n " | sort | tr '\n' ' ' | sed 's/ $//')" "fish: drop run -n <TAB>: the four network modes"

done_testing
