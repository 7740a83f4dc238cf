/*
 * stdio.c - line framing over stdin/stdout on the event loop (see stdio.h).
 */
#include "mcp/stdio.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "mcp/jsonrpc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define OUT_QUEUE_MAX (256u << 20)

struct osr_mcp_stdio {
    osr_mcp_server *server;
    osr_mcp_session *session;
    osr_loop *loop;
    int in_fd, out_fd;
    size_t max_line;
    struct osr_buf line; /* the line being assembled */
    bool discarding;     /* the current line passed max_line */
    size_t discarded;
    bool in_closed, out_broken;
    long drain_ms; /* after end of input, how long calls in flight may still finish */
    uint64_t drain_timer;
    bool drain_over;
    struct osr_buf out; /* bytes not yet written */
    size_t out_off;
    bool out_watched;
};

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void on_out_ready(osr_loop *loop, int fd, short revents, void *payload);

static void flush_out(osr_mcp_stdio *t)
{
    while (t->out_off < t->out.len && !t->out_broken) {
        ssize_t n = write(t->out_fd, t->out.ptr + t->out_off, t->out.len - t->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0) {
            t->out_broken = true; /* the client went away; nothing more can be said */
            break;
        }
        t->out_off += (size_t)n;
    }
    if (t->out_off == t->out.len || t->out_broken) {
        osr_buf_clear(&t->out);
        t->out_off = 0;
    }
    if (t->out.len && !t->out_watched) {
        osr_loop_add_fd(t->loop, t->out_fd, POLLOUT, on_out_ready, t);
        t->out_watched = true;
    } else if (!t->out.len && t->out_watched) {
        osr_loop_remove_fd(t->loop, t->out_fd);
        t->out_watched = false;
    }
}

static void on_out_ready(osr_loop *loop, int fd, short revents, void *payload)
{
    OSR_UNUSED(loop);
    OSR_UNUSED(fd);
    OSR_UNUSED(revents);
    flush_out(payload);
}

static void sink_send(void *ctx, json_t *msg, void *origin, bool final)
{
    osr_mcp_stdio *t = ctx;
    size_t len;
    char *text;

    OSR_UNUSED(origin);
    OSR_UNUSED(final);
    if (t->out_broken)
        return;
    text = osr_rpc_dump(msg, &len);
    if (osr_buf_put(&t->out, text, len) < 0 || osr_buf_putc(&t->out, '\n') < 0) {
        /* The reader has stopped reading for hundreds of megabytes: give up on it. */
        t->out_broken = true;
        osr_buf_init(&t->out, OUT_QUEUE_MAX);
    }
    free(text);
    flush_out(t);
}

static void too_long(osr_mcp_stdio *t)
{
    char msg[160];
    json_t *err;

    snprintf(msg, sizeof(msg), "Invalid Request: message exceeds the payload limit of %zu bytes",
             t->max_line);
    err = osr_rpc_error(NULL, OSR_RPC_INVALID_REQUEST, msg,
                        json_pack("{s:s, s:I}", "error_code", "POLICY_ERROR", "limit_bytes",
                                  (json_int_t)t->max_line));
    sink_send(t, err, NULL, true);
    json_decref(err);
}

static void end_line(osr_mcp_stdio *t)
{
    size_t len = t->line.len;

    if (t->discarding) {
        too_long(t);
        t->discarding = false;
    } else {
        if (len && t->line.ptr[len - 1] == '\r')
            len--;
        if (len)
            osr_mcp_session_handle_text(t->session, t->line.ptr, len, NULL);
    }
    osr_buf_clear(&t->line);
}

static void take_bytes(osr_mcp_stdio *t, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t seg = nl ? (size_t)(nl - p) : n;

        if (!t->discarding && osr_buf_put(&t->line, p, seg) < 0) {
            t->discarding = true; /* the buffer freed itself; drop the rest of this line */
            osr_buf_init(&t->line, t->max_line);
        }
        if (!nl)
            return;
        end_line(t);
        p += seg + 1;
        n -= seg + 1;
    }
}

static void on_drain_over(osr_loop *loop, void *payload)
{
    osr_mcp_stdio *t = payload;

    OSR_UNUSED(loop);
    t->drain_timer = 0;
    t->drain_over = true;
}

/* Stops reading; the session lives on until its calls in flight have answered. */
static void end_input(osr_mcp_stdio *t)
{
    if (t->in_closed)
        return;
    t->in_closed = true;
    osr_loop_remove_fd(t->loop, t->in_fd);
    if (t->drain_ms > 0)
        t->drain_timer = osr_loop_add_timer(t->loop, (uint64_t)t->drain_ms, on_drain_over, t);
    else
        t->drain_over = true;
}

void osr_mcp_stdio_shutdown(osr_mcp_stdio *t)
{
    end_input(t);
    if (t->drain_timer) {
        osr_loop_cancel_timer(t->loop, t->drain_timer);
        t->drain_timer = 0;
    }
    if (t->session) {
        osr_mcp_session_free(t->session);
        t->session = NULL;
    }
    flush_out(t);
}

static void on_input(osr_loop *loop, int fd, short revents, void *payload)
{
    osr_mcp_stdio *t = payload;
    char buf[READ_CHUNK];
    ssize_t n = read(fd, buf, sizeof(buf));

    OSR_UNUSED(loop);
    OSR_UNUSED(revents);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        if (t->line.len && !t->discarding)
            end_line(t); /* a last message without its newline still counts */
        end_input(t);
        return;
    }
    take_bytes(t, buf, (size_t)n);
}

osr_mcp_stdio *osr_mcp_stdio_new(osr_mcp_server *s, int in_fd, int out_fd, size_t max_line,
                                 long drain_ms)
{
    osr_mcp_stdio *t = osr_xcalloc(1, sizeof(*t));
    struct osr_mcp_sink sink = {sink_send, t};

    t->server = s;
    t->loop = osr_mcp_server_loop(s);
    t->in_fd = in_fd;
    t->out_fd = out_fd;
    t->max_line = max_line;
    t->drain_ms = drain_ms;
    osr_buf_init(&t->line, max_line);
    osr_buf_init(&t->out, OUT_QUEUE_MAX);
    set_nonblock(in_fd);
    set_nonblock(out_fd);
    t->session = osr_mcp_session_new(s, &sink);
    osr_loop_add_fd(t->loop, in_fd, POLLIN, on_input, t);
    return t;
}

void osr_mcp_stdio_free(osr_mcp_stdio *t)
{
    if (!t)
        return;
    osr_mcp_stdio_shutdown(t);
    if (t->out_watched)
        osr_loop_remove_fd(t->loop, t->out_fd);
    osr_buf_dispose(&t->line);
    osr_buf_dispose(&t->out);
    free(t);
}

bool osr_mcp_stdio_finished(const osr_mcp_stdio *t)
{
    if (!t->in_closed)
        return false;
    if (t->out_broken)
        return true; /* nobody is reading: what is in flight has no one to answer */
    return (t->drain_over || !t->session || osr_mcp_session_inflight(t->session) == 0) &&
           t->out.len == 0;
}

osr_mcp_session *osr_mcp_stdio_session(osr_mcp_stdio *t)
{
    return t->session;
}
