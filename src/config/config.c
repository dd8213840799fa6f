/* SPDX-License-Identifier: MIT */
#include <fcntl.h>

#include "config/config.h"
#include "config/replace-file.h"
#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/log.h"

int config_path(const char *home, char **ret) {
        const char *e;
        char *p;

        assert(ret);

        e = getenv("RAY_USAGE_STATS_CONFIG_PATH");
        if (!isempty(e))
                p = strdup(e);
        else {
                if (isempty(home))
                        return -ENOENT;
                if (asprintf(&p, "%s%s.ray/config.json", home, home[strlen(home) - 1] == '/' ? "" : "/") < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* Loads the file as a JSON object. -ENOENT for a missing file, -EBADMSG for
 * content that is not a JSON object, other negative errnos for read failures. */
static int load_object(const char *path, json_object **ret) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_json_ json_object *o = NULL;
        size_t size;
        int r;

        r = read_file_at(AT_FDCWD, path, CONFIG_MAX_SIZE, 0, 0, &buf, &size);
        if (r < 0)
                return r;
        if (size == 0) {
                log_debug("Config file %s is empty", path);
                return -EBADMSG;
        }
        r = json_parse_strict(buf, size, &o);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_debug("Config file %s is not valid UTF-8 JSON nesting at most %d levels", path, JSON_MAX_DEPTH);
                return -EBADMSG;
        }
        if (!json_object_is_type(o, json_type_object)) {
                log_debug("Config file %s does not hold a JSON object", path);
                return -EBADMSG;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

int config_read(const char *path, ConfigSetting *ret, char **ret_value) {
        _cleanup_json_ json_object *o = NULL;
        json_object *v;
        char *text;
        int r;

        assert(path);
        assert(ret);

        if (ret_value)
                *ret_value = NULL;

        r = load_object(path, &o);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Ray ignores every problem with this file; so do we, for the
                 * same decision, but say why when asked to. */
                if (r != -EBADMSG)
                        log_debug_errno(r, "Ignoring config file %s: %m", path);
                *ret = CONFIG_SETTING_UNSET;
                return 0;
        }

        if (!json_object_object_get_ex(o, "usage_stats", &v) || json_object_is_type(v, json_type_null)) {
                log_debug("Config file %s does not set \"usage_stats\"", path);
                *ret = CONFIG_SETTING_UNSET;
                return 0;
        }
        if (json_object_is_type(v, json_type_boolean)) {
                *ret = json_object_get_boolean(v) ? CONFIG_SETTING_TRUE : CONFIG_SETTING_FALSE;
                return 0;
        }

        if (ret_value) {
                r = json_dump_python(v, &text);
                if (r < 0)
                        return r;
                *ret_value = text;
        }
        *ret = CONFIG_SETTING_INVALID;
        return 0;
}

int config_write(const char *path, bool enabled) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *text = NULL;
        json_object *b;
        int r;

        assert(path);

        /* Refused before anything is read through a link or from another user's file. */
        r = replace_file_check(path);
        if (r < 0)
                return r;

        r = load_object(path, &o);
        /* A file of root's that is not a config is not root's config either
         * (docs/design.md §4.2): the path may be another user's choice. */
        if (r == -EBADMSG && geteuid() == 0)
                return r;
        if (r == -EBADMSG || r == -ENOENT) {
                o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
        } else if (r < 0)
                return r;

        b = json_object_new_boolean(enabled);
        if (!b)
                return -ENOMEM;
        /* Replacing an existing key keeps its position, as a Python dict does. */
        if (json_object_object_add(o, "usage_stats", b) < 0) {
                json_object_put(b);
                return -ENOMEM;
        }

        r = json_dump_python(o, &text);
        if (r < 0)
                return r;

        return replace_file(path, text, strlen(text), 0644);
}
