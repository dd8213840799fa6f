libcore_a_SOURCES += \
	src/collect/collect.c src/collect/collect.h
