# report: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/report/extra-tags.c src/report/extra-tags.h \
	src/report/pyyaml.c src/report/pyyaml.h \
	src/report/cluster-config.c src/report/cluster-config.h \
	src/report/cloud.c src/report/cloud.h \
	src/report/hardware.c src/report/hardware.h \
	src/report/report.c src/report/report.h

if HAVE_CMOCKA
check_PROGRAMS += test-extra-tags test-cluster-config test-cloud test-report
TESTS += test-extra-tags test-cluster-config test-cloud test-report
test_extra_tags_SOURCES = src/report/test-extra-tags.c
test_extra_tags_CFLAGS = $(UNIT_TEST_CFLAGS)
test_extra_tags_LDADD = $(UNIT_TEST_LIBS)
test_cluster_config_SOURCES = src/report/test-cluster-config.c
test_cluster_config_CFLAGS = $(UNIT_TEST_CFLAGS)
test_cluster_config_LDADD = $(UNIT_TEST_LIBS)
test_cloud_SOURCES = src/report/test-cloud.c
test_cloud_CFLAGS = $(UNIT_TEST_CFLAGS)
test_cloud_LDADD = $(UNIT_TEST_LIBS)
test_report_SOURCES = src/report/test-report.c
test_report_CFLAGS = $(UNIT_TEST_CFLAGS)
test_report_LDADD = $(UNIT_TEST_LIBS)
endif
