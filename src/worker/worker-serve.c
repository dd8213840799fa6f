/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/context.h"
#include "collect/collect.h"
#include "config/settings.h"
#include "report/report.h"
#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "worker/channel.h"
#include "worker/worker.h"

/* The worker's side: everything here runs as the Ray user (worker/worker.h),
 * in the dropped child when the program was started as root. */

#define USAGE_STATS_FILE "usage_stats.json"
#define REQUEST_TEXT_MAX 4096U

struct WorkerState {
        const Context *context;
        Collector collector;
        bool opened;
        Collection collection;
        bool collected;
};

void worker_state_free(WorkerState *s) {
        if (!s)
                return;
        if (s->opened)
                collector_done(&s->collector);
        if (s->collected)
                collection_done(&s->collection);
        free(s);
}

static json_object *new_reply(int error) {
        json_object *o = json_object_new_object();

        if (o && json_object_object_add(o, "error", json_object_new_int(error)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *handle_decide(WorkerState *s) {
        _cleanup_free_ char *invalid = NULL;
        _cleanup_json_ json_object *o = NULL;
        Decision d = {};
        int r;

        r = settings_decide(s->context->config_path, &d, &invalid);
        o = new_reply(r < 0 && r != -EINVAL ? r : 0);
        if (!o)
                return NULL;
        if (channel_add(o, "enabled", json_object_new_boolean(d.enabled)) < 0 ||
            channel_add(o, "decided_by", json_object_new_string(decided_by_to_string(d.decided_by))) < 0 ||
            channel_add(o, "invalid", r == -EINVAL ? channel_string_or_null(invalid ?: "Invalid setting") : NULL) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_object *handle_open(WorkerState *s) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (s->opened)
                return new_reply(-EALREADY);
        r = collector_init(&s->collector, s->context);
        if (r < 0)
                return new_reply(r);
        s->opened = true;

        o = new_reply(0);
        if (!o || channel_add(o, "opted_out", json_object_new_boolean(collector_cluster_opted_out(&s->collector))) < 0 ||
            channel_add(o, "dashboard_url", json_object_new_string(s->collector.dashboard_url)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_object *handle_collect(WorkerState *s, json_object *request) {
        _cleanup_json_ json_object *o = NULL;
        const char *fallback;
        int64_t seq, success, failed;
        int r;

        if (!s->opened || s->collected)
                return new_reply(-EPROTO);
        if (channel_get_int(request, "seq_number", 0, INT64_MAX, &seq) < 0 ||
            channel_get_int(request, "total_success", 0, INT64_MAX, &success) < 0 ||
            channel_get_int(request, "total_failed", 0, INT64_MAX, &failed) < 0 ||
            channel_get_string(request, "fallback_session_id", REQUEST_TEXT_MAX, false, &fallback) < 0)
                return new_reply(-EBADMSG);

        r = collector_run(&s->collector, &(Counters) {
                                  .seq_number = (uint64_t) seq,
                                  .total_success = (uint64_t) success,
                                  .total_failed = (uint64_t) failed,
                          }, fallback, &s->collection);
        if (r < 0)
                return new_reply(r);
        s->collected = true;

        o = new_reply(0);
        if (!o || channel_add(o, "body", json_object_new_string(s->collection.body)) < 0 ||
            channel_add(o, "session_id", json_object_new_string(s->collection.session_id)) < 0 ||
            channel_add(o, "failed_calls",
                        s->collection.failed_calls ? json_array_from_strv(s->collection.failed_calls) : NULL) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_object *handle_finish(WorkerState *s, json_object *request) {
        _cleanup_free_ char *text = NULL;
        const char *error;
        bool success;
        int r;

        if (!s->collected)
                return new_reply(-EPROTO);
        if (channel_get_bool(request, "success", &success) < 0 ||
            channel_get_string(request, "message", REQUEST_TEXT_MAX, true, &error) < 0)
                return new_reply(-EBADMSG);

        r = report_file_body(s->collection.report, success, error, &text);
        if (r < 0)
                return new_reply(r);
        /* The parent holds the state lock: any older temporary is stale. */
        (void) remove_stale_temporaries_at(s->context->session->fd, USAGE_STATS_FILE);
        return new_reply(write_file_atomic_at(s->context->session->fd, USAGE_STATS_FILE, text, strlen(text), 0644));
}

static json_object *handle_record_library(WorkerState *s, json_object *request) {
        const char *name;

        if (channel_get_string(request, "name", 64, false, &name) < 0)
                return new_reply(-EBADMSG);
        return new_reply(session_record_library(s->context->session, name));
}

json_object *worker_handle(WorkerState *s, json_object *request) {
        const char *op;

        if (channel_get_string(request, "op", 32, false, &op) < 0)
                return new_reply(-EBADMSG);
        if (streq(op, "decide"))
                return handle_decide(s);
        if (!s->context->session)
                return new_reply(-ENOENT);
        if (streq(op, "open"))
                return handle_open(s);
        if (streq(op, "collect"))
                return handle_collect(s, request);
        if (streq(op, "finish"))
                return handle_finish(s, request);
        if (streq(op, "record-library"))
                return handle_record_library(s, request);
        return new_reply(-EOPNOTSUPP);
}

WorkerState *worker_state_new(const Context *c) {
        WorkerState *s = calloc(1, sizeof(WorkerState));

        if (s)
                s->context = c;
        return s;
}

int worker_serve(const Context *c, int fd) {
        WorkerState *s;
        int r;

        s = worker_state_new(c);
        if (!s)
                return EXIT_LOCAL_FAILURE;

        for (;;) {
                _cleanup_json_ json_object *request = NULL, *reply = NULL;

                r = channel_recv(fd, -1, &request);
                if (r == -ENODATA) {
                        r = 0;
                        break;
                }
                if (r < 0)
                        break;
                reply = worker_handle(s, request);
                r = reply ? channel_send(fd, reply) : -ENOMEM;
                if (r < 0)
                        break;
        }
        worker_state_free(s);
        if (r < 0)
                log_error_errno(r, "The Ray user's worker stopped");
        return r < 0 ? EXIT_LOCAL_FAILURE : 0;
}
