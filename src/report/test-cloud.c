/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "report/cloud.h"
#include "report/cluster-config.h"
#include "shared/macro.h"
#include "shared/tests.h"

/* A loopback metadata server in a child process. The path says what to do:
 * /azure/<status> answers <status> only with "Metadata: true" (else 403),
 * /gcp/<status> only with "Metadata-Flavor: Google", /aws/<status> always,
 * /hang never answers, /close hangs up without an answer. */
static pid_t server_pid = -1;
static uint16_t server_port;

static void serve(int fd) {
        for (;;) {
                char req[4096], path[256], *p = req;
                size_t n = 0;
                int c = accept(fd, NULL, NULL), status;
                const char *need = NULL;

                if (c < 0)
                        _exit(1);
                while (n < sizeof req - 1 && !memmem(req, n, "\r\n\r\n", 4)) {
                        ssize_t k = read(c, req + n, sizeof req - 1 - n);

                        if (k <= 0)
                                break;
                        n += (size_t) k;
                }
                req[n] = 0;
                if (sscanf(p, "GET %255s ", path) != 1) {
                        close(c);
                        continue;
                }

                if (streq(path, "/hang"))
                        continue; /* the connection stays open, unanswered */
                if (streq(path, "/close")) {
                        close(c);
                        continue;
                }
                if (sscanf(path, "/azure/%d", &status) == 1)
                        need = "\r\nMetadata: true\r\n";
                else if (sscanf(path, "/gcp/%d", &status) == 1)
                        need = "\r\nMetadata-Flavor: Google\r\n";
                else if (sscanf(path, "/aws/%d", &status) != 1)
                        status = 404;
                if (need && !strstr(req, need))
                        status = 403;

                dprintf(c, "HTTP/1.1 %d Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status);
                close(c);
        }
}

static int server_start(void **state) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        int fd;

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        assert_int_equal(listen(fd, 16), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
        server_port = ntohs(sa.sin_port);

        server_pid = fork();
        assert_true(server_pid >= 0);
        if (server_pid == 0)
                serve(fd);
        close(fd);
        return 0;
}

static int server_stop(void **state) {
        if (server_pid > 0) {
                (void) kill(server_pid, SIGKILL);
                (void) waitpid(server_pid, NULL, 0);
        }
        return 0;
}

static void set_url(const char *cloud, const char *path) {
        char name[64], url[128];

        snprintf(name, sizeof name, "RAY_USAGE_STATS_%s_METADATA_URL", cloud);
        if (streq(path, "refused"))
                snprintf(url, sizeof url, "http://127.0.0.1:%u/", (uint16_t) closed_port());
        else
                snprintf(url, sizeof url, "http://127.0.0.1:%u%s", server_port, path);
        assert_int_equal(setenv(name, url, 1), 0);
}

static void check_probe(const char *azure, const char *gcp, const char *aws, const char *expected, double max_s) {
        _cleanup_free_ char *cloud = NULL;
        double start;

        set_url("AZURE", azure);
        set_url("GCP", gcp);
        set_url("AWS", aws);
        start = now_s();
        assert_int_equal(cloud_probe(&cloud), 0);
        if (!streq(cloud, expected))
                fail_msg("azure %s, gcp %s, aws %s: got %s, expected %s", azure, gcp, aws, cloud, expected);
        if (now_s() - start > max_s)
                fail_msg("azure %s, gcp %s, aws %s: took %.2f s", azure, gcp, aws, now_s() - start);
}

static void test_order_and_status(void **state) {
        check_probe("/azure/200", "/gcp/200", "/aws/200", "azure", 0.5);
        check_probe("/azure/404", "/gcp/200", "/aws/200", "gcp", 0.5);
        check_probe("refused", "refused", "/aws/200", "aws", 0.5);
        check_probe("refused", "refused", "refused", "unknown", 0.5);
        /* Ray's regression test: Azure 200, AWS 400, GCP failing. */
        check_probe("/azure/200", "/close", "/aws/400", "azure", 0.5);
        /* Only 200 counts: any other answer is no cloud. */
        check_probe("/azure/400", "/gcp/301", "/aws/204", "unknown", 0.5);
        check_probe("/azure/500", "/gcp/403", "/aws/200", "aws", 0.5);
}

static void test_headers(void **state) {
        /* The server answers 403 to a request without the cloud's header, so these
         * pass only when the probes send "Metadata: true" and "Metadata-Flavor: Google". */
        check_probe("/azure/200", "refused", "refused", "azure", 0.5);
        check_probe("refused", "/gcp/200", "refused", "gcp", 0.5);
}

static void test_hanging_probe(void **state) {
        /* A probe that never answers costs its 1 s, then the next one counts. */
        check_probe("/hang", "/gcp/200", "/aws/200", "gcp", 1.9);
        check_probe("/hang", "/hang", "/hang", "unknown", 3.9);
}

static void test_no_proxy(void **state) {
        _cleanup_free_ char *proxy = NULL;

        /* A proxy that refuses everything: the probes must not go through it. */
        assert_true(asprintf(&proxy, "http://127.0.0.1:%u", (uint16_t) closed_port()) > 0);
        assert_int_equal(setenv("http_proxy", proxy, 1), 0);
        assert_int_equal(setenv("HTTP_PROXY", proxy, 1), 0);
        check_probe("/azure/200", "refused", "refused", "azure", 0.5);
        assert_int_equal(unsetenv("http_proxy"), 0);
        assert_int_equal(unsetenv("HTTP_PROXY"), 0);
}

static void detect_provider(const char *expected) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;
        _cleanup_free_ char *cloud = NULL;

        assert_int_equal(cloud_probe(&cloud), 0);
        assert_int_equal(cluster_config_detect(NULL, 0, true, cloud, &c), 0);
        assert_string_equal(json_object_get_string(c.cloud_provider), expected);
        assert_null(c.min_workers);
        assert_null(c.max_workers);
        assert_null(c.head_node_instance_type);
        assert_null(c.worker_node_instance_types);
}

static void test_detect_with_probes(void **state) {
        set_url("AZURE", "refused");
        set_url("GCP", "/gcp/200");
        set_url("AWS", "refused");
        assert_int_equal(unsetenv("RAY_USAGE_STATS_CLOUD_PROBE"), 0);
        assert_int_equal(unsetenv("KUBERNETES_SERVICE_HOST"), 0);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_KUBERAY_IN_USE"), 0);

        detect_provider("gcp");

        /* Ray's f"_${probe}" template slip, kept on purpose. */
        assert_int_equal(setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1), 0);
        detect_provider("kubernetes_$gcp");
        assert_int_equal(setenv("RAY_USAGE_STATS_KUBERAY_IN_USE", "1", 1), 0);
        detect_provider("kuberay_$gcp");

        set_url("GCP", "refused");
        detect_provider("kuberay_$unknown");

        /* Off Kubernetes the probe result alone is the provider: "unknown" says
         * that the probes ran and found nothing. */
        assert_int_equal(unsetenv("KUBERNETES_SERVICE_HOST"), 0);
        detect_provider("unknown");

        assert_int_equal(unsetenv("RAY_USAGE_STATS_KUBERAY_IN_USE"), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order_and_status),
                cmocka_unit_test(test_headers),
                cmocka_unit_test(test_hanging_probe),
                cmocka_unit_test(test_no_proxy),
                cmocka_unit_test(test_detect_with_probes),
        };

        /* A client that gives up on /hang must not kill us with SIGPIPE later. */
        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, server_start, server_stop);
}
