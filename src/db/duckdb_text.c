/*
 * duckdb_text.c - DuckDB values as DuckDB prints them (see duckdb_text.h).
 *
 * The rules follow DuckDB's own casts to VARCHAR; the processor's unit test compares the
 * two over thousands of values of each type.
 */
#include "db/duckdb_text.h"

#include <inttypes.h>

#define MICROS_PER_HOUR INT64_C(3600000000)
#define TZ_MAX_OFFSET (16 * 60 * 60 - 1) /* a TIME WITH TIME ZONE's offsets, in seconds */

/* Days since 1970-01-01 as a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yy;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static void put_days(struct osr_buf *out, int64_t days)
{
    int64_t y;
    unsigned m, d;

    civil(days, &y, &m, &d);
    if (y <= 0)
        osr_buf_printf(out, "%04" PRId64 "-%02u-%02u (BC)", 1 - y, m, d);
    else
        osr_buf_printf(out, "%04" PRId64 "-%02u-%02u", y, m, d);
}

void osr_duckdb_put_date(struct osr_buf *out, int32_t days)
{
    if (days == INT32_MAX || days == -INT32_MAX)
        osr_buf_puts(out, days > 0 ? "infinity" : "-infinity");
    else
        put_days(out, days);
}

/* HH:MM:SS (hours may pass 99) and the fraction `frac` of `digits` digits, without its
 * trailing zeros, nothing when zero. */
static void put_hms(struct osr_buf *out, uint64_t secs, uint64_t frac, int digits)
{
    char f[24];
    int n;

    osr_buf_printf(out, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, secs / 3600, secs / 60 % 60,
                   secs % 60);
    if (!frac)
        return;
    n = snprintf(f, sizeof(f), "%0*" PRIu64, digits, frac);
    while (n > 0 && f[n - 1] == '0')
        n--;
    osr_buf_printf(out, ".%.*s", n, f);
}

static int64_t per_second(int digits)
{
    int64_t p = 1;

    while (digits-- > 0)
        p *= 10;
    return p;
}

void osr_duckdb_put_time(struct osr_buf *out, int64_t v, int digits)
{
    int64_t unit = per_second(digits);
    uint64_t u = v < 0 ? 0 : (uint64_t)v;

    put_hms(out, u / (uint64_t)unit, u % (uint64_t)unit, digits);
}

void osr_duckdb_put_time_tz(struct osr_buf *out, uint64_t bits)
{
    int32_t offset = TZ_MAX_OFFSET - (int32_t)(bits & 0xffffff);
    uint32_t tz = (uint32_t)(offset < 0 ? -offset : offset);

    osr_duckdb_put_time(out, (int64_t)(bits >> 24), 6);
    osr_buf_printf(out, "%c%02" PRIu32, offset < 0 ? '-' : '+', tz / 3600);
    if (tz % 3600)
        osr_buf_printf(out, ":%02" PRIu32, tz / 60 % 60);
    if (tz % 60)
        osr_buf_printf(out, ":%02" PRIu32, tz % 60);
}

void osr_duckdb_put_timestamp(struct osr_buf *out, int64_t v, int digits, bool utc)
{
    int64_t unit = per_second(digits), per_day = unit * 86400, days, rem;

    if (v == INT64_MAX || v == -INT64_MAX) {
        osr_buf_puts(out, v > 0 ? "infinity" : "-infinity");
        return;
    }
    days = v / per_day - (v % per_day < 0);
    rem = v - days * per_day;
    put_days(out, days);
    osr_buf_putc(out, ' ');
    put_hms(out, (uint64_t)(rem / unit), (uint64_t)(rem % unit), digits);
    if (utc)
        osr_buf_puts(out, "+00");
}

/* "N unit" with a plural unless N is 1 or -1, after a space when something came first. */
static void put_part(struct osr_buf *out, int64_t n, const char *unit)
{
    osr_buf_printf(out, "%s%" PRId64 " %s%s", out->len ? " " : "", n, unit,
                   n == 1 || n == -1 ? "" : "s");
}

void osr_duckdb_put_interval(struct osr_buf *out, int32_t months, int32_t days, int64_t micros)
{
    struct osr_buf part;
    uint64_t mag = micros < 0 ? -(uint64_t)micros : (uint64_t)micros;

    /* `part` starts empty, so put_part knows when a space is due */
    osr_buf_init(&part, 256);
    if (months / 12)
        put_part(&part, months / 12, "year");
    if (months % 12)
        put_part(&part, months % 12, "month");
    if (days)
        put_part(&part, days, "day");
    if (micros || !part.len) {
        if (part.len)
            osr_buf_putc(&part, ' ');
        if (micros < 0)
            osr_buf_putc(&part, '-');
        put_hms(&part, mag / 1000000, mag % 1000000, 6);
    }
    osr_buf_put(out, part.ptr, part.len);
    osr_buf_dispose(&part);
}

void osr_duckdb_put_uuid(struct osr_buf *out, uint64_t lower, int64_t upper)
{
    uint64_t hi = (uint64_t)upper ^ (UINT64_C(1) << 63);

    osr_buf_printf(out, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
                   hi >> 32, hi >> 16 & 0xffff, hi & 0xffff, lower >> 48,
                   lower & UINT64_C(0xffffffffffff));
}

void osr_duckdb_put_u128(struct osr_buf *out, osr_u128 v)
{
    char digits[40];
    size_t n = sizeof(digits);

    do {
        digits[--n] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    osr_buf_put(out, digits + n, sizeof(digits) - n);
}

void osr_duckdb_put_decimal(struct osr_buf *out, osr_i128 v, unsigned scale)
{
    osr_u128 mag = v < 0 ? -(osr_u128)v : (osr_u128)v, pow = 1;

    for (unsigned i = 0; i < scale; i++)
        pow *= 10;
    if (v < 0)
        osr_buf_putc(out, '-');
    osr_duckdb_put_u128(out, mag / pow);
    if (scale) {
        char frac[40];
        size_t n = sizeof(frac);
        osr_u128 f = mag % pow;
        for (unsigned i = 0; i < scale; i++, f /= 10)
            frac[--n] = (char)('0' + (int)(f % 10));
        osr_buf_putc(out, '.');
        osr_buf_put(out, frac + n, scale);
    }
}
