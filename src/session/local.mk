# session: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/session/session.c src/session/session.h \
	src/session/discover.c src/session/discover.h \
	src/session/user.c src/session/user.h \
	src/session/instance.c src/session/instance.h

if HAVE_CMOCKA
check_PROGRAMS += test-session test-discover test-user test-instance
TESTS += test-session test-discover test-user test-instance
test_session_SOURCES = src/session/test-session.c
test_session_CFLAGS = $(UNIT_TEST_CFLAGS)
test_session_LDADD = $(UNIT_TEST_LIBS)
test_discover_SOURCES = src/session/test-discover.c
test_discover_CFLAGS = $(UNIT_TEST_CFLAGS)
test_discover_LDADD = $(UNIT_TEST_LIBS)
test_user_SOURCES = src/session/test-user.c
test_user_CFLAGS = $(UNIT_TEST_CFLAGS)
test_user_LDADD = $(UNIT_TEST_LIBS)
test_instance_SOURCES = src/session/test-instance.c
test_instance_CFLAGS = $(UNIT_TEST_CFLAGS)
test_instance_LDADD = $(UNIT_TEST_LIBS)
endif
