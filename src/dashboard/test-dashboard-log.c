/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>

#include "dashboard/dashboard-log.h"
#include "session/session.h"
#include "shared/tests.h"

/* A session directory (a fresh temporary one) with logs/: all that
 * session_dashboard_url() uses of a Session is its fd, path and owner. */
static char *dir;
static Session session;

static const char *in_logs(const char *name) {
        static char buf[2][PATH_MAX];
        static unsigned i;

        i = (i + 1) % 2;
        snprintf(buf[i], PATH_MAX, "%s/logs/%s", dir, name);
        return buf[i];
}

static int setup(void **state) {
        dir = test_tmpdir("test-dashboard-log");
        assert_int_equal(mkdir(in_logs(""), 0777), 0);
        session = (Session) {
                .path = dir,
                .fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                .uid = geteuid(),
                .gid = getegid(),
        };
        assert_true(session.fd >= 0);
        return 0;
}

static int teardown(void **state) {
        close(session.fd);
        rm_rf_and_free(TAKE_PTR(dir));
        return 0;
}

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static void check_url(const char *text, const char *expected) {
        char *url = (char *) 0x1;

        assert_int_equal(dashboard_url_from_log(text, strlen(text), &url), 0);
        if (expected) {
                assert_non_null(url);
                assert_string_equal(url, expected);
        } else
                assert_null(url);
        free(url);
}

#define LINE(addr) \
        "2025-11-26 12:00:01,123\tINFO http_server_head.py:276 -- Dashboard head http address: " addr "\n"

static void test_dashboard_url_from_log(void **state) {
        check_url(LINE("127.0.0.1:8265"), "http://127.0.0.1:8265");
        check_url("noise\n" LINE("127.0.0.1:8265") "more noise\n" LINE("127.0.0.1:8266") "tail\n",
                  "http://127.0.0.1:8266");
        check_url(LINE("127.0.0.1:8265") LINE("10.0.0.1:8265"), NULL);
        check_url(LINE("0.0.0.0:8265"), "http://127.0.0.1:8265");
        check_url(LINE(":::8265"), "http://[::1]:8265");
        check_url(LINE("::1:8265"), "http://[::1]:8265");
        check_url(LINE("[::1]:8265"), "http://[::1]:8265");
        check_url(LINE("[::]:9000"), "http://[::1]:9000");
        check_url(LINE("localhost:8265"), "http://localhost:8265");
        check_url(LINE("127.5.6.7:1"), "http://127.5.6.7:1");
        check_url(LINE("127.0.0.1:65535"), "http://127.0.0.1:65535");
        check_url("Dashboard head http address: 127.0.0.1:8265\r\n", "http://127.0.0.1:8265");
        check_url("Dashboard head http address: 127.0.0.1:8265", "http://127.0.0.1:8265");

        check_url(LINE("10.0.0.1:8265"), NULL);
        check_url(LINE("192.168.1.2:8265"), NULL);
        check_url(LINE("evil.example.com:8265"), NULL);
        check_url(LINE("127.0.0.1.evil.example.com:8265"), NULL);
        check_url(LINE("localhost.evil.example.com:8265"), NULL);
        check_url(LINE("[::ffff:10.0.0.1]:8265"), NULL);
        check_url(LINE("[2001:db8::1]:8265"), NULL);
        check_url(LINE("127.0.0.1:abc"), NULL);
        check_url(LINE("127.0.0.1:0"), NULL);
        check_url(LINE("127.0.0.1:65536"), NULL);
        check_url(LINE("127.0.0.1:123456"), NULL);
        check_url(LINE("127.0.0.1:-1"), NULL);
        check_url(LINE("127.0.0.1:"), NULL);
        check_url(LINE("127.0.0.1"), NULL);
        check_url(LINE(":8265"), NULL);
        check_url(LINE("127.0.0.1:8265 trailing"), NULL);
        check_url(LINE("127.0.0.1:8265/path"), NULL);
        check_url("nothing here\n", NULL);
        check_url("", NULL);

        /* Binary junk around the line does not matter. */
        {
                static const char junk[] = "\0\xff\n" LINE("127.0.0.1:8300") "\0";
                char *url = NULL;

                assert_int_equal(dashboard_url_from_log(junk, sizeof junk - 1, &url), 0);
                assert_string_equal(url, "http://127.0.0.1:8300");
                free(url);
        }
}

/* An address of this host's own is the dashboard on loopback, with the logged port. */
static void test_dashboard_url_own_address(void **state) {
        struct ifaddrs *list = NULL;
        char host[INET6_ADDRSTRLEN], line[256];
        int family = 0;

        assert_int_equal(getifaddrs(&list), 0);
        for (struct ifaddrs *i = list; i && !family; i = i->ifa_next) {
                if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK))
                        continue;
                if (i->ifa_addr->sa_family == AF_INET &&
                    inet_ntop(AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr, host, sizeof host))
                        family = AF_INET;
        }
        freeifaddrs(list);
        if (!family)
                skip(); /* only loopback here */

        snprintf(line, sizeof line, LINE("%s:8266"), host);
        check_url(line, "http://127.0.0.1:8266");
}

static void test_dashboard_url(void **state) {
        Session *s = &session;
        const char *log = in_logs("dashboard.log");
        char *url = NULL;
        FILE *f;

        assert_int_equal(session_dashboard_url(s, &url), 0);
        assert_null(url);

        /* Streamed: matches far apart, an overlong line carrying the needle is skipped, no final newline. */
        f = fopen(log, "we");
        assert_non_null(f);
        fputs(LINE("127.0.0.1:8265"), f);
        for (int i = 0; i < 20000; i++)
                fputs("2025-11-26 12:00:02,000\tINFO some other line of the dashboard log\n", f);
        for (int i = 0; i < 100000; i++)
                fputc('x', f);
        fputs(LINE("127.0.0.1:7777"), f);
        fputs("Dashboard head http address: 127.0.0.1:8270", f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(session_dashboard_url(s, &url), 0);
        assert_string_equal(url, "http://127.0.0.1:8270");
        free(url);

        write_text(log, LINE("127.0.0.1:8265") LINE("10.1.2.3:8265") "after\n");
        assert_int_equal(session_dashboard_url(s, &url), 0);
        assert_null(url);

        write_text(in_logs("real.log"), LINE("127.0.0.1:8265"));
        assert_int_equal(unlink(log), 0);
        assert_int_equal(symlink("real.log", log), 0);
        assert_int_equal(session_dashboard_url(s, &url), 0);
        assert_null(url);
}

static void test_dashboard_url_other_owner(void **state) {
        char *url = NULL;

        if (geteuid() != 0) {
                print_message("Skipping: giving a file to another owner needs root.\n");
                skip();
        }
        write_text(in_logs("dashboard.log"), LINE("127.0.0.1:9999"));
        assert_int_equal(chown(in_logs("dashboard.log"), 65534, 65534), 0);
        assert_int_equal(session_dashboard_url(&session, &url), 0);
        assert_null(url);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dashboard_url_from_log),
                cmocka_unit_test(test_dashboard_url_own_address),
                cmocka_unit_test_setup_teardown(test_dashboard_url, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dashboard_url_other_owner, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
