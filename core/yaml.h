/* core/yaml.h: YAML documents as a small tree with line and column on every node, for the
 * configuration and the rule files. Built on libyaml's event parser. Errors name the file,
 * line and column: "deploy/faultline.yaml:14:3: unknown key 'windw'". Aliases are refused
 * (a configuration has no use for them and they make error positions ambiguous). */
#ifndef FL_YAML_H
#define FL_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

enum fl_ynode_kind { FL_Y_SCALAR, FL_Y_MAP, FL_Y_SEQ };

struct fl_ynode {
    enum fl_ynode_kind kind;
    uint32_t line, col;      /* 1-based position of the node's start */
    char *scalar;            /* FL_Y_SCALAR: the text, NUL-terminated */
    bool is_quoted;          /* scalar was quoted: never null/bool/number by accident */
    struct fl_ynode **items; /* SEQ: the items; MAP: key, value, key, value, ... */
    size_t n_items;
};

struct fl_ydoc {
    struct fl_ynode *root; /* NULL for an empty document */
    char *file;            /* name used in errors */
};

/* new: parses a file / a buffer. NULL + err (FL_ESYNTAX with line and column, FL_EIO). */
struct fl_ydoc *fl_yaml_load_file(const char *path, struct fl_err *err);
struct fl_ydoc *fl_yaml_load_mem(const char *buf, size_t n, const char *name, struct fl_err *err);
void fl_yaml_free(struct fl_ydoc *doc);

/* Fills err with "file:line:col: msg" positioned at node. Returns FL_ESYNTAX. */
int fl_yaml_error(const struct fl_ydoc *doc, const struct fl_ynode *node, struct fl_err *err,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The value of key in map, or NULL (also NULL when map is not a map). */
const struct fl_ynode *fl_ymap_get(const struct fl_ynode *map, const char *key);
/* FL_ESYNTAX naming the first key of map not in allowed (NULL-terminated), or a duplicate key. */
int fl_ymap_check_keys(const struct fl_ydoc *doc, const struct fl_ynode *map,
                       const char *const *allowed, struct fl_err *err);

/* Typed reads of a scalar node; each fails with FL_ESYNTAX positioned at the node. */
int fl_y_str(const struct fl_ydoc *doc, const struct fl_ynode *n, const char **out,
             struct fl_err *err);
int fl_y_int(const struct fl_ydoc *doc, const struct fl_ynode *n, int64_t min, int64_t max,
             int64_t *out, struct fl_err *err);
int fl_y_bool(const struct fl_ydoc *doc, const struct fl_ynode *n, bool *out, struct fl_err *err);
/* Size with an optional unit: 64MB, 512 KiB, 1G, 1048576. */
int fl_y_size(const struct fl_ydoc *doc, const struct fl_ynode *n, uint64_t *out,
              struct fl_err *err);
/* Duration with a unit: 500ms, 2s, 10m, 1h; a bare number is seconds. Output in ms. */
int fl_y_duration_ms(const struct fl_ydoc *doc, const struct fl_ynode *n, int64_t *out,
                     struct fl_err *err);

#endif
