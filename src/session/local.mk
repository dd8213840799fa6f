# session: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/session/session.c src/session/session.h \
	src/session/host-address.c src/session/host-address.h \
	src/session/identity.c src/session/identity.h \
	src/session/instance.c src/session/instance.h

if HAVE_CMOCKA
check_PROGRAMS += test-session test-identity test-host-address test-instance
TESTS += test-session test-identity test-host-address test-instance
test_session_SOURCES = src/session/test-session.c
test_session_CFLAGS = $(UNIT_TEST_CFLAGS)
test_session_LDADD = $(UNIT_TEST_LIBS)
test_host_address_SOURCES = src/session/test-host-address.c
test_host_address_CFLAGS = $(UNIT_TEST_CFLAGS)
test_host_address_LDADD = $(UNIT_TEST_LIBS)
test_identity_SOURCES = src/session/test-identity.c
test_identity_CFLAGS = $(UNIT_TEST_CFLAGS)
test_identity_LDADD = $(UNIT_TEST_LIBS)
test_instance_SOURCES = src/session/test-instance.c
test_instance_CFLAGS = $(UNIT_TEST_CFLAGS)
test_instance_LDADD = $(UNIT_TEST_LIBS)
endif
