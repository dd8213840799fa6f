libcore_a_SOURCES += src/decision/decision.c src/decision/decision.h
if HAVE_CMOCKA
check_PROGRAMS += test-decision
TESTS += test-decision
test_decision_SOURCES = src/decision/test-decision.c
test_decision_CFLAGS = $(UNIT_TEST_CFLAGS)
test_decision_LDADD = $(UNIT_TEST_LIBS)
endif
