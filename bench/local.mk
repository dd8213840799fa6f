EXTRA_DIST += bench/measure.py bench/spawn.c bench/check.sh
EXTRA_DIST += bench/report.sh bench/peer.py bench/README.md
