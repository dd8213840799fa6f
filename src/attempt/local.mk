# attempt: what one report attempt leaves behind, in the state and the journal
libcore_a_SOURCES += \
	src/attempt/report-attempt.c src/attempt/report-attempt.h \
	src/attempt/field-notice.c src/attempt/field-notice.h
