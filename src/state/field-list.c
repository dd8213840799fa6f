/* SPDX-License-Identifier: MIT */
#include <fcntl.h>

#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "state/field-list.h"

#define FIELDS_FILE "fields.json"
#define FIELDS_FILE_MAX (64 * 1024)
#define FIELD_NAME_MAX 128

void field_notice_done(FieldNotice *n) {
        assert(n);

        strv_free(n->added);
        strv_free(n->removed);
        *n = (FieldNotice) {};
}

static int strv_from_json(json_object *a, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n;

        *ret = NULL;
        if (!a)
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(a);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                char *s;

                if (!json_object_is_type(e, json_type_string) ||
                    (size_t) json_object_get_string_len(e) > FIELD_NAME_MAX)
                        return -EBADMSG;
                s = strdup(json_object_get_string(e));
                if (!s || strv_push(&l, s) < 0) {
                        free(s);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* The saved list and notice; an unreadable or corrupt file is no list. */
static int load(const char *dir, char ***ret_names, FieldNotice *ret_notice) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int dfd = -1;
        json_object *notice;
        size_t size;
        int r;

        *ret_names = NULL;
        *ret_notice = (FieldNotice) {};
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return 0;
        r = read_file_at(dfd, FIELDS_FILE, FIELDS_FILE_MAX, READ_NOFOLLOW | READ_REGULAR, 0, &buf, &size);
        if (r < 0 || json_parse_strict(buf, size, &o) < 0 || !json_object_is_type(o, json_type_object))
                return r == -ENOMEM ? r : 0;

        r = strv_from_json(json_get_array(o, "fields"), ret_names);
        if (r == -ENOMEM)
                return r;
        notice = json_get_object(o, "notice");
        if (r >= 0 && notice) {
                if (json_get_int64(notice, "time_ms", &ret_notice->time_ms) < 0 ||
                    (r = strv_from_json(json_get_array(notice, "added"), &ret_notice->added)) < 0 ||
                    (r = strv_from_json(json_get_array(notice, "removed"), &ret_notice->removed)) < 0)
                        field_notice_done(ret_notice);
        }
        if (r == -ENOMEM) {
                strv_free(*ret_names);
                *ret_names = NULL;
                field_notice_done(ret_notice);
                return r;
        }
        return 0;
}

static int save(const char *dir, char *const *names, const FieldNotice *notice) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dfd = -1;
        json_object *n = NULL;
        int r;

        if (!o)
                return -ENOMEM;
        if (notice) {
                n = json_object_new_object();
                if (!n || json_object_object_add(o, "notice", n) < 0) {
                        json_object_put(n);
                        return -ENOMEM;
                }
                if (json_object_object_add(n, "time_ms", json_object_new_int64(notice->time_ms)) < 0 ||
                    json_object_object_add(n, "added", json_array_from_strv(notice->added)) < 0 ||
                    json_object_object_add(n, "removed", json_array_from_strv(notice->removed)) < 0)
                        return -ENOMEM;
        } else if (json_object_object_add(o, "notice", NULL) < 0)
                return -ENOMEM;
        if (json_object_object_add(o, "fields", json_array_from_strv(names)) < 0)
                return -ENOMEM;
        r = json_dump_python(o, &text);
        if (r < 0)
                return r;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        return write_file_atomic_at(dfd, FIELDS_FILE, text, strlen(text), 0644);
}

static int difference(char *const *a, char *const *b, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        for (char *const *p = a; p && *p; p++) {
                char *s;

                if (strv_contains(b, *p))
                        continue;
                s = strdup(*p);
                if (!s || strv_push(&l, s) < 0) {
                        free(s);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int field_list_update(const char *dir, char *const *names, int64_t now_ms, FieldNotice *ret) {
        _cleanup_strv_free_ char **old = NULL;
        _cleanup_(field_notice_done) FieldNotice kept = {}, notice = {};
        int r;

        assert(dir);
        assert(ret);

        *ret = (FieldNotice) {};
        r = load(dir, &old, &kept);
        if (r < 0)
                return r;

        if (old) {
                r = difference(names, old, &notice.added);
                if (r < 0)
                        return r;
                r = difference(old, names, &notice.removed);
                if (r < 0)
                        return r;
        }
        if (!notice.added && !notice.removed) {
                /* Same list (or the first one ever): a kept notice has been seen by one report. */
                if (old && !kept.time_ms)
                        return 0;
                r = save(dir, names, NULL);
                return r < 0 ? r : 0;
        }

        notice.time_ms = now_ms;
        r = save(dir, names, &notice);
        if (r < 0)
                return r;
        *ret = notice;
        notice = (FieldNotice) {};
        return 1;
}

int field_list_notice(const char *dir, FieldNotice *ret) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        assert(dir);
        assert(ret);

        r = load(dir, &names, ret);
        if (r < 0)
                return r;
        return ret->time_ms > 0;
}
