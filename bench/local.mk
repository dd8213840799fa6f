EXTRA_DIST += bench/measure.py bench/check.sh
