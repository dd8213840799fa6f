/* SPDX-License-Identifier: MIT */
#include "fuzz.h"
#include "report/extra-tags.h"
#include "shared/json-util.h"

/* RAY_USAGE_STATS_EXTRA_TAGS comes from the environment of the unit. */

/* An independent transcription of Ray's parser, for a differential check:
 *
 *     for item in s.strip(";").split(";"):
 *         k, v = item.split("=")      # raises (and stops) unless exactly one "="
 *         tags[k] = v
 */
static json_object *reference_parse(const char *s) {
        json_object *tags = json_object_new_object();
        size_t b = 0, e = strlen(s);

        fuzz_assert(tags);
        if (e == 0)
                return tags;
        while (b < e && s[b] == ';')
                b++;
        while (e > b && s[e - 1] == ';')
                e--;
        for (size_t i = b;;) {
                size_t j = i, eq = SIZE_MAX, n_eq = 0;

                for (; j < e && s[j] != ';'; j++)
                        if (s[j] == '=') {
                                n_eq++;
                                if (eq == SIZE_MAX)
                                        eq = j;
                        }
                if (n_eq != 1)
                        break;
                {
                        _cleanup_free_ char *k = strndup(s + i, eq - i);

                        fuzz_assert(k);
                        json_object_object_add(tags, k, json_object_new_string_len(s + eq + 1, (int) (j - eq - 1)));
                }
                if (j >= e)
                        break;
                i = j + 1;
        }
        return tags;
}

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = fuzz_strndup(data, size), *text = NULL;
        _cleanup_json_ json_object *tags = NULL, *expected = NULL;
        int r;

        r = extra_tags_parse(s, &tags);
        if (r == -E2BIG) {
                fuzz_assert(strlen(s) > EXTRA_TAGS_MAX);
                return 0;
        }
        fuzz_assert(r == 0);
        fuzz_assert(json_object_is_type(tags, json_type_object));
        expected = reference_parse(s);
        fuzz_assert(json_object_equal(tags, expected));

        /* Every tag is a string whose key and value come from the input
         * without ";" in them, and the object goes into a report. */
        json_object_object_foreach(tags, key, value) {
                fuzz_assert(json_object_is_type(value, json_type_string));
                fuzz_assert(!strchr(key, ';') && !strchr(key, '='));
                fuzz_assert(!memchr(json_object_get_string(value), ';',
                                    (size_t) json_object_get_string_len(value)));
                fuzz_assert(!memchr(json_object_get_string(value), '=',
                                    (size_t) json_object_get_string_len(value)));
        }
        fuzz_assert(json_dump_python(tags, &text) == 0);
        return 0;
}
