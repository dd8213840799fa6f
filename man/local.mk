# man: the manual pages, the bash completion and their checks.
dist_man8_MANS = \
	man/ray-usage-stats.8 \
	man/ray-usage-stats.service.8

# Installed as "ray-usage-stats" so that bash-completion loads it on demand.
dist_bashcompletion_DATA = completion/ray-usage-stats

TESTS += man/check-pages.sh completion/test-completion.sh
EXTRA_DIST += man/check-pages.sh completion/test-completion.sh

# The package test (tests/package/run.sh) is run from .ci/run, not by make check:
# it needs root, debootstrap and systemd-nspawn.
EXTRA_DIST += tests/package/run.sh

# bash-completion's pkg-config file names an absolute directory whatever the
# prefix; "make distcheck" stages the completion in its own prefix.
AM_DISTCHECK_CONFIGURE_FLAGS += \
	--with-bashcompletiondir='$$dc_install_base/share/bash-completion/completions'
