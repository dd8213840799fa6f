/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "session/user.h"
#include "shared/escape.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/time-util.h"
#include "worker/channel.h"
#include "worker/worker-serve.h"
#include "worker/worker.h"

/* One collection ends within 30 s (docs/design.md §4.3); a worker silent for this long is stuck. */
#define WORKER_REPLY_TIMEOUT_MS (60 * 1000)
/* A worker whose channel is closed has nothing left to do but exit. */
#define WORKER_EXIT_TIMEOUT_MS (5 * 1000)
/* The slice in which the parent looks whether the worker has exited. */
#define WORKER_EXIT_POLL_MS 50

/* The worker's whole environment (docs/design.md §4.2), by name: the
 * settings it decides and collects with. Not the report endpoints and their
 * credentials, proxies, tokens (the administrator's token is never for
 * another user's head), nor anything else of root's. */
static const char *const worker_environment[] = {
        "RAY_USAGE_STATS_ENABLED",           /* the decision (settings.h) */
        "DO_NOT_TRACK",
        "RAY_USAGE_STATS_SYSTEM_CONFIG",
        "RAY_USAGE_STATS_DASHBOARD_URL",     /* the one server it talks to (collect.h) */
        "RAY_USAGE_STATS_EXTRA_TAGS",        /* the report's fields (report.h) */
        "RAY_USAGE_STATS_SOURCE",
        "KUBERNETES_SERVICE_HOST",
        "RAY_USAGE_STATS_KUBERAY_IN_USE",
        "RAY_USAGE_STATS_CLOUD_PROBE",
        "RAY_USAGE_STATS_AWS_METADATA_URL",
        "RAY_USAGE_STATS_GCP_METADATA_URL",
        "RAY_USAGE_STATS_AZURE_METADATA_URL",
        "TZ",                                /* session names are in local time */
};
/* Bounds for what the parent accepts: a report is a few kilobytes. */
#define REPLY_BODY_MAX (512U * 1024U)
#define REPLY_TEXT_MAX 4096U
#define REPLY_FAILED_CALLS_MAX 64U

/* The parent's side: runs as root when the program was started as root.
 * child() is the forked process's way from root to the worker. */

/* Keeps the variables named above; the others' text is wiped too, where it
 * lies (the initial block is what /proc/PID/environ shows). */
static void reduce_environment(void) {
        static char *kept[ELEMENTSOF(worker_environment) + 1];
        size_t n = 0;

        for (char **e = environ; e && *e; e++) {
                bool keep = false;

                for (size_t i = 0; i < ELEMENTSOF(worker_environment) && n < ELEMENTSOF(worker_environment); i++) {
                        const char *v = startswith(*e, worker_environment[i]);

                        if (v && *v == '=') {
                                kept[n++] = *e;
                                keep = true;
                                break;
                        }
                }
                if (!keep)
                        explicit_bzero(*e, strlen(*e));
        }
        kept[n] = NULL;
        environ = kept;
}

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

/* The worker owns nothing of root's session (docs/design.md §4.2): no
 * controlling terminal (a process with one can push input into it with
 * TIOCSTI), stdin and stdout on /dev/null, stderr a pipe that the parent
 * reads and shows escaped, no other fd of root's, and only the environment
 * named above. */
