EXTRA_DIST += bench/measure.py bench/spawn.c bench/check.sh
