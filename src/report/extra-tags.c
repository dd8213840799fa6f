/* SPDX-License-Identifier: MIT */
#include "report/extra-tags.h"
#include "shared/json-util.h"

int extra_tags_parse(const char *s, json_object **ret) {
        _cleanup_json_ json_object *tags = NULL;
        const char *p, *end;

        assert(ret);

        tags = json_object_new_object();
        if (!tags)
                return -ENOMEM;

        /* Ray skips an unset or empty variable altogether. */
        if (!isempty(s)) {
                size_t n = strnlen(s, EXTRA_TAGS_MAX + 1);

                if (n > EXTRA_TAGS_MAX)
                        return -E2BIG;

                /* Python's str.strip(";") trims the two ends only. What remains, even
                 * nothing, is split on ";" into at least one item. */
                p = s;
                end = s + n;
                while (p < end && *p == ';')
                        p++;
                while (end > p && end[-1] == ';')
                        end--;

                for (;;) {
                        const char *item_end = memchr(p, ';', (size_t) (end - p)), *eq;
                        _cleanup_free_ char *key = NULL;
                        json_object *v;

                        if (!item_end)
                                item_end = end;

                        /* "k, v = item.split('=')" needs exactly one "=": otherwise Ray's
                         * unpacking raises and the rest of the variable is dropped. */
                        eq = memchr(p, '=', (size_t) (item_end - p));
                        if (!eq || memchr(eq + 1, '=', (size_t) (item_end - eq - 1)))
                                break;

                        key = strndup(p, (size_t) (eq - p));
                        if (!key)
                                return -ENOMEM;
                        v = json_object_new_string_len(eq + 1, (int) (item_end - eq - 1));
                        if (!v)
                                return -ENOMEM;
                        if (json_object_object_add(tags, key, v) < 0) {
                                json_object_put(v);
                                return -ENOMEM;
                        }

                        if (item_end == end)
                                break;
                        p = item_end + 1;
                }
        }

        *ret = TAKE_PTR(tags);
        return 0;
}
