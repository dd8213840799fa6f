# worker: both sides of the privilege separation between the root parent and
# the worker that runs as the Ray user: the framing (channel), the parent's
# client (worker.c) and the child's server (worker-serve.c)
libcore_a_SOURCES += \
	src/worker/channel.c src/worker/channel.h \
	src/worker/worker.c src/worker/worker.h \
	src/worker/worker-serve.c src/worker/worker-serve.h

if HAVE_CMOCKA
check_PROGRAMS += test-channel test-worker
TESTS += test-channel test-worker
test_channel_SOURCES = src/worker/test-channel.c
test_channel_CFLAGS = $(UNIT_TEST_CFLAGS)
test_channel_LDADD = $(UNIT_TEST_LIBS)
test_worker_SOURCES = src/worker/test-worker.c src/shared/tests.h
test_worker_CFLAGS = $(UNIT_TEST_CFLAGS)
test_worker_LDADD = $(UNIT_TEST_LIBS)
endif
