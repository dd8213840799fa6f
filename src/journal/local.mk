libcore_a_SOURCES += \
	src/journal/journal.c src/journal/journal.h \
	src/journal/message-ids.h \
	src/journal/journal-read.c src/journal/journal-read.h

if HAVE_CMOCKA
check_PROGRAMS += test-journal-read
TESTS += test-journal-read
test_journal_read_SOURCES = src/journal/test-journal-read.c
test_journal_read_CFLAGS = $(UNIT_TEST_CFLAGS)
test_journal_read_LDADD = $(UNIT_TEST_LIBS)
endif
