/*
 * csv_writer.c - filesystem.csv_writer: deterministic CSV, written whole or not at all.
 *
 * Rows go to a temporary file next to the target, which is renamed over it at commit
 * (after fsync), so a reader never sees half a file and a failed run leaves the old one.
 * Formatting is fixed: integers in decimal, reals in the shortest form that reads back to
 * the same double, blobs in lower-case hex, nulls as null_value; quoting per `quoting`
 * (minimal: only fields with the delimiter, a quote or a line break), quotes doubled.
 * write_mode append copies the existing file first and writes no second header. gzip
 * (compression: gzip, or a path ending in .gz) compresses on the way to the file. One
 * thread writes a file, so the stream is used without its lock.
 */
#include "core/alloc.h"
#include "core/fsutil.h"
#include "pipeline/steps.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum quoting { Q_MINIMAL, Q_ALL, Q_NONNUMERIC };

struct csvw {
    int fd;  /* the temporary file */
    FILE *f; /* the rows go through it: straight to fd, or through gzip */
    char *path, *tmp;
    char delim;
    const char *nl;
    enum quoting quoting;
    const char *null_value;
    bool latin1;
};

static const char *opt(json_t *cfg, const char *key, const char *dflt)
{
    const char *v = json_string_value(json_object_get(cfg, key));
    return v ? v : dflt;
}

/* Writes `p` (UTF-8) in the file's encoding; -1 when latin-1 cannot hold a character. */
static int put_text(struct csvw *w, const char *p, size_t len)
{
    if (!w->latin1)
        return fwrite_unlocked(p, 1, len, w->f) == len ? 0 : -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            putc_unlocked(c, w->f);
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < len) {
            putc_unlocked(((c & 0x03) << 6) | ((unsigned char)p[++i] & 0x3f), w->f);
        } else {
            return -1;
        }
    }
    return 0;
}

static int put_field(struct csvw *w, const char *p, size_t len, bool numeric)
{
    bool quote = w->quoting == Q_ALL || (w->quoting == Q_NONNUMERIC && !numeric);

    for (size_t i = 0; !quote && i < len; i++)
        quote = p[i] == w->delim || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (!quote)
        return put_text(w, p, len);
    putc_unlocked('"', w->f);
    for (size_t i = 0; i < len; i++) {
        size_t run = strcspn(p + i, "\"");
        if (run > len - i)
            run = len - i;
        if (put_text(w, p + i, run) < 0)
            return -1;
        i += run;
        if (i < len)
            fputs_unlocked("\"\"", w->f);
    }
    putc_unlocked('"', w->f);
    return 0;
}

/* `nd` significant digits (exponent of the first: exp10) printed as %.<prec>g prints them:
 * trailing zeros dropped, exponential form below 1e-4 and from 10^prec on. */
