/* SPDX-License-Identifier: MIT */
#include "fuzz.h"
#include "shared/json-util.h"

/* json_dump_python() writes every file this program leaves behind (config,
 * state, usage_stats.json) and re-serialises a user's config file with keys
 * it does not know: whatever json_parse_strict() accepts must dump to strict
 * JSON that parses back to an equal document. The one exception: NaN, which
 * json-c accepts as Python does, has no JSON form and becomes null. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *a = NULL, *b = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL;

        if (json_parse_strict((const char *) data, size, &a) < 0)
                return 0;

        fuzz_assert(json_dump_python(a, &text) == 0);
        fuzz_assert(json_parse_strict(text, strlen(text), &b) == 0);
        fuzz_assert(fuzz_json_equal(a, b));

        /* The output is a fixed point: dumping it again changes nothing. */
        fuzz_assert(json_dump_python(b, &text2) == 0);
        fuzz_assert(streq(text, text2));
        return 0;
}
