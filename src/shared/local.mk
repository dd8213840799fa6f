libcore_a_SOURCES += \
	src/shared/macro.h src/shared/env-util.h src/shared/time-util.h \
	src/shared/alloc-util.c src/shared/alloc-util.h \
	src/shared/log.c src/shared/log.h \
	src/shared/escape.c src/shared/escape.h \
	src/shared/utf8.c src/shared/utf8.h \
	src/shared/fileio.c src/shared/fileio.h \
	src/shared/json-util.c src/shared/json-util.h \
	src/shared/strv.c src/shared/strv.h \
	src/shared/time-parse.c src/shared/time-parse.h \
	src/shared/table.c src/shared/table.h

# The unit tests' common scaffolding.
EXTRA_DIST += src/shared/tests.h

if HAVE_CMOCKA
check_PROGRAMS += test-alloc-util
TESTS += test-alloc-util
test_alloc_util_SOURCES = src/shared/test-alloc-util.c
test_alloc_util_CFLAGS = $(UNIT_TEST_CFLAGS)
test_alloc_util_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += test-log
TESTS += test-log
test_log_SOURCES = src/shared/test-log.c
test_log_CFLAGS = $(UNIT_TEST_CFLAGS)
test_log_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += test-fileio
TESTS += test-fileio
test_fileio_SOURCES = src/shared/test-fileio.c
test_fileio_CFLAGS = $(UNIT_TEST_CFLAGS)
test_fileio_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += test-json-util
TESTS += test-json-util
test_json_util_SOURCES = src/shared/test-json-util.c
test_json_util_CFLAGS = $(UNIT_TEST_CFLAGS)
test_json_util_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += test-time-parse
TESTS += test-time-parse
test_time_parse_SOURCES = src/shared/test-time-parse.c
test_time_parse_CFLAGS = $(UNIT_TEST_CFLAGS)
test_time_parse_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += test-escape
TESTS += test-escape
test_escape_SOURCES = src/shared/test-escape.c
test_escape_CFLAGS = $(UNIT_TEST_CFLAGS)
test_escape_LDADD = $(UNIT_TEST_LIBS)
check_PROGRAMS += test-table
TESTS += test-table
test_table_SOURCES = src/shared/test-table.c
test_table_CFLAGS = $(UNIT_TEST_CFLAGS)
test_table_LDADD = $(UNIT_TEST_LIBS)
endif
