libcore_a_SOURCES += \
	src/config/config.c src/config/config.h \
	src/config/sysconfig.c src/config/sysconfig.h \
	src/config/settings.c src/config/settings.h \
	src/config/replace-file.c src/config/replace-file.h
if HAVE_CMOCKA
check_PROGRAMS += test-config test-sysconfig
TESTS += test-config test-sysconfig
test_config_SOURCES = src/config/test-config.c
test_config_CFLAGS = $(UNIT_TEST_CFLAGS)
test_config_LDADD = $(UNIT_TEST_LIBS)
test_sysconfig_SOURCES = src/config/test-sysconfig.c
test_sysconfig_CFLAGS = $(UNIT_TEST_CFLAGS)
test_sysconfig_LDADD = $(UNIT_TEST_LIBS)
endif
