# systemd units and the journal catalog (docs/design.md §7, §8).
#
# The services are generated so that they name the installed binary and the
# configured machine-wide environment file. That file is read last (it is the
# one "disable --system" writes), so its line among the two standard ones is
# dropped rather than read twice. ray-usage-stats@.service/.timer are the
# per-user units (docs/design.md §8); they are installed, never enabled.
# ray-usage-stats-user@.service makes a per-user unit of a missing user fail.
nodist_systemdsystemunit_DATA = units/ray-usage-stats.service units/ray-usage-stats@.service
dist_systemdsystemunit_DATA = units/ray-usage-stats.timer units/ray-usage-stats@.timer \
	units/ray-usage-stats-user@.service
dist_catalog_DATA = units/ray-usage-stats.catalog
EXTRA_DIST += units/ray-usage-stats.service.in units/ray-usage-stats@.service.in
CLEANFILES += units/ray-usage-stats.service units/ray-usage-stats@.service

unit_gen = $(AM_V_GEN)$(MKDIR_P) units && \
	$(SED) -e '\|^EnvironmentFile=-$(SYSTEM_CONFIG_PATH)$$|d' \
		-e 's|@bindir[@]|$(bindir)|g' \
		-e 's|@SYSTEM_CONFIG_PATH[@]|$(SYSTEM_CONFIG_PATH)|g'

units/ray-usage-stats.service: $(top_srcdir)/units/ray-usage-stats.service.in Makefile
	$(unit_gen) $(top_srcdir)/units/ray-usage-stats.service.in > $@.tmp && mv -f $@.tmp $@

units/ray-usage-stats@.service: $(top_srcdir)/units/ray-usage-stats@.service.in Makefile
	$(unit_gen) $(top_srcdir)/units/ray-usage-stats@.service.in > $@.tmp && mv -f $@.tmp $@

# systemd's pkg-config file puts system units under /lib whatever the prefix;
# "make distcheck" installs as an ordinary user, so it stages them in its prefix.
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$dc_install_base/lib/systemd/system' \
	--with-systemdsystempresetdir='$$dc_install_base/lib/systemd/system-preset' \
	--with-catalogdir='$$dc_install_base/lib/systemd/catalog'

# Static checks of the generated units and the catalog: systemd-analyze verify,
# the security exposure, and one catalog entry per MESSAGE_ID. The boot tests
# under a real systemd are tests/system/run.sh (see .ci/run).
TESTS += tests/system/units-verify.sh
EXTRA_DIST += tests/system/units-verify.sh tests/system/run.sh tests/system/lib.sh \
	tests/system/scenarios.sh
