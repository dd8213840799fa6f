libcore_a_SOURCES += \
	src/journal/journal.c src/journal/journal.h \
	src/journal/message-ids.h
