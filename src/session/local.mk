# session: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/session/session.c src/session/session.h \
	src/session/identity.c src/session/identity.h \
	src/session/user.c src/session/user.h

if HAVE_CMOCKA
check_PROGRAMS += test-session test-identity
TESTS += test-session test-identity
test_session_SOURCES = src/session/test-session.c
test_session_CFLAGS = $(UNIT_TEST_CFLAGS)
test_session_LDADD = $(UNIT_TEST_LIBS)
test_identity_SOURCES = src/session/test-identity.c
test_identity_CFLAGS = $(UNIT_TEST_CFLAGS)
test_identity_LDADD = $(UNIT_TEST_LIBS)
endif
