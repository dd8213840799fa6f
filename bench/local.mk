EXTRA_DIST += bench/measure.py bench/spawn.c bench/check.sh bench/discovery.sh bench/procs.c bench/walk.c
EXTRA_DIST += bench/report.sh bench/peer.py bench/README.md
