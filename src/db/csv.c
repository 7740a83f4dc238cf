/*
 * csv.c - streaming CSV reader (see csv.h).
 */
#include "db/csv.h"
#include "core/alloc.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

int osr_csv_open(struct osr_csv *c, const char *path, bool gzip, char delim, char quote,
                 size_t max_field)
{
    memset(c, 0, sizeof(*c));
    c->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (c->fd < 0)
        return osr_error_set_errno(errno == ENOENT ? -OSR_ENOTFOUND : -OSR_EIO, "cannot open %s",
                                   path);
    if (gzip) {
        int dupfd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
        if (dupfd < 0 || !(c->gz = gzdopen(dupfd, "rb"))) {
            if (dupfd >= 0)
                close(dupfd);
            close(c->fd);
            c->fd = -1;
            return osr_error_set(-OSR_EIO, "cannot open %s", path);
        }
    }
    c->delim = delim;
    c->quote = quote;
    c->max_field = max_field;
    c->next_line = 1;
    osr_buf_init(&c->field, max_field);
    return 0;
}

/* The next byte, or -1 at the end of the file (-2 on a read error). */
static int getbyte(struct osr_csv *c)
{
    if (c->pos == c->len) {
        ssize_t n;
        if (c->eof)
            return -1;
        do {
            n = c->gz ? gzread(c->gz, c->chunk, sizeof(c->chunk))
                      : read(c->fd, c->chunk, sizeof(c->chunk));
        } while (n < 0 && errno == EINTR && !c->gz);
        if (n < 0)
            return -2;
        if (n == 0 && c->gz) { /* a truncated stream ends early: zlib says so */
            int err = Z_OK;
            gzerror(c->gz, &err);
            if (err != Z_OK)
                return -2;
        }
        if (n == 0) {
            c->eof = true;
            return -1;
        }
        c->pos = 0;
        c->len = (size_t)n;
    }
    return (unsigned char)c->chunk[c->pos++];
}

static int peekbyte(struct osr_csv *c)
{
    int b = getbyte(c);
    if (b >= 0)
        c->pos--;
    return b;
}

static int fail(struct osr_csv *c, const char *what)
{
    snprintf(c->error, sizeof(c->error), "line %lu: %s", c->line, what);
    return osr_error_set(-OSR_EINVAL, "%s", c->error);
}

static int end_field(struct osr_csv *c)
{
    if (osr_buf_failed(&c->field)) {
        osr_buf_init(&c->field, c->max_field);
        return fail(c, "a field is longer than the limit");
    }
    osr_strv_push(&c->fields, c->field.ptr);
    osr_buf_clear(&c->field);
    return 0;
}

static int read_error(struct osr_csv *c)
{
    int err = Z_OK;
    const char *why = c->gz ? gzerror(c->gz, &err) : NULL;

    if (why && err != Z_OK && err != Z_ERRNO) {
        char what[160];
        if (why[0] == '<' && strstr(why, ">: ")) /* zlib names the stream "<fd:N>" */
            why = strstr(why, ">: ") + 3;
        snprintf(what, sizeof(what), "the gzip data is damaged (%s)", why);
        return fail(c, what);
    }
    return fail(c, "read error");
}

static int quoted(struct osr_csv *c)
{
    for (;;) {
        int b = getbyte(c);
        if (b == -2)
            return read_error(c);
        if (b == -1)
            return fail(c, "a quoted field is not closed");
        if (b == c->quote) {
            if (peekbyte(c) != c->quote)
                return 0;
            getbyte(c);
        }
        if (b == '\n')
            c->next_line++;
        osr_buf_putc(&c->field, (char)b);
    }
}

int osr_csv_next(struct osr_csv *c)
{
    bool any = false;
    int b, rc;

    osr_strv_dispose(&c->fields);
    osr_buf_clear(&c->field);
    c->line = c->next_line;
    for (;;) {
        b = getbyte(c);
        if (b == -2)
            return read_error(c);
        if (b == -1) {
            if (!any && c->field.len == 0)
                return 0;
            return (rc = end_field(c)) < 0 ? rc : 1;
        }
        any = true;
        if (b == c->quote && c->field.len == 0) {
            if ((rc = quoted(c)) < 0)
                return rc;
        } else if (b == c->delim) {
            if ((rc = end_field(c)) < 0)
                return rc;
        } else if (b == '\n' || b == '\r') {
            if (b == '\r' && peekbyte(c) == '\n')
                getbyte(c);
            c->next_line++;
            return (rc = end_field(c)) < 0 ? rc : 1;
        } else {
            osr_buf_putc(&c->field, (char)b);
        }
    }
}

void osr_csv_close(struct osr_csv *c)
{
    if (c->gz)
        gzclose(c->gz);
    c->gz = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    osr_strv_dispose(&c->fields);
    osr_buf_dispose(&c->field);
}
