# SPDX-License-Identifier: GPL-2.0
#
# cases.sh - what the case runners share (sourced): the "# test:" lines of
# a case, its stderr check and its verdict line.

# directives FILE: the "# test: ..." lines of a case, without the prefix
directives() {
	sed -n 's/^# test: //p' "$1"
}

# directive NAME "$DIRECTIVES": the first NAME directive's value
directive() {
	printf '%s\n' "$2" | sed -n "s/^$1 //p" | head -1
}

# stderr_problem "$DIRECTIVES" ERRFILE: why stderr does not satisfy the
# "stderr REGEX" directives (all must match; none: stderr must be empty),
# or nothing
stderr_problem() {
	pats=$(printf '%s\n' "$1" | sed -n 's/^stderr //p')
	if [ -z "$pats" ]; then
		[ ! -s "$2" ] || echo "unexpected stderr: $(head -c 200 "$2" | tr '\n' ' ')"
		return
	fi
	printf '%s\n' "$pats" | while IFS= read -r pat; do
		grep -Eq -- "$pat" "$2" || { echo x; break; }
	done | grep -q x &&
		echo "stderr does not match: $(head -c 200 "$2" | tr '\n' ' ')"
}

# verdict NAME WHY: the case's line for the test summary
verdict() {
	if [ -z "$2" ]; then
		echo "ok $1"
	else
		echo "not ok $1: $2"
	fi
}
