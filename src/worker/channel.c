/* SPDX-License-Identifier: MIT */
#include <endian.h>
#include <poll.h>
#include <sys/socket.h>

#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/time-util.h"
#include "worker/channel.h"

int channel_send(int fd, json_object *o) {
        const char *text;
        uint32_t be;
        size_t size;
        int r;

        assert(fd >= 0);
        assert(o);

        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        if (!text)
                return -ENOMEM;
        size = strlen(text);
        if (size > CHANNEL_MESSAGE_MAX)
                return -EMSGSIZE;

        be = htobe32((uint32_t) size);
        r = loop_write(fd, &be, sizeof be, WRITE_NOSIGNAL);
        if (r < 0)
                return r;
        return loop_write(fd, text, size, WRITE_NOSIGNAL);
}

/* Reads exactly size bytes before deadline (CLOCK_MONOTONIC; USEC_INFINITY: none). */
static int recv_all(int fd, void *data, size_t size, usec_t deadline, bool *ret_started) {
        char *p = data;

        while (size > 0) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                int timeout = -1;
                ssize_t n;

                if (deadline != USEC_INFINITY) {
                        usec_t t = now(CLOCK_MONOTONIC);

                        if (t >= deadline)
                                return -ETIMEDOUT;
                        timeout = (deadline - t) / USEC_PER_MSEC >= INT32_MAX ? INT32_MAX :
                                  (int) ((deadline - t + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
                }
                n = poll(&pfd, 1, timeout);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -ETIMEDOUT;

                n = recv(fd, p, size, 0);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return *ret_started ? -EBADMSG : -ENODATA;
                *ret_started = true;
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int channel_recv(int fd, int timeout_ms, json_object **ret) {
        _cleanup_free_ char *buf = NULL;
        usec_t deadline = timeout_ms < 0 ? USEC_INFINITY : now(CLOCK_MONOTONIC) + (usec_t) timeout_ms * USEC_PER_MSEC;
        bool started = false;
        uint32_t be;
        size_t size;
        int r;

        assert(fd >= 0);
        assert(ret);

        r = recv_all(fd, &be, sizeof be, deadline, &started);
        if (r < 0)
                return r;
        size = be32toh(be);
        if (size > CHANNEL_MESSAGE_MAX)
                return -EBADMSG;
        buf = malloc(size ?: 1);
        if (!buf)
                return -ENOMEM;
        r = recv_all(fd, buf, size, deadline, &started);
        if (r < 0)
                return r;
        return channel_parse(buf, size, ret);
}

/* No message carries a fraction, and NaN, which json-c reads, would not
 * even equal itself: a number that is not an integer is refused. */
static bool shape_ok(json_object *o, unsigned depth) {
        if (depth > CHANNEL_MAX_DEPTH || json_object_is_type(o, json_type_double))
                return false;
        if (json_object_is_type(o, json_type_object)) {
                json_object_object_foreach(o, k, v) {
                        (void) k;
                        if (!shape_ok(v, depth + 1))
                                return false;
                }
        } else if (json_object_is_type(o, json_type_array)) {
                size_t n = json_object_array_length(o);

                for (size_t i = 0; i < n; i++)
                        if (!shape_ok(json_object_array_get_idx(o, i), depth + 1))
                                return false;
        }
        return true;
}

int channel_parse(const char *buf, size_t size, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        assert(buf || size == 0);
        assert(ret);

        if (size > CHANNEL_MESSAGE_MAX)
                return -EBADMSG;
        r = json_parse_strict(buf, size, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object) || !shape_ok(o, 1))
                return -EBADMSG;
        *ret = TAKE_PTR(o);
        return 0;
}

static int string_value(json_object *v, size_t max_len, const char **ret) {
        const char *s;
        int len;

        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(v);
        len = json_object_get_string_len(v);
        if (!s || len < 0 || (size_t) len > max_len || strlen(s) != (size_t) len)
                return -EBADMSG;
        *ret = s;
        return 0;
}

int channel_get_string(json_object *o, const char *key, size_t max_len, bool nullable, const char **ret) {
        json_object *v = NULL;

        assert(o);
        assert(key);
        assert(ret);

        if (!json_object_object_get_ex(o, key, &v) || !v) {
                if (!nullable)
                        return -EBADMSG;
                *ret = NULL;
                return 0;
        }
        return string_value(v, max_len, ret);
}

int channel_get_bool(json_object *o, const char *key, bool *ret) {
        json_object *v = NULL;

        assert(o);
        assert(key);
        assert(ret);

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(v);
        return 0;
}

int channel_get_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret) {
        json_object *v = NULL;
        int64_t i;

        assert(o);
        assert(key);
        assert(ret);

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        errno = 0;
        i = json_object_get_int64(v);
        /* json-c clamps what does not fit and says so in errno. */
        if (errno != 0 || i < min || i > max)
                return -EBADMSG;
        *ret = i;
        return 0;
}

int channel_get_strv(json_object *o, const char *key, size_t max_items, size_t max_len, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        json_object *v = NULL;
        size_t n;
        int r;

        assert(o);
        assert(key);
        assert(ret);

        if (!json_object_object_get_ex(o, key, &v) || !v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(v);
        if (n > max_items)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                const char *s;
                char *copy;

                r = string_value(json_object_array_get_idx(v, i), max_len, &s);
                if (r < 0)
                        return r;
                copy = strdup(s);
                if (!copy)
                        return -ENOMEM;
                r = strv_push(&l, copy);
                if (r < 0) {
                        free(copy);
                        return r;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int channel_add(json_object *o, const char *key, json_object *v) {
        assert(o);
        assert(key);

        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

json_object *channel_string_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}
