# fuzz: libFuzzer targets, one per parser of outside input, built with clang
# by fuzz/build.sh straight from the sources (no configure, no effect on the
# normal build). "make fuzz" runs each for FUZZ_SECONDS (default 60) from
# its seed corpus under fuzz/corpus/<target>/; see docs/robustness.md.
FUZZ_SECONDS = 60
FUZZ_TARGETS = channel cluster-config config dashboard dashboard-log extra-tags gcs-cmdline json-roundtrip session-name state sysconfig

fuzz:
	FUZZ_BUILD_DIR='$(abs_top_builddir)/fuzz-build' $(SHELL) '$(abs_top_srcdir)/fuzz/run.sh' $(FUZZ_SECONDS)
.PHONY: fuzz

EXTRA_DIST += \
	fuzz/build.sh \
	fuzz/run.sh \
	fuzz/fuzz.h \
	fuzz/corpus \
	$(FUZZ_TARGETS:%=fuzz/fuzz-%.c) \
	$(FUZZ_TARGETS:%=fuzz/%.dict)

clean-local: clean-fuzz
clean-fuzz:
	rm -rf fuzz-build fuzz-artifacts
.PHONY: clean-fuzz

EXTRA_DIST += docs/robustness.md

# The peer socket's owner, from /proc/net/tcp{,6} (src/http/tcp-owner.c).
FUZZ_TARGETS += proc-net-tcp
