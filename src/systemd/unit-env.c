/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>

#include "config/sysconfig.h"
#include "shared/alloc-util.h"
#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/strv.h"
#include "systemd/unit-env.h"

#define SYSTEMD_SERVICE "org.freedesktop.systemd1"
#define UNIT_INTERFACE "org.freedesktop.systemd1.Unit"
#define SERVICE_INTERFACE "org.freedesktop.systemd1.Service"
#define UNIT_FILE_MAX (1024U * 1024U)
#define MANAGER_SOURCE "the service manager's environment (systemctl show-environment)"

#define PRODUCT_PREFIX "RAY_USAGE_STATS_"

void unit_properties_done(UnitProperties *p) {
        assert(p);

        strv_free(p->manager_environment);
        strv_free(p->environment);
        for (size_t i = 0; i < p->n_files; i++)
                free(p->files[i].path);
        free(p->files);
        free(p->fragment_path);
        strv_free(p->dropin_paths);
        *p = (UnitProperties) {};
}

static int read_environment_files(sd_bus *bus, const char *path, UnitProperties *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *file;
        int ignore, r;

        r = sd_bus_get_property(bus, SYSTEMD_SERVICE, path, SERVICE_INTERFACE, "EnvironmentFiles", NULL, &reply,
                                "a(sb)");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sb)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sb)", &file, &ignore)) > 0) {
                if (GREEDY_REALLOC(p->files, p->files_allocated, p->n_files + 1) < 0)
                        return -ENOMEM;
                p->files[p->n_files] = (UnitEnvFile) { .path = strdup(file), .ignore_missing = ignore };
                if (!p->files[p->n_files].path)
                        return -ENOMEM;
                p->n_files++;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

int unit_properties_read(sd_bus *bus, const char *unit, UnitProperties *ret) {
        _cleanup_(unit_properties_done) UnitProperties p = {};
        _cleanup_free_ char *path = NULL, *load_state = NULL;
        int r;

        assert(bus);
        assert(unit);
        assert(ret);

        /* The unit's object path loads the unit on demand, as systemctl show does. */
        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r < 0)
                return r;
        r = sd_bus_get_property_string(bus, SYSTEMD_SERVICE, path, UNIT_INTERFACE, "LoadState", NULL, &load_state);
        if (r < 0)
                return r;
        if (!streq(load_state, "loaded"))
                return -ENOENT;

        r = sd_bus_get_property_strv(bus, SYSTEMD_SERVICE, "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "Environment", NULL,
                                     &p.manager_environment);
        if (r < 0)
                return r;
        r = sd_bus_get_property_strv(bus, SYSTEMD_SERVICE, path, SERVICE_INTERFACE, "Environment", NULL,
                                     &p.environment);
        if (r < 0)
                return r;
        r = read_environment_files(bus, path, &p);
        if (r < 0)
                return r;
        r = sd_bus_get_property_string(bus, SYSTEMD_SERVICE, path, UNIT_INTERFACE, "FragmentPath", NULL,
                                       &p.fragment_path);
        if (r < 0)
                return r;
        if (isempty(p.fragment_path)) {
                free(p.fragment_path);
                p.fragment_path = NULL;
        }
        r = sd_bus_get_property_strv(bus, SYSTEMD_SERVICE, path, UNIT_INTERFACE, "DropInPaths", NULL,
                                     &p.dropin_paths);
        if (r < 0)
                return r;

        *ret = p;
        p = (UnitProperties) {};
        return 0;
}

void unit_env_done(UnitEnv *e) {
        assert(e);

        for (size_t i = 0; i < e->n; i++) {
                free(e->settings[i].name);
                free(e->settings[i].value);
                free(e->settings[i].source);
        }
        free(e->settings);
        free(e->unit);
        free(e->problem);
        *e = (UnitEnv) {};
}

const UnitSetting *unit_env_get(const UnitEnv *e, const char *name) {
        assert(e);
        assert(name);

        for (size_t i = 0; i < e->n; i++)
                if (streq(e->settings[i].name, name))
                        return &e->settings[i];
        return NULL;
}

