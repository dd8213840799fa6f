/* SPDX-License-Identifier: MIT */
#include "collect/collect.h"
#include "config/settings.h"
#include "report/report.h"
#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "worker/channel.h"
#include "worker/worker-serve.h"

/* The worker's side: everything here runs as the Ray user (worker/worker.h),
 * in the dropped child when the program was started as root. */

#define USAGE_STATS_FILE "usage_stats.json"
#define REQUEST_TEXT_MAX 4096U

/* Where the ops the parent sent so far have left the worker. Each op is
 * allowed in some of these only (the dispatch table below), as in OpenSSH's
 * monitor, so that no handler needs to check what came before it. */
typedef enum WorkerPhase {
        WORKER_PHASE_SAME,       /* in the table: the op leaves the phase as it is */
        WORKER_NO_SESSION,       /* no Ray session: only the decision */
        WORKER_READY,            /* a session, nothing opened yet */
        WORKER_OPENED,           /* the dashboard found, the token loaded */
        WORKER_COLLECTED,        /* a report built: usage_stats.json can be written */
} WorkerPhase;

#define PHASE(p) (1U << (p))
#define WITH_SESSION (PHASE(WORKER_READY) | PHASE(WORKER_OPENED) | PHASE(WORKER_COLLECTED))

struct WorkerState {
        WorkerInput input;
        WorkerPhase phase;
        Collector collector;      /* from WORKER_OPENED on */
        Collection collection;    /* in WORKER_COLLECTED */
};

WorkerState *worker_state_new(const WorkerInput *in) {
        WorkerState *s;

        assert(in);

        s = calloc(1, sizeof(WorkerState));
        if (!s)
                return NULL;
        s->input = *in;
        s->phase = in->collect.session ? WORKER_READY : WORKER_NO_SESSION;
        return s;
}

WorkerState *worker_state_free(WorkerState *s) {
        if (!s)
                return NULL;
        collector_done(&s->collector);
        collection_done(&s->collection);
        free(s);
        return NULL;
}

/* Each handler adds its answer to reply and returns 0, or returns the
 * negative errno that the reply carries instead. */

static int handle_decide(WorkerState *s, json_object *request, json_object *reply) {
        _cleanup_free_ char *invalid = NULL;
        Decision d = {};
        int r;

        r = settings_decide(s->input.config_path, &d, &invalid);
        if (r < 0 && r != -EINVAL)
                return r;
        if (channel_add(reply, "enabled", json_object_new_boolean(d.enabled)) < 0 ||
            channel_add(reply, "decided_by", json_object_new_string(decided_by_to_string(d.decided_by))) < 0 ||
            channel_add(reply, "invalid", r == -EINVAL ? channel_string_or_null(invalid ?: "Invalid setting") : NULL) < 0)
                return -ENOMEM;
        return 0;
}

static int handle_open(WorkerState *s, json_object *request, json_object *reply) {
        int r;

        r = collector_init(&s->collector, &s->input.collect);
        if (r < 0) {
                collector_done(&s->collector);
                return r;
        }

        if (channel_add(reply, "opted_out", json_object_new_boolean(collector_cluster_opted_out(&s->collector))) < 0 ||
            channel_add(reply, "dashboard_url", json_object_new_string(s->collector.dashboard_url)) < 0)
                return -ENOMEM;
        return 0;
}

static int handle_collect(WorkerState *s, json_object *request, json_object *reply) {
        const char *fallback;
        int64_t seq, success, failed;
        int r;

        if (channel_get_int(request, "seq_number", 0, INT64_MAX, &seq) < 0 ||
            channel_get_int(request, "total_success", 0, INT64_MAX, &success) < 0 ||
            channel_get_int(request, "total_failed", 0, INT64_MAX, &failed) < 0 ||
            channel_get_string(request, "fallback_session_id", REQUEST_TEXT_MAX, false, &fallback) < 0)
                return -EBADMSG;

        /* Empty unless an earlier answer could not be built. */
        collection_done(&s->collection);
        r = collector_run(&s->collector, &(Counters) {
                                  .seq_number = (uint64_t) seq,
                                  .total_success = (uint64_t) success,
                                  .total_failed = (uint64_t) failed,
                          }, fallback, &s->collection);
        if (r < 0)
                return r;

        if (channel_add(reply, "body", json_object_new_string(s->collection.body)) < 0 ||
            channel_add(reply, "session_id", json_object_new_string(s->collection.session_id)) < 0 ||
            channel_add(reply, "failed_calls",
                        s->collection.failed_calls ? json_array_from_strv(s->collection.failed_calls) : NULL) < 0)
                return -ENOMEM;
        return 0;
}

