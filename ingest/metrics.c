/* ingest/metrics.c: Prometheus text over a non-blocking loopback HTTP listener. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "ingest/metrics.h"

struct fl_metrics {
    int fd;
    int port;
    fl_metrics_render_fn fn;
    void *ctx;
    struct fl_buf body;
};

struct fl_metrics *fl_metrics_new(const char *listen_addr, fl_metrics_render_fn fn, void *ctx,
                                  struct fl_err *err)
{
    char host[64];
    const char *colon = strrchr(listen_addr, ':');
    if (!colon || (size_t)(colon - listen_addr) >= sizeof host) {
        fl_err_set(err, NULL, 0, UINT64_MAX, "metrics.listen '%s': expected host:port",
                   listen_addr);
        return NULL;
    }
    memcpy(host, listen_addr, (size_t)(colon - listen_addr));
    host[colon - listen_addr] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        fl_err_set(err, NULL, 0, UINT64_MAX, "metrics.listen '%s': bad port", listen_addr);
        return NULL;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fl_err_set(err, NULL, 0, UINT64_MAX, "metrics.listen '%s': not an IPv4 address",
                   listen_addr);
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0) {
        fl_err_set(err, NULL, 0, UINT64_MAX, "metrics: cannot listen on %s: %s", listen_addr,
                   strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct fl_metrics *m = calloc(1, sizeof *m);
    if (!m) {
        close(fd);
        return NULL;
    }
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    m->fd = fd;
    m->port = ntohs(sa.sin_port);
    m->fn = fn;
    m->ctx = ctx;
    fl_buf_init(&m->body, 16u << 20);
    return m;
}

int fl_metrics_port(const struct fl_metrics *m)
{
    return m->port;
}

void fl_metrics_serve(struct fl_metrics *m)
{
    for (int i = 0; i < 8; i++) {
        int c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return;
        /* Read the request head briefly; whatever was asked, the answer is the metrics. */
        struct pollfd pfd = {.fd = c, .events = POLLIN};
        char req[2048];
        if (poll(&pfd, 1, 200) > 0) {
            ssize_t n = read(c, req, sizeof req);
            (void)n;
        }
        fl_buf_reset(&m->body);
        m->fn(m->ctx, &m->body);
        char head[160];
        int hn = snprintf(head, sizeof head,
                          "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                          m->body.len);
        ssize_t w = write(c, head, (size_t)hn);
        size_t off = 0;
        while (w >= 0 && off < m->body.len) {
            w = write(c, m->body.data + off, m->body.len - off);
            if (w > 0)
                off += (size_t)w;
            else if (w < 0 && errno == EINTR)
                w = 0;
        }
        close(c);
    }
}

void fl_metrics_free(struct fl_metrics *m)
{
    if (!m)
        return;
    close(m->fd);
    fl_buf_free(&m->body);
    free(m);
}
