/* parsers/registry.c: the table of source parsers, and helpers every parser shares.
 *
 * Each parser lives in its own parsers/<source>.c and defines fl_parser_<source>. The
 * references are weak so that the library links while a parser is excluded from a build
 * (LIB_SKIP, fuzz builds of one target); a missing parser is simply not offered. */
#include <string.h>
#include "parsers/parser.h"

extern const struct fl_parser fl_parser_ignition __attribute__((weak));
extern const struct fl_parser fl_parser_kepware __attribute__((weak));
extern const struct fl_parser fl_parser_ftdiag __attribute__((weak));
extern const struct fl_parser fl_parser_aveva __attribute__((weak));
extern const struct fl_parser fl_parser_winccoa __attribute__((weak));
extern const struct fl_parser fl_parser_historian __attribute__((weak));

static const struct fl_parser *all_parsers[6];
static size_t n_parsers;

static void registry_fill(void)
{
    /* Order matters for --source auto ties: binary magic first, then the stricter layouts. */
    const struct fl_parser *candidates[] = {
        &fl_parser_aveva,   &fl_parser_ignition, &fl_parser_kepware,
        &fl_parser_winccoa, &fl_parser_ftdiag,   &fl_parser_historian,
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (candidates[i])
            all_parsers[n++] = candidates[i];
    n_parsers = n;
}

const struct fl_parser *const *fl_parser_all(size_t *n)
{
    /* The table is a pure function of link-time symbols, so filling it twice is harmless. */
    if (n_parsers == 0)
        registry_fill();
    *n = n_parsers;
    return all_parsers;
}

const struct fl_parser *fl_parser_find(const char *source)
{
    size_t n;
    const struct fl_parser *const *all = fl_parser_all(&n);
    for (size_t i = 0; source && i < n; i++)
        if (strcmp(all[i]->source, source) == 0)
            return all[i];
    return NULL;
}

int fl_parser_emit_unparsed(const char *source, const struct fl_line *ln, struct fl_event *ev,
                            const struct fl_sink *sink)
{
    fl_event_reset(ev);
    fl_event_set_unparsed(ev, source, fl_str_make(ln->text, ln->len));
    ev->offset = ln->raw_off;
    ev->end_offset = ln->raw_end;
    ev->lines = 1;
    return sink->emit(sink->ctx, ev);
}