static int make_bare(int channel, int err, int session_fd) {
        int null, r;

        if (setsid() < 0)
                return negative_errno();
        /* Out of the way of 0-2 first: with a stdio fd closed, the channel may be one of them. */
        channel = fcntl(channel, F_DUPFD, 3);
        err = fcntl(err, F_DUPFD, 3);
        null = open("/dev/null", O_RDWR | O_NOCTTY);
        if (channel < 0 || err < 0 || null < 0)
                return negative_errno();
        if (session_fd >= 0 && session_fd <= STDERR_FILENO)
                return -EBADF;
        if (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
                return negative_errno();
        reduce_environment();
        r = close_other_fds(channel, session_fd);
        return r < 0 ? r : channel;
}

static _noreturn_ void child(const WorkerInput *in, int fd, int err) {
        int r;

        fd = make_bare(fd, err, in->collect.session ? in->collect.session->fd : -1);
        if (fd < 0) {
                log_error_errno(fd, "Failed to detach the Ray user's worker from root's terminal and files: %m");
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
        int sv[2], err[2];
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
        if (pipe2(err, O_CLOEXEC) < 0) {
                int r = negative_errno();

                (void) close(sv[0]);
                (void) close(sv[1]);
                return log_error_errno(r, "Failed to create the pipe for the Ray user's worker's messages: %m");
        }
        /* Whatever stdio holds would be written twice. */
        (void) fflush(stdout);
        (void) fflush(stderr);
        pid = fork();
        if (pid < 0) {
                int r = negative_errno();

                (void) close(sv[0]);
                (void) close(sv[1]);
                (void) close(err[0]);
                (void) close(err[1]);
                return log_error_errno(r, "Failed to start the Ray user's worker: %m");
        }
        if (pid == 0) {
                (void) close(sv[0]);
                (void) close(err[0]);
                child(in, sv[1], err[1]);
        }
        (void) close(sv[1]);
        (void) close(err[1]);
        (void) fcntl(err[0], F_SETFL, O_NONBLOCK);
        w->pid = pid;
        w->fd = sv[0];
        w->err_fd = err[0];
        return 0;
}

/* The worker's messages, one line at a time, escaped: what reaches root's
 * stderr from there is text, whatever the worker wrote. A line longer than
 * the buffer is cut into lines. flush: the end, a last line without newline
 * included. */
static void relay_stderr(Worker *w, bool flush) {
        for (;;) {
                char *nl;
                ssize_t n;

                while ((nl = memchr(w->err_line, '\n', w->err_len)) ||
                       w->err_len == sizeof w->err_line || (flush && w->err_len > 0)) {
                        size_t len = nl ? (size_t) (nl - w->err_line) : w->err_len;
                        _cleanup_free_ char *shown = escape_text(w->err_line, len);

                        if (shown)
                                fprintf(stderr, "%s\n", shown);
                        len += !!nl;
                        memmove(w->err_line, w->err_line + len, w->err_len - len);
                        w->err_len -= len;
                }
                if (w->err_fd < 0)
                        return;
                n = read(w->err_fd, w->err_line + w->err_len, sizeof w->err_line - w->err_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n > 0) {
                        w->err_len += (size_t) n;
                        continue;
                }
                if (n == 0) { /* the worker is gone, or closed its stderr */
                        (void) close(w->err_fd);
                        w->err_fd = -1;
                        flush = true;
                        continue;
                }
                return; /* EAGAIN: nothing more for now */
        }
}

/* Waits up to timeout_ms for fd (or for nothing, fd -1) to become readable,
 * relaying the worker's messages meanwhile. 1 readable, 0 timed out. */
static int wait_relaying(Worker *w, int fd, int timeout_ms) {
        int64_t deadline = now_ms() + timeout_ms;

        for (;;) {
                struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = w->err_fd, .events = POLLIN } };
                int64_t left = deadline - now_ms();
                int n;

                if (left <= 0)
                        return 0;
                n = poll(p, 2, (int) left);
                if (n < 0 && errno != EINTR)
                        return negative_errno();
                if (n > 0 && p[1].revents)
                        relay_stderr(w, false);
                if (n > 0 && p[0].revents)
                        return 1;
        }
}

/* Whether the worker has exited within timeout_ms (reaped, *ret_status set). */
static bool reaped_within(Worker *w, int timeout_ms, int *ret_status) {
        int64_t deadline = now_ms() + timeout_ms;

        for (;;) {
                pid_t p = waitpid(w->pid, ret_status, WNOHANG);

                if (p == w->pid || (p < 0 && errno != EINTR))
                        return true;
                if (now_ms() >= deadline)
                        return false;
                (void) wait_relaying(w, -1, WORKER_EXIT_POLL_MS);
        }
}

void worker_stop(Worker *w) {
        int status = 0;

        assert(w);

        worker_state_free(w->state);
        if (w->fd >= 0)
                (void) close(w->fd);
        /* The Ray user can stop their worker (SIGSTOP), but not root's command. */
        if (w->pid > 0 && !reaped_within(w, WORKER_EXIT_TIMEOUT_MS, &status)) {
                log_error("The Ray user's worker %d did not exit within %d s of its last request; killing it.",
                          (int) w->pid, WORKER_EXIT_TIMEOUT_MS / 1000);
                (void) kill(w->pid, SIGKILL);
                while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
                        ;
        } else if (w->pid > 0 && WIFSIGNALED(status))
                log_error("The Ray user's worker was killed by signal %d", WTERMSIG(status));
        if (w->pid > 0)
                relay_stderr(w, true);
        if (w->err_fd >= 0)
                (void) close(w->err_fd);
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
                int64_t deadline = now_ms() + WORKER_REPLY_TIMEOUT_MS;

                r = channel_send(w->fd, request);
                /* The reply, after whatever the worker says on stderr meanwhile. */
                if (r >= 0)
                        r = wait_relaying(w, w->fd, WORKER_REPLY_TIMEOUT_MS);
                if (r == 0)
                        r = -ETIMEDOUT;
                if (r > 0) {
                        int64_t left = deadline - now_ms();

                        r = channel_recv(w->fd, left > 0 ? (int) left : 1, &reply);
                }
                relay_stderr(w, false);
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
