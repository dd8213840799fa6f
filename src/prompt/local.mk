libcore_a_SOURCES += src/prompt/prompt.c src/prompt/prompt.h
if HAVE_CMOCKA
check_PROGRAMS += test-prompt
TESTS += test-prompt
test_prompt_SOURCES = src/prompt/test-prompt.c
test_prompt_CFLAGS = $(UNIT_TEST_CFLAGS)
test_prompt_LDADD = $(UNIT_TEST_LIBS)
endif
