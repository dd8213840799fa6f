# http: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/http/http.c src/http/http.h \
	src/http/http-loopback.c src/http/http-loopback.h \
	src/http/curl-dl.c src/http/curl-dl.h \
	src/http/url.c src/http/url.h

if HAVE_CMOCKA
check_PROGRAMS += test-http
TESTS += test-http
test_http_SOURCES = src/http/test-http.c src/http/test-fake-head.h
test_http_CFLAGS = $(UNIT_TEST_CFLAGS)
test_http_LDADD = $(UNIT_TEST_LIBS)
check_PROGRAMS += test-http-loopback
TESTS += test-http-loopback
test_http_loopback_SOURCES = src/http/test-http-loopback.c
test_http_loopback_CFLAGS = $(UNIT_TEST_CFLAGS)
test_http_loopback_LDADD = $(UNIT_TEST_LIBS)
endif
