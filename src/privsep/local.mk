# privsep: the channel between the root parent and the Ray user's worker
libcore_a_SOURCES += \
	src/privsep/channel.c src/privsep/channel.h

if HAVE_CMOCKA
check_PROGRAMS += test-channel
TESTS += test-channel
test_channel_SOURCES = src/privsep/test-channel.c
test_channel_CFLAGS = $(UNIT_TEST_CFLAGS)
test_channel_LDADD = $(UNIT_TEST_LIBS)
endif
