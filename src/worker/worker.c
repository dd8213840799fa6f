/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "session/user.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "worker/channel.h"
#include "worker/worker-serve.h"
#include "worker/worker.h"

/* One collection ends within 30 s (docs/design.md §4.3); a worker silent for this long is stuck. */
#define WORKER_REPLY_TIMEOUT_MS (60 * 1000)
/* Bounds for what the parent accepts: a report is a few kilobytes. */
#define REPLY_BODY_MAX (512U * 1024U)
#define REPLY_TEXT_MAX 4096U
#define REPLY_FAILED_CALLS_MAX 64U

/* The parent's side: runs as root when the program was started as root.
 * child() is the forked process's way from root to the worker. */

/* Every fd from 3 up but keep_a and keep_b (-1: none). The parent holds the
 * directories of every live head it found, opened as root: a worker keeps
 * only its own head's. */
static int close_other_fds(int keep_a, int keep_b) {
        int keep[] = { keep_a < keep_b ? keep_a : keep_b, keep_a < keep_b ? keep_b : keep_a, INT_MAX }, from = 3;

        for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
                if (keep[i] < from)
                        continue;
                if (keep[i] > from && close_range((unsigned) from, (unsigned) keep[i] - 1, 0) < 0)
                        return negative_errno();
                from = keep[i] == INT_MAX ? INT_MAX : keep[i] + 1;
        }
        return 0;
}

static _noreturn_ void child(const WorkerInput *in, int fd) {
        int r;

        r = close_other_fds(fd, in->collect.session ? in->collect.session->fd : -1);
        if (r < 0) {
                log_error_errno(r, "Failed to close the descriptors the Ray user's worker must not keep: %m");
                _exit(EXIT_FAILURE);
        }
        r = drop_privileges(in->collect.uid);
        if (r < 0) {
                log_error_errno(r, "Failed to become uid %u, the owner of the Ray session %s, for good: %m",
                                (unsigned) in->collect.uid, in->collect.session ? in->collect.session->path : "");
                _exit(EXIT_FAILURE);
        }
        /* Set after the drop, which clears it: a parent killed by a timeout takes us along. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
                _exit(EXIT_FAILURE);
        log_debug("Worker %d runs as uid %u, gid %u, for good.", (int) getpid(), (unsigned) getuid(),
                  (unsigned) getgid());

        r = worker_serve(in, fd);
        (void) fflush(stdout);
        _exit(r < 0 ? EXIT_FAILURE : 0);
}

int worker_start(Worker *w, const WorkerInput *in) {
        int sv[2];
        pid_t pid;

        assert(w);
        assert(in);

        *w = WORKER_NULL;
        if (geteuid() != 0 || in->collect.uid == 0) {
                w->state = worker_state_new(in);
                return w->state ? 0 : log_oom();
        }

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return log_error_errno(negative_errno(), "Failed to create the channel to the Ray user's worker: %m");
        /* Whatever stdio holds would be written twice. */
        (void) fflush(stdout);
        (void) fflush(stderr);
        pid = fork();
        if (pid < 0) {
                int r = negative_errno();

                (void) close(sv[0]);
                (void) close(sv[1]);
                return log_error_errno(r, "Failed to start the Ray user's worker: %m");
        }
        if (pid == 0) {
                (void) close(sv[0]);
                child(in, sv[1]);
        }
        (void) close(sv[1]);
        w->pid = pid;
        w->fd = sv[0];
        return 0;
}

void worker_stop(Worker *w) {
        int status = 0;

        assert(w);

        worker_state_free(w->state);
        if (w->fd >= 0)
                (void) close(w->fd);
        if (w->pid > 0) {
                while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
                        ;
                if (WIFSIGNALED(status))
                        log_error("The Ray user's worker was killed by signal %d", WTERMSIG(status));
        }
        *w = WORKER_NULL;
}

/* One request (taken), one reply: through the channel to the child, or to
 * the handlers here with the reply serialised and parsed again, so that the
 * parent reads it through the same strict parser either way. Returns the
 * worker's own error (a negative errno it has logged), or 0. */
static int call(Worker *w, json_object *taken, json_object **ret) {
        _cleanup_json_ json_object *request = taken, *reply = NULL;
        int64_t error;
        int r;

        if (!request)
                return log_oom();

        if (w->state) {
                _cleanup_json_ json_object *local = worker_handle(w->state, request);
                const char *text;

                if (!local)
                        return log_oom();
                text = json_object_to_json_string_ext(local, JSON_C_TO_STRING_PLAIN);
                if (!text)
                        return log_oom();
                r = channel_parse(text, strlen(text), &reply);
        } else if (w->fd >= 0) {
                r = channel_send(w->fd, request);
                if (r >= 0)
                        r = channel_recv(w->fd, WORKER_REPLY_TIMEOUT_MS, &reply);
                if (r == -ETIMEDOUT && w->pid > 0)
                        (void) kill(w->pid, SIGKILL);
        } else
                r = -ENOTCONN;
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                /* The child has said why on stderr when it could. */
                return log_error_errno(r == -ENODATA || r == -EPIPE || r == -ECONNRESET ? -ECHILD : r,
                                       "No valid answer from the Ray user's worker: %m");

        if (channel_get_int(reply, "error", -4095, 0, &error) < 0)
                return log_error_errno(-EBADMSG, "Invalid answer from the Ray user's worker");
        *ret = TAKE_PTR(reply);
        return (int) error;
}

