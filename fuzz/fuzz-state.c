/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "fuzz.h"
#include "state/state.h"

/* The counters file lives in our own state directory, but a crash, a full
 * disk or a curious administrator can leave anything there. Loading must
 * never fail on content (a corrupt file is moved aside and counting restarts),
 * and whatever loads must survive a save and load unchanged. */

#define NAME "session_2025-11-26_12-00-00_123456_4242"

static char dir[128], path[192];

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        snprintf(dir, sizeof dir, "%s/state", fuzz_scratch_dir());
        fuzz_assert(mkdir(dir, 0755) == 0);
        snprintf(path, sizeof path, "%s/" NAME ".json", dir);
        return 0;
}

static void assert_same(const State *a, const State *b) {
        fuzz_assert(a->seq_number == b->seq_number);
        fuzz_assert(a->total_success == b->total_success);
        fuzz_assert(a->total_failed == b->total_failed);
        fuzz_assert(a->pending == b->pending);
        fuzz_assert(streq_ptr(a->session_id, b->session_id));
        fuzz_assert(streq_ptr(a->fallback_session_id, b->fallback_session_id));
        fuzz_assert(a->last_time_ms == b->last_time_ms);
        fuzz_assert(a->last_success == b->last_success);
        fuzz_assert(streq_ptr(a->last_error, b->last_error));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(state_done) State s = {}, ro = {}, t = {};
        struct stat st;
        uint64_t seq;

        fuzz_write_file(path, data, size);

        fuzz_assert(state_load_readonly(dir, NAME, &ro) == 0);
        fuzz_assert(state_load(dir, NAME, &s) == 0);
        assert_same(&s, &ro);
        fuzz_assert(s.last_success >= -1 && s.last_success <= 1);
        fuzz_assert(s.seq_number <= INT64_MAX && s.total_success <= INT64_MAX && s.total_failed <= INT64_MAX);
        /* Loaded or moved aside: never left in place unread. */
        if (stat(path, &st) < 0)
                fuzz_assert(s.seq_number == 0 && !s.pending && s.last_success == -1);

        fuzz_assert(state_save(dir, NAME, &s) == 0);
        fuzz_assert(state_load(dir, NAME, &t) == 0);
        assert_same(&s, &t);

        /* One more attempt, as cmd-report runs it, and the counters move by one. */
        state_begin_attempt(&t);
        if (t.seq_number < INT64_MAX) {
                state_reserve_seq(&t, &seq);
                fuzz_assert(seq == s.seq_number);
                fuzz_assert(state_finish_attempt(&t, size % 2, size % 4 >= 2, "x\n\xff", 1) == 0);
                fuzz_assert(state_save(dir, NAME, &t) == 0);
                state_done(&s);
                fuzz_assert(state_load(dir, NAME, &s) == 0);
                assert_same(&s, &t);
                fuzz_assert(s.seq_number == seq + 1);
        }
        return 0;
}
