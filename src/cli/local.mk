ray_usage_stats_SOURCES += \
	src/cli/cli.h \
	src/cli/main.c
