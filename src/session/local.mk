# session: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/session/session.c src/session/session.h \
	src/session/user.c src/session/user.h

if HAVE_CMOCKA
check_PROGRAMS += test-session test-user
TESTS += test-session test-user
test_session_SOURCES = src/session/test-session.c
test_session_CFLAGS = $(UNIT_TEST_CFLAGS)
test_session_LDADD = $(UNIT_TEST_LIBS)
test_user_SOURCES = src/session/test-user.c
test_user_CFLAGS = $(UNIT_TEST_CFLAGS)
test_user_LDADD = $(UNIT_TEST_LIBS)
endif
