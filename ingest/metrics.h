/* ingest/metrics.h: a minimal Prometheus text endpoint on a loopback address.
 * Served from the caller's loop (fl_metrics_serve polls without blocking); every request
 * gets the whole text from the render callback. No threads, no keep-alive. */
#ifndef FL_METRICS_H
#define FL_METRICS_H

#include "core/buf.h"
#include "core/err.h"

struct fl_metrics;
typedef void (*fl_metrics_render_fn)(void *ctx, struct fl_buf *out);

/* new: listen is "host:port" ("127.0.0.1:9464"). NULL + err when it cannot listen. */
struct fl_metrics *fl_metrics_new(const char *listen, fl_metrics_render_fn fn, void *ctx,
                                  struct fl_err *err);
/* Answers pending requests; never blocks. */
void fl_metrics_serve(struct fl_metrics *m);
/* The port actually bound (useful with port 0). */
int fl_metrics_port(const struct fl_metrics *m);
void fl_metrics_free(struct fl_metrics *m);

#endif
