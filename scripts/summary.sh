#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# summary.sh CMD [ARG...] - run a test command whose lines are "ok NAME",
# "not ok NAME: why" or "skip NAME: why"; show all but the ok lines and
# end with "N passed, N failed" (status 1 when one failed): what `make
# test` and `make test-kernel` print.
# summary.sh --log FILE - the same ending for lines already in FILE.

if [ "${1:-}" = --log ]; then
	log=$2
else
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	"$@" | tee "$log" | grep -v '^ok '
fi
passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
skipped=$(grep -c '^skip ' "$log")
[ "$skipped" -eq 0 ] || echo "($skipped skipped: see the skip lines above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
