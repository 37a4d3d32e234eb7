#!/bin/sh
# netlab beside its baselines on the same generated labs, in one run, with
# medians, ratios, peak RSS, CSV and gnuplot PNGs: see bench/compare.py.
#   bench/compare.sh --smoke
#   bench/compare.sh --sizes 10 100 500 1000 --reps 3 --edits --small-beside-big
#   bench/compare.sh --netlab OLD/netlab --label before --netlab-b build/netlab --label-b after
# Python 3 from Debian, standard library only.
exec /usr/bin/python3 "$(dirname "$0")/compare.py" "$@"
