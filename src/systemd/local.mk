libcore_a_SOURCES += \
	src/systemd/unit-env.c src/systemd/unit-env.h
if HAVE_CMOCKA
check_PROGRAMS += test-unit-env
TESTS += test-unit-env
test_unit_env_SOURCES = src/systemd/test-unit-env.c
test_unit_env_CFLAGS = $(UNIT_TEST_CFLAGS)
test_unit_env_LDADD = $(UNIT_TEST_LIBS)
endif
