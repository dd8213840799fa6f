/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "config/config.h"
#include "fuzz.h"
#include "shared/json-util.h"

/* ~/.ray/config.json belongs to the Ray user, and Ray itself rewrites it.
 * config_read() must decide from any bytes without failing; config_write()
 * (enable/disable) must then leave a file that reads back as the value
 * written, with every other key of a JSON object kept (run as root: a file
 * that is not a JSON object is refused and left as it was). */

static char path[128];

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        snprintf(path, sizeof path, "%s/config.json", fuzz_scratch_dir());
        return 0;
}

/* The document as a JSON object without "usage_stats", or NULL when it is not an object. */
static json_object *others(const char *buf, size_t size) {
        json_object *o = NULL;

        if (size == 0 || json_parse_strict(buf, size, &o) < 0)
                return NULL;
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return NULL;
        }
        json_object_object_del(o, "usage_stats");
        return o;
}

static void check_read(const uint8_t *data, size_t size, ConfigSetting setting, const char *value) {
        _cleanup_json_ json_object *o = NULL;
        json_object *v;
        ConfigSetting expected = CONFIG_SETTING_UNSET;

        if (size > 0 && json_parse_strict((const char *) data, size, &o) == 0 &&
            json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "usage_stats", &v) && v) {
                if (json_object_is_type(v, json_type_boolean))
                        expected = json_object_get_boolean(v) ? CONFIG_SETTING_TRUE : CONFIG_SETTING_FALSE;
                else
                        expected = CONFIG_SETTING_INVALID;
        }
        fuzz_assert(setting == expected);
        fuzz_assert((setting == CONFIG_SETTING_INVALID) == !!value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *before = NULL, *after = NULL;
        _cleanup_free_ char *value = NULL, *buf = NULL;
        bool enabled = size % 2;
        ConfigSetting setting;
        size_t n;
        FILE *f;

        fuzz_write_file(path, data, size);

        fuzz_assert(config_read(path, &setting, &value) == 0);
        check_read(data, size, setting, value);

        before = others((const char *) data, size);
        if (!before && geteuid() == 0) {
                /* Root never replaces what is not a JSON config (docs/design.md §4.2): refused, untouched. */
                fuzz_assert(config_write(path, enabled) == -EBADMSG);
                f = fopen(path, "re");
                fuzz_assert(f);
                buf = malloc(size + 1);
                fuzz_assert(buf);
                n = fread(buf, 1, size + 1, f);
                fclose(f);
                fuzz_assert(n == size && memcmp(buf, data, size) == 0);
                return 0;
        }
        fuzz_assert(config_write(path, enabled) == 0);
        free(value);
        value = NULL;
        fuzz_assert(config_read(path, &setting, &value) == 0);
        fuzz_assert(setting == (enabled ? CONFIG_SETTING_TRUE : CONFIG_SETTING_FALSE));

        f = fopen(path, "re");
        fuzz_assert(f);
        buf = malloc(size + 4096);
        fuzz_assert(buf);
        n = fread(buf, 1, size + 4096, f);
        fclose(f);

        after = others(buf, n);
        fuzz_assert(after);
        if (before)
                fuzz_assert(fuzz_json_equal(before, after));
        else
                fuzz_assert(json_object_object_length(after) == 0);
        return 0;
}
