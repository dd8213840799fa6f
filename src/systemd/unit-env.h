/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

/* The environment a service unit gives its processes, as systemd has it
 * (docs/design.md §3.1: the service's settings reach it through Environment=
 * and EnvironmentFile=, drop-ins included), with the file each variable comes
 * from. `status` and `check` run by a person decide under it, so that they
 * say what the service would do. */

typedef struct UnitEnvFile {
        char *path;
        bool ignore_missing; /* "EnvironmentFile=-PATH" */
} UnitEnvFile;

/* The unit's properties over D-Bus (org.freedesktop.systemd1). */
typedef struct UnitProperties {
        char **manager_environment; /* the manager's own (systemctl show-environment), "NAME=value" */
        char **environment;         /* Environment=, "NAME=value", specifiers resolved */
        UnitEnvFile *files;         /* EnvironmentFiles, in order */
        size_t n_files, files_allocated;
        char *fragment_path;        /* the unit file; may be NULL */
        char **dropin_paths;        /* its drop-ins, in the order systemd applies them */
} UnitProperties;

void unit_properties_done(UnitProperties *p);

/* Reads unit's properties from the manager on bus. -ENOENT when the unit is
 * not loaded (not installed, or masked); another negative errno when the bus
 * call fails (no systemd on the other end). */
int unit_properties_read(sd_bus *bus, const char *unit, UnitProperties *ret);

typedef struct UnitSetting {
        char *name;
        char *value;
        char *source; /* the file that sets it (unit file, drop-in or environment file), or a description */
} UnitSetting;

typedef struct UnitEnv {
        char *unit;
        UnitSetting *settings; /* one per variable, the effective value */
        size_t n, allocated;
        char *problem;         /* an environment file that could not be read, and what that means, or NULL */
} UnitEnv;

void unit_env_done(UnitEnv *e);

/* The unit's effective environment from its properties, as systemd builds it
 * for the service's processes: the manager's environment, then Environment=
 * (an empty assignment resets the list), then each EnvironmentFile= read as
 * systemd reads it (config/sysconfig.h), later ones winning. Each variable's
 * source is the last file that assigns it: the environment file, or the unit
 * file or drop-in whose Environment= line sets it. An environment file that
 * cannot be read is named in ret->problem, with what it means (the unit would
 * not start, or only this user may not read it). */
int unit_env_build(const char *unit, const UnitProperties *p, UnitEnv *ret);

/* unit_properties_read() and unit_env_build(). */
int unit_env_read(sd_bus *bus, const char *unit, UnitEnv *ret);

/* The setting of name, or NULL when the unit does not set it. */
const UnitSetting *unit_env_get(const UnitEnv *e, const char *name);

/* Makes this process's environment the unit's for the product's variables:
 * every RAY_USAGE_STATS_* (but RAY_USAGE_STATS_DEBUG, this command's own
 * logging) and DO_NOT_TRACK that the unit does not set is removed, and every
 * variable the unit sets is set. Returns 0 or -ENOMEM. */
int unit_env_apply(const UnitEnv *e);
