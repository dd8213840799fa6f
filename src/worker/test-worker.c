/* SPDX-License-Identifier: MIT */
#include <fcntl.h>

#include "shared/json-util.h"
#include "shared/tests.h"
#include "worker/channel.h"
#include "worker/worker-serve.h"

/* The worker's protocol driven in this process: the server's dispatch on
 * requests made here, worker_serve() on a socketpair, and the parent's
 * client on the in-process worker. */

#define NAME "session_2025-11-26_12-00-00_123456_4242"

static char *base;
static char temp[PATH_MAX], config[PATH_MAX];
static Session *session;

/* A session of ours, a config file that does not exist, a dashboard that
 * does not answer, no cloud probes: nothing leaves this machine. */
static int setup(void **state) {
        char url[64], path[PATH_MAX + 64];

        base = test_tmpdir("test-worker");
        snprintf(temp, sizeof temp, "%s/ray", base);
        snprintf(config, sizeof config, "%s/config.json", base);
        assert_int_equal(mkdir(temp, 0755), 0);
        snprintf(path, sizeof path, "%s/" NAME, temp);
        assert_int_equal(mkdir(path, 0755), 0);
        /* The session as discovery gives it (session/discover.h). */
        session = calloc(1, sizeof(Session));
        assert_non_null(session);
        *session = (Session) { .name = strdup(NAME), .path = strdup(path), .uid = geteuid(), .gid = getegid(),
                               .fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) };
        assert_true(session->name && session->path && session->fd >= 0);

        snprintf(url, sizeof url, "http://127.0.0.1:%d", closed_port());
        assert_int_equal(setenv("RAY_USAGE_STATS_DASHBOARD_URL", url, 1), 0);
        assert_int_equal(setenv("RAY_USAGE_STATS_CLOUD_PROBE", "0", 1), 0);
        snprintf(path, sizeof path, "%s/no-system-config", base);
        assert_int_equal(setenv("RAY_USAGE_STATS_SYSTEM_CONFIG", path, 1), 0);
        assert_int_equal(setenv("RAY_USAGE_STATS_ENABLED", "1", 1), 0);
        return 0;
}

static int teardown(void **state) {
        session = session_free(session);
        rm_rf_and_free(TAKE_PTR(base));
        return 0;
}

static WorkerInput input(bool with_session) {
        return (WorkerInput) {
                .collect = { .session = with_session ? session : NULL, .home = NULL, .uid = geteuid() },
                .config_path = config,
        };
}

/* A request for op (none when NULL) with the members of args (taken, or NULL). */
static json_object *request(const char *op, json_object *args) {
        json_object *o = args ?: json_object_new_object();

        assert_non_null(o);
        if (op)
                assert_int_equal(channel_add(o, "op", json_object_new_string(op)), 0);
        return o;
}

/* Sends a request to the dispatch and returns the reply's error. */
static int64_t ask(WorkerState *s, const char *op, json_object *args) {
        _cleanup_json_ json_object *req = request(op, args), *reply = NULL;
        int64_t error;

        reply = worker_handle(s, req);
        assert_non_null(reply);
        assert_int_equal(channel_get_int(reply, "error", -4095, 0, &error), 0);
        return error;
}

static json_object *collect_args(void) {
        json_object *o = json_object_new_object();

        assert_int_equal(channel_add(o, "seq_number", json_object_new_int64(4)), 0);
        assert_int_equal(channel_add(o, "total_success", json_object_new_int64(3)), 0);
        assert_int_equal(channel_add(o, "total_failed", json_object_new_int64(1)), 0);
        assert_int_equal(channel_add(o, "fallback_session_id", json_object_new_string("fallback-id")), 0);
        return o;
}

static json_object *finish_args(void) {
        json_object *o = json_object_new_object();

        assert_int_equal(channel_add(o, "success", json_object_new_boolean(true)), 0);
        assert_int_equal(channel_add(o, "message", NULL), 0);
        return o;
}

static void test_op_names(void **state) {
        for (WorkerOp op = 0; op < _WORKER_OP_MAX; op++) {
                assert_non_null(worker_op_to_string(op));
                assert_int_equal(worker_op_from_string(worker_op_to_string(op)), op);
        }
        assert_string_equal(worker_op_to_string(WORKER_OP_RECORD_LIBRARY), "record-library");
        assert_int_equal(worker_op_from_string("Decide"), -EINVAL);
        assert_int_equal(worker_op_from_string(""), -EINVAL);
        assert_int_equal(worker_op_from_string(NULL), -EINVAL);
}

/* Without a session only the decision is answered. */
static void test_no_session(void **state) {
        WorkerInput in = input(false);
        WorkerState *s = worker_state_new(&in);

        assert_non_null(s);
        assert_int_equal(ask(s, "decide", NULL), 0);
        assert_int_equal(ask(s, "open", NULL), -EPROTO);
        assert_int_equal(ask(s, "collect", collect_args()), -EPROTO);
        assert_int_equal(ask(s, "finish", finish_args()), -EPROTO);
        assert_int_equal(ask(s, "record-library", NULL), -EPROTO);
        assert_int_equal(ask(s, "decide", NULL), 0);
        worker_state_free(s);
}

