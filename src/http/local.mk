# http: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/http/http.c src/http/http.h \
	src/http/curl-dl.c src/http/curl-dl.h \
	src/http/tcp-owner.c src/http/tcp-owner.h \
	src/http/url.c src/http/url.h

if HAVE_CMOCKA
check_PROGRAMS += test-http test-tcp-owner
TESTS += test-http test-tcp-owner
test_http_SOURCES = src/http/test-http.c src/http/test-fake-head.h src/http/test-raw-server.h
test_http_CFLAGS = $(UNIT_TEST_CFLAGS)
test_http_LDADD = $(UNIT_TEST_LIBS)
test_tcp_owner_SOURCES = src/http/test-tcp-owner.c
test_tcp_owner_CFLAGS = $(UNIT_TEST_CFLAGS)
test_tcp_owner_LDADD = $(UNIT_TEST_LIBS)
endif