static void g_style(char *out, size_t n, bool neg, const char *digits, int nd, int exp10, int prec)
{
    char *p = out;

    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (neg)
        *p++ = '-';
    if (exp10 < -4 || exp10 >= prec) {
        *p++ = digits[0];
        if (nd > 1)
            *p++ = '.';
        memcpy(p, digits + 1, (size_t)nd - 1);
        p += nd - 1;
        snprintf(p, n - (size_t)(p - out), "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        return;
    }
    if (exp10 < 0) {
        memcpy(p, "0.000", (size_t)(1 - exp10)); /* "0." and -exp10 - 1 zeros */
        p += 1 - exp10;
        memcpy(p, digits, (size_t)nd);
        p += nd;
    } else {
        for (int i = 0; i <= exp10; i++)
            *p++ = i < nd ? digits[i] : '0';
        if (nd > exp10 + 1)
            *p++ = '.';
        for (int i = exp10 + 1; i < nd; i++)
            *p++ = digits[i];
    }
    *p = '\0';
}

/* The 17 significant digits of `r` rounded to `prec` into c (exponent: *exp10, moved up
 * when 9s round over); false when the 17 digits sit on the rounding midpoint, where only
 * the exact value can tell the way. */
static bool round_digits(char *c, const char *d, int prec, int *exp10)
{
    bool tie = d[prec] == '5', carry = d[prec] >= '5';

    for (int k = prec + 1; k < 17; k++)
        tie = tie && d[k] == '0';
    if (tie)
        return false;
    memcpy(c, d, (size_t)prec);
    for (int k = prec - 1; k >= 0 && carry; k--) {
        carry = c[k] == '9';
        c[k] = carry ? '0' : (char)(c[k] + 1);
    }
    if (carry) { /* 99...9 rounded up to 10...0 */
        c[0] = '1';
        ++*exp10;
    }
    return true;
}

/* The shortest %g form (15, 16 or 17 significant digits) that reads back to the same
 * double. One printf gives the 17 digits; 15 and 16 are rounded from them and checked
 * with strtod (printf decides only on a rounding midpoint). */
static void format_real(char *out, size_t n, double r)
{
    char e[40], d[17], c[17];
    int exp10;
    bool neg;

    if (!isfinite(r) || r == 0) {
        snprintf(out, n, "%g", r);
        return;
    }
    snprintf(e, sizeof(e), "%.16e", r); /* [-]d.dddddddddddddddde[+-]XX */
    neg = e[0] == '-';
    d[0] = e[neg];
    memcpy(d + 1, e + neg + 2, 16);
    exp10 = (int)strtol(e + neg + 19, NULL, 10);
    for (int prec = 15; prec <= 16; prec++) {
        int ce = exp10;
        if (round_digits(c, d, prec, &ce))
            g_style(out, n, neg, c, prec, ce, prec);
        else
            snprintf(out, n, "%.*g", prec, r);
        if (strtod(out, NULL) == r)
            return;
    }
    g_style(out, n, neg, d, 17, exp10, 17);
}

static ssize_t gz_write(void *cookie, const char *p, size_t n)
{
    int done = n ? gzwrite(cookie, p, (unsigned)n) : 0;

    if (done <= 0 && n) {
        int err = Z_OK;
        gzerror(cookie, &err);
        if (err != Z_ERRNO)
            errno = EIO;
        return -1;
    }
    return done;
}

static int gz_close(void *cookie)
{
    return gzclose(cookie) == Z_OK ? 0 : -1;
}

/* The stream the rows go through: buffered onto a duplicate of `fd`, compressed when
 * `gzip` (closing it writes the gzip trailer). */
static FILE *open_stream(int fd, bool gzip)
{
    int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    gzFile gz;
    FILE *f;

    if (dupfd < 0)
        return NULL;
    if (!gzip) {
        if (!(f = fdopen(dupfd, "w")))
            close(dupfd);
        return f;
    }
    if (!(gz = gzdopen(dupfd, "wb6"))) {
        close(dupfd);
        return NULL;
    }
    gzbuffer(gz, 128u << 10);
    if (!(f = fopencookie(gz, "w", (cookie_io_functions_t){.write = gz_write, .close = gz_close})))
        gzclose(gz);
    return f;
}

/* Whether a real's source text (the shortest that reads back exactly) is what format_real
 * prints for it: plain notation, [-](0|[1-9]digits)[.digits not ending in 0], whose
 * magnitude %g with that many significant digits (at least 15) also prints without an
 * exponent. Then the text is copied, which saves formatting it again. */
static bool reads_as_g(const char *p, size_t n)
{
    size_t i = p[0] == '-', lead = 0, sig = 0, intlen = 0, last_nz = 0;
    bool dot = false, in_lead = true;
    int exp10;

    if (i >= n || (p[i] == '0' && i + 1 < n && p[i + 1] != '.') || p[n - 1] == '.')
        return false;
    for (size_t k = i; k < n; k++) {
        if (p[k] == '.' && !dot) {
            dot = true;
            continue;
        }
        if (p[k] < '0' || p[k] > '9')
            return false;
        intlen += !dot;
        if (in_lead && p[k] == '0') {
            lead += dot; /* zeros after the point before the first significant digit */
            continue;
        }
        in_lead = false;
        sig++;
        if (p[k] != '0')
            last_nz = sig;
    }
    if (dot && p[n - 1] == '0')
        return false;
    if (!sig)
        return true; /* 0, -0 */
    exp10 = intlen && !(intlen == 1 && p[i] == '0') ? (int)intlen - 1 : -(int)lead - 1;
    return exp10 >= -4 && exp10 < (last_nz > 15 ? (int)last_nz : 15);
}

/* A number: its source's text when writers may copy it, else formatted. */
static int put_number(struct csvw *w, const struct osr_batch *b, const struct osr_cell *v)
{
    char num[40];
    const char *src = v->len ? osr_batch_bytes(b, v) : NULL;

    if (src && (v->type == OSR_V_INT || reads_as_g(src, v->len)))
        return put_field(w, src, v->len, true);
    if (v->type == OSR_V_INT)
        snprintf(num, sizeof(num), "%lld", (long long)v->i);
    else
        format_real(num, sizeof(num), v->r);
    return put_field(w, num, strlen(num), true);
}

static void csv_abort(void *state)
{
    struct csvw *w = state;

    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp)
        unlink(w->tmp);
    free(w->path);
    free(w->tmp);
    free(w);
}

