/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "fuzz.h"
#include "shared/json-util.h"

/* json_dump_python() writes every file this program leaves behind (config,
 * state, usage_stats.json) and re-serialises a user's config file with keys
 * it does not know: whatever json_parse_strict() accepts must dump to strict
 * JSON that parses back to an equal document. The one exception: NaN, which
 * json-c accepts as Python does, has no JSON form and becomes null. */

static bool equal(json_object *a, json_object *b) {
        if (json_object_is_type(a, json_type_double) && isnan(json_object_get_double(a)))
                return !b;
        if (json_object_get_type(a) != json_object_get_type(b))
                return false;
        switch (json_object_get_type(a)) {
        case json_type_array:
                if (json_object_array_length(a) != json_object_array_length(b))
                        return false;
                for (size_t i = 0; i < json_object_array_length(a); i++)
                        if (!equal(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
                                return false;
                return true;
        case json_type_object:
                if (json_object_object_length(a) != json_object_object_length(b))
                        return false;
                json_object_object_foreach(a, key, value) {
                        json_object *w;

                        if (!json_object_object_get_ex(b, key, &w) || !equal(value, w))
                                return false;
                }
                return true;
        default:
                return json_object_equal(a, b);
        }
}

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
        fuzz_assert(equal(a, b));

        /* The output is a fixed point: dumping it again changes nothing. */
        fuzz_assert(json_dump_python(b, &text2) == 0);
        fuzz_assert(streq(text, text2));
        return 0;
}