/* Sets "NAME=value" (assignment) with its source; an assignment without "=" is ignored, as systemd does. */
static int set_setting(UnitEnv *e, const char *assignment, const char *source) {
        const char *eq = strchr(assignment, '=');
        UnitSetting *s = NULL;
        _cleanup_free_ char *name = NULL, *value = NULL, *src = NULL;

        if (!eq || eq == assignment)
                return 0;
        name = strndup(assignment, (size_t) (eq - assignment));
        value = strdup(eq + 1);
        src = strdup(source);
        if (!name || !value || !src)
                return -ENOMEM;

        for (size_t i = 0; i < e->n && !s; i++)
                if (streq(e->settings[i].name, name))
                        s = &e->settings[i];
        if (!s) {
                if (GREEDY_REALLOC(e->settings, e->allocated, e->n + 1) < 0)
                        return -ENOMEM;
                s = &e->settings[e->n++];
                *s = (UnitSetting) { .name = TAKE_PTR(name) };
        }
        free(s->value);
        free(s->source);
        s->value = TAKE_PTR(value);
        s->source = TAKE_PTR(src);
        return 0;
}

/* The next word of an Environment= value, split as systemd's extract_first_word()
 * with EXTRACT_UNQUOTE does: whitespace separates, quotes group, a backslash
 * takes the next character. NULL at the end. */
static char *next_word(const char **p) {
        _cleanup_free_ char *w = NULL;
        char quote = 0;
        size_t n = 0;
        const char *s = *p + strspn(*p, " \t");

        if (!*s) {
                *p = s;
                return NULL;
        }
        w = malloc(strlen(s) + 1);
        if (!w)
                return NULL;
        for (; *s && (quote || !strchr(" \t", *s)); s++) {
                if (*s == '\\' && s[1] && quote != '\'')
                        w[n++] = *++s;
                else if (quote && *s == quote)
                        quote = 0;
                else if (!quote && (*s == '"' || *s == '\''))
                        quote = *s;
                else
                        w[n++] = *s;
        }
        w[n] = 0;
        *p = s;
        return TAKE_PTR(w);
}

/* Records, for the names that the Environment= lines of [Service] in the unit
 * file at path assign, that path sets them; an empty Environment= forgets
 * every earlier one, as systemd resets the list. A line ending in a
 * backslash continues on the next, as in systemd's parser. */
static int attribute_unit_file(const char *path, char ***names, char ***sources) {
        _cleanup_free_ char *text = NULL;
        bool in_service = false;
        char *line, *next;
        int r;

        r = read_file_at(AT_FDCWD, path, UNIT_FILE_MAX, 0, 0, &text, NULL);
        if (r < 0)
                return r;

        for (line = text; line && *line; line = next) {
                char *end, *key, *value, *eq;
                size_t len;

                /* Join continuation lines in place. */
                for (end = line;; end++) {
                        end += strcspn(end, "\n");
                        if (end > line && end[-1] == '\\' && *end == '\n') {
                                end[-1] = ' ';
                                *end = ' ';
                                continue;
                        }
                        break;
                }
                next = *end ? end + 1 : NULL;
                *end = 0;

                key = line + strspn(line, " \t\r");
                len = strlen(key);
                while (len > 0 && strchr(" \t\r", key[len - 1]))
                        key[--len] = 0;
                if (!*key || strchr("#;", *key))
                        continue;
                if (*key == '[') {
                        in_service = streq(key, "[Service]");
                        continue;
                }
                eq = strchr(key, '=');
                if (!in_service || !eq)
                        continue;
                value = eq + 1;
                while (eq > key && strchr(" \t", eq[-1]))
                        eq--;
                *eq = 0;
                if (!streq(key, "Environment"))
                        continue;

                if (isempty(value + strspn(value, " \t"))) {
                        strv_free(*names);
                        strv_free(*sources);
                        *names = *sources = NULL;
                        continue;
                }
                for (const char *p = value;;) {
                        _cleanup_free_ char *word = next_word(&p), *src = NULL;
                        char *assign;

                        if (!word)
                                break;
                        assign = strchr(word, '=');
                        if (!assign)
                                continue;
                        *assign = 0;
                        src = strdup(path);
                        if (!src)
                                return -ENOMEM;
                        r = strv_push(names, word);
                        if (r < 0)
                                return r;
                        word = NULL;
                        r = strv_push(sources, src);
                        if (r < 0)
                                return r;
                        src = NULL;
                }
        }
        return 0;
}

