/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* A YAML document as PyYAML's yaml.safe_load() makes it, and the Python
 * operations Ray's usage_lib applies to the result (docs/ray-parity.md).
 * libyaml does the scanning and parsing; the composing, the YAML 1.1 tag
 * resolution and every SafeConstructor rule (merge keys, duplicate keys, the
 * standard tags and their errors) are PyYAML's. All the work, from the first
 * event to the last JSON value, draws on one budget of node visits
 * (docs/design.md §4.2). */

typedef enum PyType {
        PY_NONE,
        PY_BOOL,
        PY_INT,
        PY_FLOAT,
        PY_STR,
        PY_BYTES,     /* !!binary */
        PY_DATE,      /* !!timestamp without a time */
        PY_DATETIME,
        PY_LIST,      /* !!seq */
        PY_PAIRS,     /* !!omap, !!pairs: a list of (key, value) tuples */
        PY_DICT,      /* !!map */
        PY_SET,       /* !!set */
} PyType;

typedef struct PyDoc PyDoc;
typedef struct PyObj PyObj;

/* Node visits for one document: a Ray config needs a few thousand. */
#define PYYAML_BUDGET 1000000U

/* Loads text as safe_load() does: 0 and the document; -EBADMSG where PyYAML
 * raises (or libyaml refuses what it cannot read, see docs/ray-parity.md);
 * -E2BIG when the budget or a size limit is exceeded; -ENOMEM. */
int pyyaml_load(const char *text, size_t size, PyDoc **ret);
PyDoc *pyyaml_free(PyDoc *d);

/* The document's value (None for an empty stream). */
PyObj *pyyaml_root(PyDoc *d);
/* Draws n visits from the budget: -E2BIG when it is spent. */
int pyyaml_spend(PyDoc *d, size_t n);

PyType pyyaml_type(const PyObj *o);
/* bool(o). */
bool pyyaml_truthy(PyDoc *d, PyObj *o);
/* Whether o can be a dict key or set member. */
bool pyyaml_hashable(const PyObj *o);
/* a == b, as Python compares them (1 == 1.0 == True, never NaN == NaN).
 * identity: also equal when a and b are the same object (an alias), as
 * dict keys are. -E2BIG, or 1 or 0. */
int pyyaml_equal(PyDoc *d, PyObj *a, PyObj *b, bool identity);

/* A dict's items in insertion order, after merge keys and with one entry
 * per key (the first key, the last value). */
size_t pyyaml_dict_size(const PyObj *o);
void pyyaml_dict_item(PyDoc *d, const PyObj *o, size_t i, PyObj **ret_key, PyObj **ret_value);

/* Python's `key in o` for a str key: 1 or 0, -EBADMSG where Python raises
 * TypeError, -E2BIG. */
int pyyaml_contains(PyDoc *d, PyObj *o, const char *key);
/* o[key] for a dict and a str key: the value or NULL (KeyError); -EBADMSG
 * for anything but a dict; -E2BIG. */
int pyyaml_getitem(PyDoc *d, PyObj *o, const char *key, PyObj **ret);

/* The JSON that json.dumps(o) gives, as a json-c value (NULL for None).
 * -EDOM where json.dumps raises (NaN and infinities under requests'
 * allow_nan=False, bytes, dates, sets, circular structures, integers of more
 * than 4300 digits, keys of other types); -E2BIG; -ENOMEM. */
int pyyaml_to_json(PyDoc *d, PyObj *o, json_object **ret);
