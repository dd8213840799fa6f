# tests: the fake Ray head, its fixtures and the shell integration tests.
# Integration tests are *.sh scripts sourcing tests/lib.sh; exit 0/77/1.
dist_check_DATA += \
	tests/lib.sh \
	tests/fake-ray-head.py \
	tests/make-nodes-fixture.py \
	tests/make-hostile-answers.py \
	tests/fixtures/README.md \
	tests/fixtures/basic/actors.json \
	tests/fixtures/basic/api_version.json \
	tests/fixtures/basic/authentication_mode.json \
	tests/fixtures/basic/cluster_id.json \
	tests/fixtures/basic/cluster_metadata.json \
	tests/fixtures/basic/grafana_health.json \
	tests/fixtures/basic/jobs.json \
	tests/fixtures/basic/nodes.json \
	tests/fixtures/basic/placement_groups.json \
	tests/fixtures/basic/prometheus_health.json \
	tests/fixtures/basic/prometheus_health.json.status \
	tests/fixtures/basic/usage_stats_enabled.json \
	tests/fixtures/old-ray/actors.json \
	tests/fixtures/old-ray/api_version.json \
	tests/fixtures/old-ray/cluster_id.json \
	tests/fixtures/old-ray/grafana_health.json \
	tests/fixtures/old-ray/jobs.json \
	tests/fixtures/old-ray/nodes.json \
	tests/fixtures/old-ray/placement_groups.json \
	tests/fixtures/old-ray/prometheus_health.json \
	tests/fixtures/opted-out/actors.json \
	tests/fixtures/opted-out/api_version.json \
	tests/fixtures/opted-out/authentication_mode.json \
	tests/fixtures/opted-out/cluster_id.json \
	tests/fixtures/opted-out/cluster_metadata.json \
	tests/fixtures/opted-out/grafana_health.json \
	tests/fixtures/opted-out/jobs.json \
	tests/fixtures/opted-out/nodes.json \
	tests/fixtures/opted-out/placement_groups.json \
	tests/fixtures/opted-out/prometheus_health.json \
	tests/fixtures/opted-out/prometheus_health.json.status \
	tests/fixtures/opted-out/usage_stats_enabled.json
# The collection (report, preview) and the command line against the fake
# head; then crash safety (SIGKILL and injected disk faults), concurrency and
# leaks. TESTS are distributed through EXTRA_DIST.
SHELL_TESTS = \
	tests/fake-head.sh \
	tests/report-basic.sh \
	tests/report-tags.sh \
	tests/report-cluster-config.sh \
	tests/report-decision.sh \
	tests/report-dashboard-errors.sh \
	tests/report-endpoint-errors.sh \
	tests/report-auth.sh \
	tests/report-hostile-session.sh \
	tests/attack-token-theft.sh \
	tests/attack-hostile-answers.sh \
	tests/attack-yaml-bomb.sh \
	tests/attack-settings-link.sh \
	tests/attack-settings-path.sh \
	tests/attack-session-hijack.sh \
	tests/live-heads.sh \
	tests/attack-forged-journal.sh \
	tests/attack-terminal-escapes.sh \
	tests/attack-state-takeover.sh \
	tests/attack-worker.sh \
	tests/report-privacy.sh \
	tests/cli-commands.sh \
	tests/cli-fields.sh \
	tests/history.sh \
	tests/deletion-request.sh \
	tests/field-notice.sh \
	tests/additional-endpoints.sh \
	tests/crash-safety.sh \
	tests/alloc-failure.sh \
	tests/concurrency.sh \
	tests/leaks.sh
TESTS += $(SHELL_TESTS)
# Includes flow one way: HACKING.md, "Modules and their includes".
TESTS += tests/check-includes.sh
EXTRA_DIST += tests/check-includes.sh
# Last: nothing that a test made is left behind. It waits for every other test
# of the run (GNU make's filter-out: the build needs GNU make anyway).
AUTOMAKE_OPTIONS = -Wno-portability
TESTS += tests/leftovers.sh
EXTRA_DIST += tests/leftovers.sh
tests/leftovers.log: $(filter-out tests/leftovers.log,$(TEST_LOGS))
EXTRA_DIST += $(SHELL_TESTS) tests/demo.sh tests/run-all.sh
dist_check_DATA += tests/report-lib.sh tests/netns-lib.sh tests/journal-lib.sh tests/journal-capture.py
dist_check_DATA += tests/faultinject.c
dist_check_DATA += \
	tests/fixtures/odd-values/README.md \
	tests/fixtures/odd-values/actors.json \
	tests/fixtures/odd-values/api_version.json \
	tests/fixtures/odd-values/cluster_id.json \
	tests/fixtures/odd-values/cluster_metadata.json \
	tests/fixtures/odd-values/jobs.json \
	tests/fixtures/odd-values/nodes.json \
	tests/fixtures/odd-values/placement_groups.json
# Same values as Ray (docs/ray-parity.md): the program against a model of
# Ray's usage_lib on PyYAML, on generated cluster configs, tags and answers.
check_PROGRAMS += parity-driver
parity_driver_SOURCES = tests/parity/parity-driver.c
parity_driver_LDADD = $(CORE_LIBS)
TESTS += tests/parity.sh
EXTRA_DIST += tests/parity.sh tests/parity/run.py tests/parity/oracle.py tests/parity/generate.py tests/parity/configs
