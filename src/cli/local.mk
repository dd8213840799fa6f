libcore_a_SOURCES += \
	src/cli/cli.c src/cli/cli.h \
	src/cli/context.c src/cli/context.h \
	src/cli/unit-settings.c src/cli/unit-settings.h \
	src/cli/worker.c src/cli/worker.h \
	src/cli/worker-serve.c

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
	src/cli/read-attempts.c src/cli/read-attempts.h \
	src/cli/field-notice.c src/cli/field-notice.h \
	src/cli/report-attempt.c src/cli/report-attempt.h
