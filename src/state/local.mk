# state: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += src/state/state.c src/state/state.h

if HAVE_CMOCKA
check_PROGRAMS += test-state
TESTS += test-state
test_state_SOURCES = src/state/test-state.c
test_state_CFLAGS = $(UNIT_TEST_CFLAGS)
test_state_LDADD = $(UNIT_TEST_LIBS)
endif
