/* tests/fuzz/fuzz_layout.c: libFuzzer target for layout files (`faultline parse --layout`,
 * sources[].layout): arbitrary bytes through the YAML reader and fl_layout_from_yaml, as
 * fl_layout_load reads them (the root, or its `layout:` key). A refusal names a position;
 * an accepted layout is either csv with a message column or a line pattern. */
#include <stdlib.h>
#include <string.h>
#include "core/yaml.h"
#include "ingest/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_err err;
    fl_err_clear(&err);
    struct fl_ydoc *doc = fl_yaml_load_mem((const char *)data, size, "layout.yaml", &err);
    if (!doc) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    const struct fl_ynode *node = doc->root;
    const struct fl_ynode *inner = fl_ymap_get(node, "layout");
    if (inner)
        node = inner;
    struct fl_layout lay;
    if (node) {
        fl_err_clear(&err);
        int rc = fl_layout_from_yaml(doc, node, &lay, &err);
        if (rc == 0) {
            if (lay.is_csv ? !lay.col_message || !lay.col_ts[0] : !lay.pattern)
                abort();
            size_t n = strlen(lay.is_csv ? lay.col_message : lay.pattern);
            if (lay.ts_format)
                n += strlen(lay.ts_format);
            if (n == SIZE_MAX)
                abort();
        } else if (rc != FL_ESYNTAX || err.line == 0 || !err.msg[0]) {
            abort(); /* every refusal of a present node is positioned */
        }
    }
    fl_yaml_free(doc);
    return 0;
}
