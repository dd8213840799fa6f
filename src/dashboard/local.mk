# dashboard: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/dashboard/dashboard.c src/dashboard/dashboard.h \
	src/dashboard/dashboard-parse.c \
	src/dashboard/dashboard-log.c src/dashboard/dashboard-log.h \
	src/dashboard/host-address.c src/dashboard/host-address.h

if HAVE_CMOCKA
check_PROGRAMS += test-dashboard-parse test-dashboard test-dashboard-log test-host-address
TESTS += test-dashboard-parse test-dashboard test-dashboard-log test-host-address
test_dashboard_parse_SOURCES = src/dashboard/test-dashboard-parse.c
test_dashboard_parse_CFLAGS = $(UNIT_TEST_CFLAGS)
test_dashboard_parse_LDADD = $(UNIT_TEST_LIBS)
test_dashboard_SOURCES = src/dashboard/test-dashboard.c src/http/test-fake-head.h
test_dashboard_CFLAGS = $(UNIT_TEST_CFLAGS)
test_dashboard_LDADD = $(UNIT_TEST_LIBS)
test_dashboard_log_SOURCES = src/dashboard/test-dashboard-log.c
test_dashboard_log_CFLAGS = $(UNIT_TEST_CFLAGS)
test_dashboard_log_LDADD = $(UNIT_TEST_LIBS)
test_host_address_SOURCES = src/dashboard/test-host-address.c
test_host_address_CFLAGS = $(UNIT_TEST_CFLAGS)
test_host_address_LDADD = $(UNIT_TEST_LIBS)
endif