/* The unit file or drop-in that sets name with Environment=: the last one. */
static const char *environment_source(char **names, char **sources, const char *name) {
        const char *found = NULL;

        for (size_t i = 0; names && names[i]; i++)
                if (streq(names[i], name))
                        found = sources[i];
        return found;
}

int unit_env_build(const char *unit, const UnitProperties *p, UnitEnv *ret) {
        _cleanup_(unit_env_done) UnitEnv e = {};
        _cleanup_strv_free_ char **names = NULL, **sources = NULL;
        int r;

        assert(unit);
        assert(p);
        assert(ret);

        e.unit = strdup(unit);
        if (!e.unit)
                return -ENOMEM;

        for (char **a = p->manager_environment; a && *a; a++) {
                r = set_setting(&e, *a, MANAGER_SOURCE);
                if (r < 0)
                        return r;
        }

        /* Which file says what: a file we cannot read leaves its lines to the unit's name. */
        if (p->fragment_path)
                (void) attribute_unit_file(p->fragment_path, &names, &sources);
        for (char **d = p->dropin_paths; d && *d; d++)
                (void) attribute_unit_file(*d, &names, &sources);
        for (char **a = p->environment; a && *a; a++) {
                _cleanup_free_ char *name = strndup(*a, strcspn(*a, "="));
                const char *src;

                if (!name)
                        return -ENOMEM;
                src = environment_source(names, sources, name);
                r = set_setting(&e, *a, src ?: unit);
                if (r < 0)
                        return r;
        }

        /* systemd: settings from these files override Environment=; later files win. */
        for (size_t i = 0; i < p->n_files; i++) {
                _cleanup_strv_free_ char **env = NULL;

                r = sysconfig_read_all(p->files[i].path, &env);
                if (r == -ENOENT && p->files[i].ignore_missing)
                        continue;
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        /* The unit reads it as root: this user's EACCES is not the unit's. */
                        if (!e.problem &&
                            asprintf(&e.problem, r == -EACCES ? "%s is not readable by this user: its settings are "
                                                                "not shown; run as root to see them" :
                                                 r == -ENOENT ? "%s is missing: the unit would not start" :
                                                                "%s cannot be read: the unit would not start",
                                     p->files[i].path) < 0)
                                return -ENOMEM;
                        continue;
                }
                for (char **a = env; *a; a++) {
                        r = set_setting(&e, *a, p->files[i].path);
                        if (r < 0)
                                return r;
                }
        }

        *ret = e;
        e = (UnitEnv) {};
        return 0;
}

int unit_env_read(sd_bus *bus, const char *unit, UnitEnv *ret) {
        _cleanup_(unit_properties_done) UnitProperties p = {};
        int r;

        r = unit_properties_read(bus, unit, &p);
        if (r < 0)
                return r;
        return unit_env_build(unit, &p, ret);
}

/* The variables that carry the service's settings; RAY_USAGE_STATS_DEBUG is
 * this command's own logging, not a setting of the service. */
static bool product_variable(const char *name) {
        const char *rest = startswith(name, PRODUCT_PREFIX);

        return streq(name, "DO_NOT_TRACK") || (!isempty(rest) && !streq(rest, "DEBUG"));
}

int unit_env_apply(const UnitEnv *e) {
        extern char **environ;
        _cleanup_strv_free_ char **drop = NULL;
        int r;

        assert(e);

        for (char **v = environ; v && *v; v++) {
                char *name = strndup(*v, strcspn(*v, "="));

                if (!name)
                        return -ENOMEM;
                if (!product_variable(name) || unit_env_get(e, name)) {
                        free(name);
                        continue;
                }
                r = strv_push(&drop, name);
                if (r < 0) {
                        free(name);
                        return r;
                }
        }
        for (char **d = drop; d && *d; d++)
                (void) unsetenv(*d);
        for (size_t i = 0; i < e->n; i++)
                if (setenv(e->settings[i].name, e->settings[i].value, 1) < 0)
                        return -ENOMEM;
        return 0;
}
