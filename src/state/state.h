/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* The root parent's memory of each session: counters and the fields last
 * reported (field-list.h). Only the root parent touches it, under the lock;
 * it must not read the session itself nor journal.
 *
 * Per-session counters (docs/design.md §6), one JSON file "<dir>/<key>.json"
 * beside a lock file "<dir>/<key>.lock", where key is state_key(): the
 * functions below name a session's state by that key (their session_name
 * argument).
 *
 * The attempt protocol, which makes every run that may have reached the
 * endpoint count exactly once and never reuses a seq_number:
 *
 *     state_lock(dir, name, &lock_fd);      held until the run ends
 *     state_load(dir, name, &st);
 *     state_begin_attempt(&st);             a run that died mid-POST becomes a failure
 *     state_reserve_seq(&st, &seq);         only when a POST will follow
 *     build the report with seq_number = seq, total_success/total_failed = st's
 *     state_save(dir, name, &st);           BEFORE the POST (pending = true)
 *     POST
 *     state_finish_attempt(&st, ok, to_ray, error, now_ms);
 *     state_save(dir, name, &st);
 *     close(lock_fd);
 *
 * A run killed between the two saves leaves pending = true; the next run
 * counts it as failed, since its outcome is unknown. Saves are atomic
 * (temporary file + rename), so a kill never leaves a truncated file. */

/* Where the service keeps its state (StateDirectory=ray-usage-stats). */
#define STATE_SYSTEM_DIR "/var/lib/ray-usage-stats"

/* An additional endpoint's own counters (docs/design.md §6), kept per session beside
 * Ray's, which count Ray's endpoint only. */
typedef struct StateEndpoint {
        char *url;                 /* without user name and password */
        uint64_t total_success, total_failed;
        bool pending;              /* as State.pending */
        int64_t last_time_ms;      /* 0: never */
        int last_success;          /* -1 never, 0, 1 */
        char *last_error;
} StateEndpoint;

#define STATE_ENDPOINTS_MAX 32

typedef struct State {
        uint64_t seq_number, total_success, total_failed;
        /* Of total_success, those that reached Ray's own endpoint (the default
         * URL), which a deletion request may ask Ray about; the rest went to
         * a private RAY_USAGE_STATS_REPORT_URL. Files of older versions lack
         * it: all their successes are then taken to be Ray's. */
        uint64_t ray_success;
        bool pending;              /* a POST was about to be made and its outcome not recorded */
        char *session_id;          /* the session_id last reported, or NULL */
        char *fallback_session_id; /* random UUID for a session whose dashboard gives no cluster id */
        int64_t last_time_ms;      /* 0: never */
        int last_success;          /* -1 never, 0, 1 */
        char *last_error;
        StateEndpoint *endpoints;  /* every additional endpoint this session sent to */
        size_t n_endpoints, n_endpoints_allocated;
} State;

/* "<session_name>@<uid>": counters and the fallback session_id belong to the
 * Ray user's session of that name (docs/design.md §4.2), never to a name
 * alone, which anyone can give a directory in Ray's 0777 temp root. -EINVAL
 * for an empty name or one with "/" or "@". */
int state_key(uid_t uid, const char *session_name, char **ret);

/* Upgrade from versions that kept "<dir>/<session_name>.json": moves that
 * file to key's name when it was last written after born, when the session
 * directory came to be (session_dir_born()), so that it is this directory's
 * state; a directory made later under the same name starts afresh, and the
 * old file stays for deletion-request. Never replaces key's own file. Call
 * with key's lock held. Returns 1 when moved, 0 when not, or a negative
 * errno. */
int state_migrate(const char *dir, const char *session_name, const char *key, const struct timespec *born);

/* Frees the strings and resets *s to the empty state. */
void state_done(State *s);

/* The first entry of $STATE_DIRECTORY (systemd), else
 * $RAY_USAGE_STATS_STATE_DIR, else /var/lib/ray-usage-stats for euid 0, else
 * $XDG_STATE_HOME/ray-usage-stats (default ~/.local/state/ray-usage-stats).
 * Relative paths are refused with -EINVAL (a relative $XDG_STATE_HOME is
 * ignored, as the XDG specification says). */
int state_directory(char **ret);

/* Creates dir (0755) if missing, opens "<dir>/<session_name>.lock" (0600,
 * never through a link) and takes an exclusive flock, waiting for it. The
 * caller holds *ret_fd for the whole run so that concurrent runs serialise.
 * -EINVAL for a session name with "/" or a leading ".". */
int state_lock(const char *dir, const char *session_name, int *ret_fd);

/* Loads the counters; a missing file or directory gives the empty state
 * (last_success -1). A corrupt file (garbage, truncated by hand, wrong types
 * or ranges, a link or a directory) is renamed aside to
 * "<session_name>.json.corrupt" with one warning, and gives the empty state.
 * Call with the lock held. */
int state_load(const char *dir, const char *session_name, State *ret);

/* The same for `status`, without the lock and without moving a corrupt file
 * aside: it only warns and gives the empty state. */
int state_load_readonly(const char *dir, const char *session_name, State *ret);

/* The names of the sessions that have a state file in dir ("session_*.json",
 * never temporaries or files moved aside), sorted; an empty list when dir is
 * missing. For `deletion-request`: these files outlive the journal. */
int state_list_sessions(const char *dir, char ***ret);

/* Replaces the file atomically, mode 0644. Call with the lock held. */
int state_save(const char *dir, const char *session_name, const State *s);

/* A previous run that died between reserving and finishing counts as one
 * failure, now. */
void state_begin_attempt(State *s);

/* *ret_seq is the seq_number for this attempt's payload; s->seq_number moves
 * past it and s->pending is set. Requires a begun attempt (not pending). */
void state_reserve_seq(State *s, uint64_t *ret_seq);

/* Records the outcome: pending cleared, one success or failure counted (a
 * success to_ray, to Ray's own endpoint, also in ray_success), last_* set (error is sanitised to printable ASCII and capped). */
int state_finish_attempt(State *s, bool success, bool to_ray, const char *error, int64_t now_ms);

/* For an additional endpoint (url without credentials), what
 * state_reserve_seq() and state_finish_attempt() do for Ray's: marks an
 * attempt as pending, then records its outcome. state_begin_attempt() counts
 * a pending one as failed. -E2BIG when the session already has
 * STATE_ENDPOINTS_MAX endpoints (the attempt is then not counted). */
int state_endpoint_reserve(State *s, const char *url);
int state_endpoint_finish(State *s, const char *url, bool success, const char *error, int64_t now_ms);

/* A random UUIDv4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") from getrandom(),
 * never derived from host data. */
int state_generate_session_id(char **ret);
