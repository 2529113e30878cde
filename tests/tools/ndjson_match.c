/* tests/tools/ndjson_match.c: compares faultline's NDJSON output with a case's expectation.
 *
 *   ndjson_match EXPECTED ACTUAL
 *
 * DESIGN.md "Tests": events are compared as JSON objects on the keys the expected line gives
 * (key order and attrs order ignored); ingest_ts is never compared, nor ts when the actual
 * event's attrs.ts_source is "ingest". The event counts must match. Exit 0 when equal, 1 with
 * a report naming the line and key otherwise, 2 on unreadable input. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(const char *path, json_t **out, size_t cap, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ndjson_match: %s: cannot open\n", path);
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    size_t lineno = 0;
    *n = 0;
    while ((len = getline(&line, &lcap, f)) != -1) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0 || line[0] == '#')
            continue;
        json_error_t jerr;
        json_t *v = json_loadb(line, (size_t)len, 0, &jerr);
        if (!v || !json_is_object(v)) {
            fprintf(stderr, "ndjson_match: %s:%zu: invalid JSON: %s\n", path, lineno, jerr.text);
            free(line);
            fclose(f);
            return -1;
        }
        if (*n == cap) {
            fprintf(stderr, "ndjson_match: %s: too many events\n", path);
            json_decref(v);
            break;
        }
        out[(*n)++] = v;
    }
    free(line);
    fclose(f);
    return 0;
}

static int is_ingest_time(json_t *ev)
{
    json_t *attrs = json_object_get(ev, "attrs");
    json_t *src = attrs ? json_object_get(attrs, "ts_source") : NULL;
    return src && json_is_string(src) && strcmp(json_string_value(src), "ingest") == 0;
}

int main(int argc, char **argv)
{
    enum { MAX_EVENTS = 200000 };
    if (argc != 3) {
        fprintf(stderr, "usage: ndjson_match EXPECTED ACTUAL\n");
        return 2;
    }
    json_t **exp = calloc(MAX_EVENTS, sizeof *exp), **act = calloc(MAX_EVENTS, sizeof *act);
    size_t n_exp = 0, n_act = 0;
    if (!exp || !act || load(argv[1], exp, MAX_EVENTS, &n_exp) || load(argv[2], act, MAX_EVENTS, &n_act))
        return 2;
    int bad = 0;
    if (n_exp != n_act) {
        fprintf(stderr, "  expected %zu events, got %zu\n", n_exp, n_act);
        bad = 1;
    }
    size_t n = n_exp < n_act ? n_exp : n_act;
    for (size_t i = 0; i < n; i++) {
        const char *key;
        json_t *want;
        json_object_foreach(exp[i], key, want) {
            if (strcmp(key, "ingest_ts") == 0)
                continue;
            if (strcmp(key, "ts") == 0 && is_ingest_time(act[i]))
                continue;
            json_t *got = json_object_get(act[i], key);
            if (!got || !json_equal(want, got)) {
                char *ws = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
                char *gs = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                fprintf(stderr, "  event %zu: %s = %s, expected %s\n", i + 1, key,
                        gs ? gs : "(missing)", ws ? ws : "?");
                free(ws);
                free(gs);
                bad = 1;
            }
        }
    }
    for (size_t i = 0; i < n_exp; i++)
        json_decref(exp[i]);
    for (size_t i = 0; i < n_act; i++)
        json_decref(act[i]);
    free(exp);
    free(act);
    return bad;
}