static int handle_finish(WorkerState *s, json_object *request, json_object *reply) {
        _cleanup_free_ char *text = NULL;
        const char *error;
        bool success;
        int r;

        if (channel_get_bool(request, "success", &success) < 0 ||
            channel_get_string(request, "message", REQUEST_TEXT_MAX, true, &error) < 0)
                return -EBADMSG;

        r = report_file_body(s->collection.report, success, error, &text);
        if (r < 0)
                return r;
        /* The parent holds the state lock: any older temporary is stale. */
        (void) remove_stale_temporaries_at(s->input.collect.session->fd, USAGE_STATS_FILE);
        return write_file_atomic_at(s->input.collect.session->fd, USAGE_STATS_FILE, text, strlen(text), 0644);
}

static int handle_record_library(WorkerState *s, json_object *request, json_object *reply) {
        const char *name;

        if (channel_get_string(request, "name", 64, false, &name) < 0)
                return -EBADMSG;
        return session_record_library(s->input.collect.session, name);
}

/* The protocol: each op, its name on the wire, the phases in which it is
 * allowed, and the phase its success leads to. */
static const struct {
        const char *name;
        unsigned allowed;
        WorkerPhase next;
        int (*handle)(WorkerState *s, json_object *request, json_object *reply);
} ops[_WORKER_OP_MAX] = {
        [WORKER_OP_DECIDE]         = { "decide",         PHASE(WORKER_NO_SESSION) | WITH_SESSION,
                                       WORKER_PHASE_SAME, handle_decide },
        [WORKER_OP_OPEN]           = { "open",           PHASE(WORKER_READY),
                                       WORKER_OPENED,     handle_open },
        [WORKER_OP_COLLECT]        = { "collect",        PHASE(WORKER_OPENED),
                                       WORKER_COLLECTED,  handle_collect },
        [WORKER_OP_FINISH]         = { "finish",         PHASE(WORKER_COLLECTED),
                                       WORKER_PHASE_SAME, handle_finish },
        [WORKER_OP_RECORD_LIBRARY] = { "record-library", WITH_SESSION,
                                       WORKER_PHASE_SAME, handle_record_library },
};

const char *worker_op_to_string(WorkerOp op) {
        assert(op >= 0 && op < _WORKER_OP_MAX);
        return ops[op].name;
}

WorkerOp worker_op_from_string(const char *s) {
        for (WorkerOp op = 0; op < _WORKER_OP_MAX; op++)
                if (streq_ptr(s, ops[op].name))
                        return op;
        return _WORKER_OP_INVALID;
}

static json_object *error_reply(int error) {
        json_object *o = json_object_new_object();

        if (o && channel_add(o, "error", json_object_new_int(error)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *worker_handle(WorkerState *s, json_object *request) {
        _cleanup_json_ json_object *reply = NULL;
        const char *name;
        WorkerOp op;
        int r;

        assert(s);

        if (channel_get_string(request, "op", 32, false, &name) < 0)
                return error_reply(-EBADMSG);
        op = worker_op_from_string(name);
        if (op < 0)
                return error_reply(-EOPNOTSUPP);
        if (!(ops[op].allowed & PHASE(s->phase))) {
                log_debug("Refusing '%s' of the parent: not allowed now.", name);
                return error_reply(-EPROTO);
        }

        reply = json_object_new_object();
        if (!reply)
                return NULL;
        r = ops[op].handle(s, request, reply);
        if (r < 0)
                return error_reply(r);
        if (ops[op].next != WORKER_PHASE_SAME)
                s->phase = ops[op].next;
        if (channel_add(reply, "error", json_object_new_int(0)) < 0)
                return NULL;
        return TAKE_PTR(reply);
}

int worker_serve(const WorkerInput *in, int fd) {
        WorkerState *s;
        int r;

        s = worker_state_new(in);
        if (!s)
                return log_oom();

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
                return log_error_errno(r, "The Ray user's worker stopped: %m");
        return 0;
}