/* Copies the existing target into the temporary file (write_mode append), as it is: a
 * gzip file then gets a second gzip member, which readers take as one stream. */
static int copy_existing(struct csvw *w, bool *had_rows)
{
    FILE *in = fopen(w->path, "rbe");
    char buf[65536];
    size_t n;

    *had_rows = false;
    if (!in)
        return errno == ENOENT ? 0 : -1;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        *had_rows = true;
        if (osr_fs_write_all(w->fd, buf, n) < 0) {
            fclose(in);
            return -1;
        }
    }
    fclose(in);
    return 0;
}

static int csv_open(void **state, struct osr_step_ctx *ctx, const struct osr_batch *schema)
{
    struct csvw *w = osr_xcalloc(1, sizeof(*w));
    const char *path = json_string_value(json_object_get(ctx->cfg, "path"));
    const char *delim = opt(ctx->cfg, "delimiter", ",");
    const char *quoting = opt(ctx->cfg, "quoting", "minimal");
    const char *enc = opt(ctx->cfg, "encoding", "utf-8");
    bool append = strcmp(opt(ctx->cfg, "write_mode", "replace"), "append") == 0, had_rows = false;
    uint32_t nonce = 0;
    char *dir;

    *state = w;
    w->fd = -1;
    if (!path)
        return osr_step_fail(ctx, "step '%s' has no path", ctx->step_id);
    if (strlen(delim) != 1 || *delim == '"' || *delim == '\n' || *delim == '\r')
        return osr_step_fail(ctx,
                             "step '%s': the delimiter must be one character other than a "
                             "quote or a line break",
                             ctx->step_id);
    w->delim = *delim;
    w->nl = strcmp(opt(ctx->cfg, "newline", "lf"), "crlf") == 0 ? "\r\n" : "\n";
    w->quoting = strcmp(quoting, "all") == 0          ? Q_ALL
                 : strcmp(quoting, "nonnumeric") == 0 ? Q_NONNUMERIC
                                                      : Q_MINIMAL;
    w->null_value = opt(ctx->cfg, "null_value", "");
    w->latin1 = strcmp(enc, "latin-1") == 0;
    w->path = osr_path_absolute(path, ctx->base_path);
    dir = osr_path_dirname(w->path);
    if (!json_is_false(json_object_get(ctx->cfg, "create_dirs")) && !osr_fs_is_dir(dir) &&
        osr_fs_mkdir_p(dir, 0755) < 0) {
        free(dir);
        return osr_step_fail(ctx, "step '%s': cannot create the directory of %s", ctx->step_id,
                             w->path);
    }
    free(dir);
    if (getrandom(&nonce, sizeof(nonce), 0) < 0)
        nonce = (uint32_t)getpid();
    w->tmp = osr_xasprintf("%s.tmp.%08x", w->path, nonce);
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (w->fd < 0) {
        free(w->tmp);
        w->tmp = NULL;
        return osr_step_fail(ctx, "step '%s': cannot write next to %s: %s", ctx->step_id, w->path,
                             strerror(errno));
    }
    if (append && copy_existing(w, &had_rows) < 0)
        return osr_step_fail(ctx, "step '%s': cannot read %s to append to it", ctx->step_id,
                             w->path);
    if (!(w->f = open_stream(w->fd, osr_step_gzip(ctx, w->path))))
        return osr_step_fail(ctx, "step '%s': cannot write %s: %s", ctx->step_id, w->tmp,
                             strerror(errno));
    if (!json_is_false(json_object_get(ctx->cfg, "header")) && !had_rows) {
        for (size_t c = 0; c < schema->names.n; c++) {
            if (c)
                putc_unlocked(w->delim, w->f);
            if (put_field(w, schema->names.v[c], strlen(schema->names.v[c]), false) < 0)
                return osr_step_fail(ctx,
                                     "step '%s': column name '%s' has characters latin-1 "
                                     "cannot hold",
                                     ctx->step_id, schema->names.v[c]);
        }
        fputs_unlocked(w->nl, w->f);
    }
    return 0;
}

