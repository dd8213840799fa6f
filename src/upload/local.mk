# upload: sources and unit tests (see Makefile.am)
libcore_a_SOURCES += \
	src/upload/upload.c src/upload/upload.h

if HAVE_CMOCKA
check_PROGRAMS += test-upload
TESTS += test-upload
test_upload_SOURCES = src/upload/test-upload.c src/http/test-fake-head.h
test_upload_CFLAGS = $(UNIT_TEST_CFLAGS)
test_upload_LDADD = $(UNIT_TEST_LIBS)
endif
