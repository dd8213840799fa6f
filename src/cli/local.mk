libcore_a_SOURCES += \
	src/cli/cli.c src/cli/cli.h \
	src/cli/context.c src/cli/context.h

ray_usage_stats_SOURCES += \
	src/cli/main.c \
	src/cli/cmd-check.c \
	src/cli/cmd-report.c \
	src/cli/cmd-status.c \
	src/cli/cmd-record-library.c \
	src/cli/cmd-settings.c \
	src/cli/cmd-fields.c \
	src/cli/cmd-history.c \
	src/cli/cmd-deletion-request.c \
	src/cli/read-attempts.c src/cli/read-attempts.h
