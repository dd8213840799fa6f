# state: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += src/state/state.c src/state/state.h \
	src/state/field-list.c src/state/field-list.h

if HAVE_CMOCKA
check_PROGRAMS += test-state
TESTS += test-state
test_state_SOURCES = src/state/test-state.c
test_state_CFLAGS = $(UNIT_TEST_CFLAGS)
test_state_LDADD = $(UNIT_TEST_LIBS)
check_PROGRAMS += test-field-list
TESTS += test-field-list
test_field_list_SOURCES = src/state/test-field-list.c
test_field_list_CFLAGS = $(UNIT_TEST_CFLAGS)
test_field_list_LDADD = $(UNIT_TEST_LIBS)
endif
