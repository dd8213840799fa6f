/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "session/user.h"
#include "shared/alloc-util.h"
#include "shared/env-util.h"
#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "state/state.h"

#define STATE_FILE_MAX (64 * 1024)
#define STATE_ID_MAX 256
#define STATE_ERROR_MAX 1024

static void endpoints_free(StateEndpoint *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].url);
                free(e[i].last_error);
        }
        free(e);
}

void state_done(State *s) {
        assert(s);

        free(s->session_id);
        free(s->fallback_session_id);
        free(s->last_error);
        endpoints_free(s->endpoints, s->n_endpoints);
        *s = (State) { .last_success = -1 };
}

int state_directory(char **ret) {
        const char *e;
        char *p;

        assert(ret);

        e = getenv("STATE_DIRECTORY");
        if (!isempty(e)) {
                size_t l = strcspn(e, ":");

                if (e[0] != '/')
                        return -EINVAL;
                p = strndup(e, l);
        } else if ((e = env_get_or("RAY_USAGE_STATS_STATE_DIR", NULL))) {
                if (e[0] != '/')
                        return -EINVAL;
                p = strdup(e);
        } else if (geteuid() == 0)
                p = strdup(STATE_SYSTEM_DIR);
        else if ((e = getenv("XDG_STATE_HOME")) && e[0] == '/') {
                if (asprintf(&p, "%s/ray-usage-stats", e) < 0)
                        p = NULL;
        } else {
                _cleanup_free_ char *home = NULL;
                int r;

                r = user_home(getuid(), true, &home);
                if (r < 0)
                        return r;
                if (asprintf(&p, "%s/.local/state/ray-usage-stats", home) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int state_key(uid_t uid, const char *session_name, char **ret) {
        assert(session_name);
        assert(ret);

        if (isempty(session_name) || strchr(session_name, '/') || strchr(session_name, '@'))
                return -EINVAL;
        return asprintf(ret, "%s@%u", session_name, (unsigned) uid) < 0 ? -ENOMEM : 0;
}

/* Session names come validated from discovery (session/discover.c); they become file names here. */
static int state_file_name(const char *session_name, const char *suffix, char **ret) {
        if (isempty(session_name) || strchr(session_name, '/') || session_name[0] == '.' ||
            strlen(session_name) > 180)
                return -EINVAL;
        if (asprintf(ret, "%s%s", session_name, suffix) < 0)
                return -ENOMEM;
        return 0;
}

static int state_dir_open(const char *dir, bool create) {
        int fd;

        if (create) {
                _cleanup_free_ char *probe = NULL;
                int r;

                /* mkdir_parents() creates the parents of its argument: hand it a child of dir. */
                if (asprintf(&probe, "%s/x", dir) < 0)
                        return -ENOMEM;
                r = mkdir_parents(probe, 0755);
                if (r < 0)
                        return r;
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

static bool timespec_before(const struct timespec *a, const struct timespec *b) {
        return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int state_migrate(const char *dir, const char *session_name, const char *key, const struct timespec *born) {
        _cleanup_free_ char *legacy = NULL, *keyed = NULL;
        _cleanup_close_ int dfd = -1;
        struct stat st;
        int r;

        assert(dir);
        assert(key);
        assert(born);

        r = state_file_name(session_name, ".json", &legacy);
        if (r < 0)
                return r;
        r = state_file_name(key, ".json", &keyed);
        if (r < 0)
                return r;
        dfd = state_dir_open(dir, false);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        if (fstatat(dfd, legacy, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (!S_ISREG(st.st_mode))
                return 0; /* state_load() of the old name would have called it corrupt; nothing to carry over */
        /* Written after this directory came to be: this directory's state. A
         * directory made later, of the same name, is someone else's. */
        if (timespec_before(&st.st_mtim, born)) {
                log_notice("State file %s/%s is older than the session directory of that name now: "
                           "left as it is, the session's counters start afresh.", dir, legacy);
                return 0;
        }
        if (renameat2(dfd, legacy, dfd, keyed, RENAME_NOREPLACE) < 0)
                return errno == EEXIST ? 0 : negative_errno();
        log_debug("Moved the state file %s/%s to %s (counters keyed by owner and name)", dir, legacy, keyed);
        return 1;
}

int state_lock(const char *dir, const char *session_name, int *ret_fd) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -1, fd = -1;
        struct stat st;
        int r;

        assert(dir);
        assert(ret_fd);

        r = state_file_name(session_name, ".lock", &name);
        if (r < 0)
                return r;
        dfd = state_dir_open(dir, true);
        if (dfd < 0)
                return log_error_errno(dfd, "Failed to create the state directory %s: %m", dir);

        fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open the lock file %s/%s: %m", dir, name);
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return log_error_errno(-EBADFD, "Lock file %s/%s is not a regular file, remove it", dir,
                                       name);

        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to lock %s/%s: %m", dir, name);

        /* With the lock held, a temporary of the state file can only be a
         * killed run's. */
        free(name);
        name = NULL;
        r = state_file_name(session_name, ".json", &name);
        if (r >= 0)
                (void) remove_stale_temporaries_at(dfd, name);

        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int get_counter(json_object *o, const char *key, uint64_t *ret) {
        int64_t v;
        int r;

        r = json_get_int64(o, key, &v);
        if (r < 0)
                return -EBADMSG;
        if (v < 0)
                return -ERANGE;
        *ret = (uint64_t) v;
        return 0;
}

static bool null_or_missing(json_object *o, const char *key) {
        json_object *v;

        return !json_object_object_get_ex(o, key, &v) || !v;
}

/* A missing key or null gives NULL; anything but a short string is corrupt. */
static int get_nullable_string(json_object *o, const char *key, size_t max, char **ret) {
        json_object *v;
        const char *s;

        if (null_or_missing(o, key)) {
                *ret = NULL;
                return 0;
        }
        v = json_object_object_get(o, key);
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(v);
        if (strlen(s) > max || (size_t) json_object_get_string_len(v) != strlen(s))
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* o's "last_report": {"time_ms", "success", "error"}, each may be null; a missing one is "never". */
static int parse_last_report(json_object *o, int64_t *ret_time, int *ret_success, char **ret_error) {
        json_object *last;
        int64_t t;
        bool b;
        int r;

        if (null_or_missing(o, "last_report"))
                return 0;
        last = json_get_object(o, "last_report");
        if (!last)
                return -EBADMSG;

        r = json_get_int64(last, "time_ms", &t);
        if (r >= 0 && t >= 0)
                *ret_time = t;
        else if (r >= 0 || !null_or_missing(last, "time_ms"))
                return -EBADMSG;

        r = json_get_bool(last, "success", &b);
        if (r >= 0)
                *ret_success = b;
        else if (!null_or_missing(last, "success"))
                return -EBADMSG;

        r = get_nullable_string(last, "error", STATE_ERROR_MAX, ret_error);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        return 0;
}

/* "additional_endpoints": missing in files of older versions. */
static int parse_endpoints(json_object *o, State *s) {
        json_object *a;
        size_t n;
        int r;

        if (null_or_missing(o, "additional_endpoints"))
                return 0;
        a = json_get_array(o, "additional_endpoints");
        if (!a)
                return -EBADMSG;
        n = json_object_array_length(a);
        if (n > STATE_ENDPOINTS_MAX)
                return -EBADMSG;
        s->endpoints = calloc(n ?: 1, sizeof *s->endpoints);
        if (!s->endpoints)
                return -ENOMEM;
        s->n_endpoints_allocated = n ?: 1;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                StateEndpoint *p = &s->endpoints[i];

                *p = (StateEndpoint) { .last_success = -1 };
                s->n_endpoints++;
                if (!json_object_is_type(e, json_type_object))
                        return -EBADMSG;
                if ((r = get_nullable_string(e, "url", STATE_ID_MAX * 8, &p->url)) < 0 ||
                    (r = get_counter(e, "total_success", &p->total_success)) < 0 ||
                    (r = get_counter(e, "total_failed", &p->total_failed)) < 0 ||
                    (r = json_get_bool(e, "pending", &p->pending)) < 0 ||
                    (r = parse_last_report(e, &p->last_time_ms, &p->last_success, &p->last_error)) < 0)
                        return r == -ENOMEM ? r : -EBADMSG;
                if (!p->url)
                        return -EBADMSG;
        }
        return 0;
}

static int state_parse(const char *buf, size_t size, State *ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(state_done) State s = { .last_success = -1 };
        int r;

        r = json_parse_strict(buf, size, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;

        if ((r = get_counter(o, "seq_number", &s.seq_number)) < 0 ||
            (r = get_counter(o, "total_success", &s.total_success)) < 0 ||
            (r = get_counter(o, "total_failed", &s.total_failed)) < 0 ||
            (r = json_get_bool(o, "pending", &s.pending)) < 0 ||
            (r = get_nullable_string(o, "session_id", STATE_ID_MAX, &s.session_id)) < 0 ||
            (r = get_nullable_string(o, "fallback_session_id", STATE_ID_MAX, &s.fallback_session_id)) < 0)
                return r == -ENOMEM ? r : -EBADMSG;

        if (null_or_missing(o, "ray_success"))
                s.ray_success = s.total_success;
        else if ((r = get_counter(o, "ray_success", &s.ray_success)) < 0 || s.ray_success > s.total_success)
                return -EBADMSG;

        r = parse_last_report(o, &s.last_time_ms, &s.last_success, &s.last_error);
        if (r < 0)
                return r;
        r = parse_endpoints(o, &s);
        if (r < 0)
                return r;

        *ret = s;
        s = (State) {};
        return 0;
}

/* What read_file_at() says about a planted link, directory, device or huge file. */
static bool read_error_means_corrupt(int r) {
        return r == -ELOOP || r == -EISDIR || r == -EBADFD || r == -EFBIG;
}

static int state_load_internal(const char *dir, const char *session_name, bool move_aside, State *ret) {
        _cleanup_free_ char *name = NULL, *aside = NULL, *buf = NULL;
        _cleanup_close_ int dfd = -1;
        const char *reason;
        size_t size;
        int r;

        assert(dir);
        assert(ret);

        *ret = (State) { .last_success = -1 };

        r = state_file_name(session_name, ".json", &name);
        if (r < 0)
                return r;

        dfd = state_dir_open(dir, false);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return log_error_errno(dfd, "Failed to open the state directory %s: %m", dir);

        r = read_file_at(dfd, name, STATE_FILE_MAX, READ_NOFOLLOW | READ_REGULAR, 0, &buf, &size);
        if (r == -ENOENT)
                return 0;
        if (r >= 0) {
                r = state_parse(buf, size, ret);
                if (r >= 0 || r == -ENOMEM)
                        return r;
        } else if (!read_error_means_corrupt(r))
                return log_error_errno(r, "Failed to read the state file %s/%s: %m", dir, name);

        reason = r == -EBADMSG ? "not the JSON this program writes" : strerror(-r);
        if (!move_aside) {
                log_warning("State file %s/%s is corrupt (%s), showing empty counters.", dir, name, reason);
                return 0;
        }

        if (asprintf(&aside, "%s.corrupt", name) < 0)
                return -ENOMEM;
        if (renameat(dfd, name, dfd, aside) < 0)
                return log_error_errno(negative_errno(),
                                       "State file %s/%s is corrupt, and moving it aside failed; remove it: %m",
                                       dir, name);
        log_warning("State file %s/%s was corrupt (%s); moved it to %s and restarted this session's "
                    "counters from zero.", dir, name, reason, aside);
        return 0;
}

int state_load(const char *dir, const char *session_name, State *ret) {
        return state_load_internal(dir, session_name, true, ret);
}

int state_load_readonly(const char *dir, const char *session_name, State *ret) {
        return state_load_internal(dir, session_name, false, ret);
}

int state_list_sessions(const char *dir, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        struct dirent *e;
        int r = 0;

        assert(dir);
        assert(ret);

        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return negative_errno();
                *ret = NULL;
                return 0;
        }
        while ((e = readdir(d))) {
                size_t n = strlen(e->d_name);
                char *name;

                if (strncmp(e->d_name, "session_", 8) != 0 || n <= 5 || !streq(e->d_name + n - 5, ".json"))
                        continue;
                name = strndup(e->d_name, n - 5);
                if (!name || (r = strv_push(&l, name)) < 0) {
                        free(name);
                        r = -ENOMEM;
                        break;
                }
        }
        closedir(d);
        if (r < 0)
                return r;
        strv_sort_unique(l);
        *ret = TAKE_PTR(l);
        return 0;
}

static json_object *string_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

/* Counters never exceed INT64_MAX: see counter_inc(). */
static int add_counter(json_object *o, const char *key, uint64_t v) {
        return json_object_object_add(o, key, json_object_new_int64((int64_t) v));
}

static json_object *last_report_json(int64_t time_ms, int success, const char *error) {
        _cleanup_json_ json_object *last = json_object_new_object();

        if (!last ||
            json_object_object_add(last, "time_ms", time_ms > 0 ? json_object_new_int64(time_ms) : NULL) < 0 ||
            json_object_object_add(last, "success", success >= 0 ? json_object_new_boolean(success) : NULL) < 0 ||
            json_object_object_add(last, "error", string_or_null(error)) < 0)
                return NULL;
        return TAKE_PTR(last);
}

static json_object *endpoints_json(const State *s) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < s->n_endpoints; i++) {
                const StateEndpoint *p = &s->endpoints[i];
                json_object *e = json_object_new_object();

                if (!e || json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        return NULL;
                }
                if (json_object_object_add(e, "url", json_object_new_string(p->url)) < 0 ||
                    add_counter(e, "total_success", p->total_success) < 0 ||
                    add_counter(e, "total_failed", p->total_failed) < 0 ||
                    json_object_object_add(e, "pending", json_object_new_boolean(p->pending)) < 0 ||
                    json_object_object_add(e, "last_report",
                                           last_report_json(p->last_time_ms, p->last_success, p->last_error)) < 0)
                        return NULL;
        }
        return TAKE_PTR(a);
}

int state_save(const char *dir, const char *session_name, const State *s) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *name = NULL, *text = NULL, *data = NULL;
        json_object *last, *endpoints;
        _cleanup_close_ int dfd = -1;
        int r;

        assert(dir);
        assert(s);
        assert(s->last_success >= -1 && s->last_success <= 1);

        r = state_file_name(session_name, ".json", &name);
        if (r < 0)
                return r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        if (add_counter(o, "seq_number", s->seq_number) < 0 ||
            add_counter(o, "total_success", s->total_success) < 0 ||
            add_counter(o, "total_failed", s->total_failed) < 0 ||
            add_counter(o, "ray_success", s->ray_success) < 0 ||
            json_object_object_add(o, "pending", json_object_new_boolean(s->pending)) < 0 ||
            json_object_object_add(o, "session_id", string_or_null(s->session_id)) < 0 ||
            json_object_object_add(o, "fallback_session_id", string_or_null(s->fallback_session_id)) < 0)
                return -ENOMEM;
        last = last_report_json(s->last_time_ms, s->last_success, s->last_error);
        if (!last || json_object_object_add(o, "last_report", last) < 0) {
                json_object_put(last);
                return -ENOMEM;
        }
        if (s->n_endpoints > 0) {
                endpoints = endpoints_json(s);
                if (!endpoints || json_object_object_add(o, "additional_endpoints", endpoints) < 0) {
                        json_object_put(endpoints);
                        return -ENOMEM;
                }
        }

        r = json_dump_python(o, &text);
        if (r < 0)
                return r;
        if (asprintf(&data, "%s\n", text) < 0)
                return -ENOMEM;

        dfd = state_dir_open(dir, true);
        if (dfd < 0)
                return log_error_errno(dfd, "Failed to create the state directory %s: %m", dir);
        r = write_file_atomic_at(dfd, name, data, strlen(data), 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write the state file %s/%s: %m", dir, name);
        return 0;
}

/* Counters saturate instead of wrapping into values a later load would refuse. */
static void counter_inc(uint64_t *c) {
        if (*c < INT64_MAX)
                (*c)++;
}

void state_begin_attempt(State *s) {
        assert(s);

        for (size_t i = 0; i < s->n_endpoints; i++)
                if (s->endpoints[i].pending) {
                        counter_inc(&s->endpoints[i].total_failed);
                        s->endpoints[i].pending = false;
                }
        if (!s->pending)
                return;
        counter_inc(&s->total_failed);
        s->pending = false;
}

void state_reserve_seq(State *s, uint64_t *ret_seq) {
        assert(s);
        assert(ret_seq);
        assert(!s->pending);

        *ret_seq = s->seq_number;
        counter_inc(&s->seq_number);
        s->pending = true;
}

/* Shown by `status` on a terminal: nothing but printable ASCII, and capped. */
static int sanitized_error(const char *error, char **ret) {
        char *e;

        *ret = NULL;
        if (!error)
                return 0;
        e = strndup(error, strnlen(error, STATE_ERROR_MAX));
        if (!e)
                return -ENOMEM;
        for (char *p = e; *p; p++)
                if (*p < 0x20 || *p > 0x7e)
                        *p = '?';
        *ret = e;
        return 0;
}

int state_finish_attempt(State *s, bool success, bool to_ray, const char *error, int64_t now_ms) {
        char *e;

        assert(s);

        if (sanitized_error(error, &e) < 0)
                return -ENOMEM;
        s->pending = false;
        counter_inc(success ? &s->total_success : &s->total_failed);
        if (success && to_ray)
                counter_inc(&s->ray_success);
        s->last_time_ms = now_ms;
        s->last_success = success;
        free(s->last_error);
        s->last_error = e;
        return 0;
}

static StateEndpoint *endpoint_find(State *s, const char *url) {
        for (size_t i = 0; i < s->n_endpoints; i++)
                if (streq(s->endpoints[i].url, url))
                        return &s->endpoints[i];
        return NULL;
}

int state_endpoint_reserve(State *s, const char *url) {
        StateEndpoint *e;

        assert(s);
        assert(url);

        e = endpoint_find(s, url);
        if (!e) {
                if (s->n_endpoints >= STATE_ENDPOINTS_MAX)
                        return -E2BIG;
                if (GREEDY_REALLOC(s->endpoints, s->n_endpoints_allocated, s->n_endpoints + 1) < 0)
                        return -ENOMEM;
                e = &s->endpoints[s->n_endpoints];
                *e = (StateEndpoint) { .url = strdup(url), .last_success = -1 };
                if (!e->url)
                        return -ENOMEM;
                s->n_endpoints++;
        }
        e->pending = true;
        return 0;
}

int state_endpoint_finish(State *s, const char *url, bool success, const char *error, int64_t now_ms) {
        StateEndpoint *e;
        char *m;

        assert(s);
        assert(url);

        e = endpoint_find(s, url);
        if (!e || !e->pending)
                return -ENOENT;
        if (sanitized_error(error, &m) < 0)
                return -ENOMEM;
        e->pending = false;
        counter_inc(success ? &e->total_success : &e->total_failed);
        e->last_time_ms = now_ms;
        e->last_success = success;
        free(e->last_error);
        e->last_error = m;
        return 0;
}

int state_generate_session_id(char **ret) {
        uint8_t b[16];
        ssize_t n;
        char *p;

        assert(ret);

        do
                n = getrandom(b, sizeof b, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if ((size_t) n != sizeof b)
                return -EIO;

        b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
        b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */

        if (asprintf(&p,
                     "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                     b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}
