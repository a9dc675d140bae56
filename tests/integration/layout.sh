#!/bin/bash
# layout.sh: the source layout's one rule, checked: no parent-* or cmd-* file
# includes a child-* header (the parent reaches the child's entry points
# through child.h alone; STYLE 4, issue 12). Reads the sources, runs nothing.
set -u
src=${DROP_SRCDIR:-$(dirname "$0")/../..}/src
n=0

# The includes of "child-*.h" in the files given, as FILE:LINE: text.
child_includes() {
	grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]child-[^">]*\.h[">]' "$@" 2>/dev/null
}

tap() {
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

shopt -s nullglob
files=("$src"/parent-*.[ch] "$src"/parent.[ch] "$src"/cmd-*.[ch] "$src"/cmd.[ch])
if [ "${#files[@]}" -ge 10 ]; then
	tap ok "found ${#files[@]} parent and cmd sources in $src"
else
	tap fail "found only ${#files[@]} parent and cmd sources in $src"
fi

found=$(child_includes "${files[@]}")
if [ -z "$found" ]; then
	tap ok "no parent-* or cmd-* source includes a child-* header"
else
	tap fail "no parent-* or cmd-* source includes a child-* header"
	echo "# $found" | sed '2,$s/^/# /'
fi

if child_includes "$src"/parent.c | grep -q .; then
	tap fail "parent.c calls the child through child.h only"
else
	grep -q '^#include "child.h"' "$src"/parent.c && tap ok "parent.c calls the child through child.h only" ||
		tap fail "parent.c includes child.h"
fi

# Control: the check sees an include when there is one (in either quoting).
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
printf '#include "parent.h"\n#include "child-fs.h"\n' > "$tmp/parent-x.c"
printf '# include <child-init.h>\n' > "$tmp/cmd-y.c"
printf '#include "child.h"\n' > "$tmp/cmd-z.c"
if [ "$(child_includes "$tmp"/*.c | wc -l)" -eq 2 ]; then
	tap ok "control: a planted child-* include is found, child.h is not one"
else
	tap fail "control: a planted child-* include is found, child.h is not one"
fi
echo "1..$n"
