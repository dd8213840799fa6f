# dashboard: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/dashboard/dashboard.c src/dashboard/dashboard.h \
	src/dashboard/dashboard-parse.c

if HAVE_CMOCKA
check_PROGRAMS += test-dashboard-parse test-dashboard
TESTS += test-dashboard-parse test-dashboard
test_dashboard_parse_SOURCES = src/dashboard/test-dashboard-parse.c
test_dashboard_parse_CFLAGS = $(UNIT_TEST_CFLAGS)
test_dashboard_parse_LDADD = $(UNIT_TEST_LIBS)
test_dashboard_SOURCES = src/dashboard/test-dashboard.c src/http/test-fake-head.h
test_dashboard_CFLAGS = $(UNIT_TEST_CFLAGS)
test_dashboard_LDADD = $(UNIT_TEST_LIBS)
endif