static int csv_write(void *state, struct osr_step_ctx *ctx, const struct osr_batch *b)
{
    struct csvw *w = state;

    for (size_t r = 0; r < b->nrows; r++) {
        const struct osr_cell *row = osr_batch_row(b, r);
        for (size_t c = 0; c < b->names.n; c++) {
            const struct osr_cell *v = &row[c];
            int rc = 0;
            if (c)
                putc_unlocked(w->delim, w->f);
            if (v->type == OSR_V_INT || v->type == OSR_V_REAL) {
                rc = put_number(w, b, v);
            } else if (v->type == OSR_V_TEXT) {
                rc = put_field(w, osr_batch_bytes(b, v), v->len, false);
            } else if (v->type == OSR_V_BLOB) {
                const unsigned char *p = (const unsigned char *)osr_batch_bytes(b, v);
                for (size_t i = 0; i < v->len; i++) {
                    putc_unlocked("0123456789abcdef"[p[i] >> 4], w -> f);
                    putc_unlocked("0123456789abcdef"[p[i] & 15], w -> f);
                }
            } else {
                rc = put_field(w, w->null_value, strlen(w->null_value), false);
            }
            if (rc < 0 && !ferror(w->f))
                return osr_step_fail(ctx,
                                     "step '%s': column '%s' holds characters latin-1 "
                                     "cannot hold; use encoding utf-8",
                                     ctx->step_id, b->names.v[c]);
            if (rc < 0)
                break;
        }
        fputs_unlocked(w->nl, w->f);
    }
    if (ferror(w->f))
        return osr_step_fail(ctx, "step '%s': writing %s failed: %s", ctx->step_id, w->path,
                             strerror(errno));
    return 0;
}

static int csv_commit(void *state, struct osr_step_ctx *ctx)
{
    struct csvw *w = state;
    int rc = 0;
    FILE *f = w->f;

    w->f = NULL;
    if (fflush(f) != 0 || ferror(f)) {
        rc = osr_step_fail(ctx, "step '%s': writing %s failed: %s", ctx->step_id, w->path,
                           strerror(errno));
        fclose(f);
    } else if (fclose(f) != 0 || fsync(w->fd) != 0) {
        rc = osr_step_fail(ctx, "step '%s': writing %s failed: %s", ctx->step_id, w->path,
                           strerror(errno));
    } else if (!ctx->dry_run && rename(w->tmp, w->path) != 0) {
        rc = osr_step_fail(ctx, "step '%s': cannot put %s in place: %s", ctx->step_id, w->path,
                           strerror(errno));
    } else if (!ctx->dry_run) {
        free(w->tmp);
        w->tmp = NULL; /* renamed: nothing to remove */
    }
    csv_abort(w);
    return rc;
}

const struct osr_writer_ops osr_csv_writer = {"filesystem.csv_writer", csv_open, csv_write,
                                              csv_commit, csv_abort};