static json_object *request(WorkerOp op) {
        json_object *o = json_object_new_object();

        if (o && json_object_object_add(o, "op", json_object_new_string(worker_op_to_string(op))) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int decided_by_from_string(const char *s, DecidedBy *ret) {
        for (DecidedBy d = DECIDED_BY_ENV; d <= DECIDED_BY_DEFAULT; d++)
                if (streq(s, decided_by_to_string(d))) {
                        *ret = d;
                        return 0;
                }
        return -EBADMSG;
}

int worker_decide(Worker *w, Decision *ret, char **ret_invalid) {
        _cleanup_json_ json_object *reply = NULL;
        const char *by, *invalid;
        Decision d;
        int r;

        assert(w);
        assert(ret);
        assert(ret_invalid);

        r = call(w, request(WORKER_OP_DECIDE), &reply);
        if (r < 0)
                return r;
        if (channel_get_bool(reply, "enabled", &d.enabled) < 0 ||
            channel_get_string(reply, "decided_by", 32, false, &by) < 0 ||
            decided_by_from_string(by, &d.decided_by) < 0 ||
            channel_get_string(reply, "invalid", REPLY_TEXT_MAX, true, &invalid) < 0)
                return log_error_errno(-EBADMSG, "Invalid decision from the Ray user's worker");

        *ret = d;
        *ret_invalid = NULL;
        if (!invalid)
                return 0;
        *ret_invalid = strdup(invalid);
        return *ret_invalid ? -EINVAL : log_oom();
}

int worker_open(Worker *w, bool *ret_opted_out, char **ret_dashboard_url) {
        _cleanup_json_ json_object *reply = NULL;
        const char *url;
        int r;

        assert(w);
        assert(ret_opted_out);
        assert(ret_dashboard_url);

        r = call(w, request(WORKER_OP_OPEN), &reply);
        if (r < 0)
                return r;
        if (channel_get_bool(reply, "opted_out", ret_opted_out) < 0 ||
            channel_get_string(reply, "dashboard_url", REPLY_TEXT_MAX, false, &url) < 0)
                return log_error_errno(-EBADMSG, "Invalid answer from the Ray user's worker");
        *ret_dashboard_url = strdup(url);
        return *ret_dashboard_url ? 0 : log_oom();
}

int worker_collect(Worker *w, const Counters *counters, const char *fallback_session_id, Collection *ret) {
        _cleanup_json_ json_object *req = request(WORKER_OP_COLLECT), *reply = NULL;
        _cleanup_(collection_done) Collection c = {};
        const char *body, *session_id;
        int r;

        assert(w);
        assert(counters);
        assert(fallback_session_id);
        assert(ret);

        if (!req || channel_add(req, "seq_number", json_object_new_int64((int64_t) counters->seq_number)) < 0 ||
            channel_add(req, "total_success", json_object_new_int64((int64_t) counters->total_success)) < 0 ||
            channel_add(req, "total_failed", json_object_new_int64((int64_t) counters->total_failed)) < 0 ||
            channel_add(req, "fallback_session_id", json_object_new_string(fallback_session_id)) < 0)
                return log_oom();

        r = call(w, json_object_get(req), &reply);
        if (r < 0)
                return r;
        if (channel_get_string(reply, "body", REPLY_BODY_MAX, false, &body) < 0 ||
            channel_get_string(reply, "session_id", REPLY_TEXT_MAX, false, &session_id) < 0 ||
            channel_get_strv(reply, "failed_calls", REPLY_FAILED_CALLS_MAX, REPLY_TEXT_MAX, &c.failed_calls) < 0)
                return log_error_errno(-EBADMSG, "Invalid report from the Ray user's worker");

        c.body = strdup(body);
        c.session_id = strdup(session_id);
        if (!c.body || !c.session_id)
                return log_oom();
        *ret = c;
        c = (Collection) {};
        return 0;
}

int worker_finish(Worker *w, bool success, const char *error) {
        _cleanup_json_ json_object *req = request(WORKER_OP_FINISH), *reply = NULL;

        assert(w);

        if (!req || channel_add(req, "success", json_object_new_boolean(success)) < 0 ||
            channel_add(req, "message", channel_string_or_null(error)) < 0)
                return log_oom();
        return call(w, json_object_get(req), &reply);
}

int worker_record_library(Worker *w, const char *name) {
        _cleanup_json_ json_object *req = request(WORKER_OP_RECORD_LIBRARY), *reply = NULL;

        assert(w);
        assert(name);

        if (!req || channel_add(req, "name", json_object_new_string(name)) < 0)
                return log_oom();
        return call(w, json_object_get(req), &reply);
}
