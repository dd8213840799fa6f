/* SPDX-License-Identifier: MIT */
#include <sys/mman.h>

#include "shared/log.h"
#include "shared/tests.h"

/* What log_error_errno(error, format) prints on stderr, in buf. */
static int logged(char *buf, size_t size, int error, const char *format, const char *arg) {
        int fd = memfd_create("stderr", MFD_CLOEXEC), saved = dup(STDERR_FILENO), r;
        ssize_t n;

        assert_true(fd >= 0 && saved >= 0);
        fflush(stderr);
        assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
        errno = EXDEV;
        r = log_error_errno(error, format, arg);
        assert_int_equal(errno, EXDEV); /* errno is kept */
        fflush(stderr);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        n = read(fd, buf, size - 1);
        assert_true(n >= 0);
        buf[n] = 0;
        close(fd);
        return r;
}

static void assert_line(const char *buf, const char *message) {
        size_t l = strlen(program_invocation_short_name);

        assert_memory_equal(buf, program_invocation_short_name, l);
        assert_string_equal(buf + l, message);
}

static void test_percent_m_is_the_error(void **state) {
        char buf[512];

        /* "%m" is the text of -error, once: nothing is appended. */
        assert_int_equal(logged(buf, sizeof buf, -EACCES, "Failed to read %s: %m", "/x"), -EACCES);
        assert_line(buf, ": Failed to read /x: Permission denied\n");

        /* Without "%m", the error is only returned. */
        assert_int_equal(logged(buf, sizeof buf, -EINVAL, "Invalid name '%s'", "n"), -EINVAL);
        assert_line(buf, ": Invalid name 'n'\n");
}

static void test_last_error(void **state) {
        char buf[512];

        log_clear_last_error();
        assert_null(log_last_error());
        log_debug("not an error");
        log_warning("not an error either");
        assert_null(log_last_error());
        (void) logged(buf, sizeof buf, -ENOSPC, "Failed to write %s: %m", "/y");
        assert_string_equal(log_last_error(), "Failed to write /y: No space left on device");
        log_clear_last_error();
        assert_null(log_last_error());
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_percent_m_is_the_error),
                cmocka_unit_test(test_last_error),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