/* Each op only in its phases: open once, collect after open, finish after collect. */
static void test_phases(void **state) {
        WorkerInput in = input(true);
        WorkerState *s = worker_state_new(&in);
        json_object *name = json_object_new_object();
        char path[PATH_MAX + 64];

        assert_non_null(s);
        assert_int_equal(ask(s, NULL, NULL), -EBADMSG);
        assert_int_equal(ask(s, "steal-token", NULL), -EOPNOTSUPP);
        assert_int_equal(ask(s, "collect", collect_args()), -EPROTO);
        assert_int_equal(ask(s, "finish", finish_args()), -EPROTO);

        assert_int_equal(channel_add(name, "name", json_object_new_string("tune")), 0);
        assert_int_equal(ask(s, "record-library", name), 0);
        snprintf(path, sizeof path, "%s/" NAME "/_ray_lib_usage-tune.txt", temp);
        assert_int_equal(access(path, F_OK), 0);

        assert_int_equal(ask(s, "open", NULL), 0);
        assert_int_equal(ask(s, "open", NULL), -EPROTO);
        assert_int_equal(ask(s, "finish", finish_args()), -EPROTO);
        /* A malformed request is refused and changes nothing. */
        assert_int_equal(ask(s, "collect", NULL), -EBADMSG);
        assert_int_equal(ask(s, "collect", collect_args()), 0);
        assert_int_equal(ask(s, "collect", collect_args()), -EPROTO);
        assert_int_equal(ask(s, "open", NULL), -EPROTO);

        snprintf(path, sizeof path, "%s/" NAME "/usage_stats.json", temp);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(ask(s, "finish", finish_args()), 0);
        assert_int_equal(access(path, F_OK), 0);
        assert_int_equal(ask(s, "decide", NULL), 0);
        worker_state_free(s);
}

/* worker_serve() on a socketpair, without a fork: the requests are queued,
 * the parent's end shut for writing, and the replies read back in order. */
static void test_serve_socketpair(void **state) {
        static const struct {
                const char *op;
                int64_t error;
        } steps[] = {
                { "finish", -EPROTO },
                { "decide", 0 },
                { "open", 0 },
                { "open", -EPROTO },
                { "no-such-op", -EOPNOTSUPP },
        };
        WorkerInput in = input(true);
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                _cleanup_json_ json_object *req =
                        request(steps[i].op, streq(steps[i].op, "finish") ? finish_args() : NULL);

                assert_int_equal(channel_send(sv[0], req), 0);
        }
        assert_int_equal(shutdown(sv[0], SHUT_WR), 0);

        assert_int_equal(worker_serve(&in, sv[1]), 0);
        close(sv[1]);

        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                _cleanup_json_ json_object *reply = NULL;
                int64_t error;

                assert_int_equal(channel_recv(sv[0], 1000, &reply), 0);
                assert_int_equal(channel_get_int(reply, "error", -4095, 0, &error), 0);
                assert_int_equal(error, steps[i].error);
        }
        assert_int_equal(channel_recv(sv[0], 1000, &(json_object *) { NULL }), -ENODATA);
        close(sv[0]);
}

/* The parent's client on the in-process worker: the refusal reaches the caller. */
static void test_client(void **state) {
        WorkerInput in = input(true);
        _cleanup_(collection_done) Collection col = {};
        _cleanup_free_ char *invalid = NULL, *url = NULL;
        Worker w = WORKER_NULL;
        Decision d;
        bool opted_out;

        /* As root for root's session, or as anyone else: in-process, no fork. */
        assert_int_equal(worker_start(&w, &in), 0);
        assert_non_null(w.state);

        assert_int_equal(worker_decide(&w, &d, &invalid), 0);
        assert_true(d.enabled);
        assert_int_equal(d.decided_by, DECIDED_BY_ENV);
        assert_null(invalid);

        assert_int_equal(worker_finish(&w, true, NULL), -EPROTO);
        assert_int_equal(worker_collect(&w, &(Counters) { .seq_number = 1 }, "fallback-id", &col), -EPROTO);
        assert_int_equal(worker_open(&w, &opted_out, &url), 0);
        assert_false(opted_out);
        assert_string_equal(url, getenv("RAY_USAGE_STATS_DASHBOARD_URL"));
        assert_int_equal(worker_collect(&w, &(Counters) { .seq_number = 1 }, "fallback-id", &col), 0);
        assert_null(col.report);
        assert_string_equal(col.session_id, "fallback-id");
        assert_non_null(strstr(col.body, "\"seq_number\": 1"));
        assert_non_null(col.failed_calls);
        assert_int_equal(worker_finish(&w, true, NULL), 0);
        worker_stop(&w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_op_names),
                cmocka_unit_test_setup_teardown(test_no_session, setup, teardown),
                cmocka_unit_test_setup_teardown(test_phases, setup, teardown),
                cmocka_unit_test_setup_teardown(test_serve_socketpair, setup, teardown),
                cmocka_unit_test_setup_teardown(test_client, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
