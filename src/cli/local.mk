# cli: everything but main() is in libcore.a, so that test-cli runs the
# command line in-process.
libcore_a_SOURCES += \
	src/cli/cli.c src/cli/cli.h \
	src/cli/commands.c \
	src/cli/context.c src/cli/context.h \
	src/cli/unit-settings.c src/cli/unit-settings.h \
	src/cli/cmd-check.c \
	src/cli/cmd-report.c \
	src/cli/cmd-status.c \
	src/cli/cmd-record-library.c \
	src/cli/cmd-settings.c \
	src/cli/cmd-fields.c \
	src/cli/cmd-history.c \
	src/cli/cmd-deletion-request.c \
	src/cli/read-attempts.c src/cli/read-attempts.h

ray_usage_stats_SOURCES += src/cli/main.c

if HAVE_CMOCKA
check_PROGRAMS += test-cli
TESTS += test-cli
test_cli_SOURCES = src/cli/test-cli.c
test_cli_CFLAGS = $(UNIT_TEST_CFLAGS)
test_cli_LDADD = $(UNIT_TEST_LIBS)
endif
