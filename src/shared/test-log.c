/* SPDX-License-Identifier: MIT */
#include <sys/mman.h>

#include "shared/log.h"
#include "shared/tests.h"

typedef struct Capture {
        int fd, saved;
} Capture;

/* Points stderr at a memory file; errno is set to something else first. */
static Capture capture_begin(void) {
        Capture c = { memfd_create("stderr", MFD_CLOEXEC), dup(STDERR_FILENO) };

        assert_true(c.fd >= 0 && c.saved >= 0);
        fflush(stderr);
        assert_int_equal(dup2(c.fd, STDERR_FILENO), STDERR_FILENO);
        errno = EXDEV;
        return c;
}

/* What was printed on stderr since capture_begin(), in buf; errno was kept. */
static void capture_end(Capture c, char *buf, size_t size) {
        ssize_t n;

        assert_int_equal(errno, EXDEV);
        fflush(stderr);
        assert_int_equal(dup2(c.saved, STDERR_FILENO), STDERR_FILENO);
        close(c.saved);
        assert_int_equal(lseek(c.fd, 0, SEEK_SET), 0);
        n = read(c.fd, buf, size - 1);
        assert_true(n >= 0);
        buf[n] = 0;
        close(c.fd);
}

#define LOGGED(buf, r, ...)                                     \
        do {                                                    \
                Capture _c = capture_begin();                   \
                r = log_error_errno(__VA_ARGS__);               \
                capture_end(_c, buf, sizeof buf);               \
        } while (0)

static void assert_line(const char *buf, const char *message) {
        size_t l = strlen(program_invocation_short_name);

        assert_memory_equal(buf, program_invocation_short_name, l);
        assert_string_equal(buf + l, message);
}

static void test_percent_m_is_the_error(void **state) {
        char buf[512];
        int r;

        /* "%m" is the text of -error, once: nothing is appended. */
        LOGGED(buf, r, -EACCES, "Failed to read %s: %m", "/x");
        assert_int_equal(r, -EACCES);
        assert_line(buf, ": Failed to read /x: Permission denied\n");

        /* Without "%m", the error is only returned. */
        LOGGED(buf, r, -EINVAL, "Invalid name '%s'", "n");
        assert_int_equal(r, -EINVAL);
        assert_line(buf, ": Invalid name 'n'\n");
}

static void test_last_error(void **state) {
        char buf[512];
        int r;

        log_clear_last_error();
        assert_null(log_last_error());
        log_debug("not an error");
        log_warning("not an error either");
        assert_null(log_last_error());
        LOGGED(buf, r, -ENOSPC, "Failed to write %s: %m", "/y");
        assert_int_equal(r, -ENOSPC);
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
