/*
 * csv.h - a streaming CSV reader (RFC 4180 with a configurable delimiter and quote).
 *
 * Reads from a file descriptor in chunks and hands out one record at a time, so a file of
 * any size is read in constant memory. A field longer than the limit is an error (never
 * an unbounded allocation); quoted fields may hold delimiters, quotes ("") and newlines.
 * The reader tracks 1-based line numbers for error messages. gzip files are decompressed
 * as they are read.
 */
#ifndef OSR_DB_CSV_H
#define OSR_DB_CSV_H

#include "core/buf.h"
#include "core/strv.h"

struct osr_csv {
    int fd;
    void *gz; /* a gzip stream over fd (zlib's gzFile), or NULL */
    char delim, quote;
    size_t max_field;
    char chunk[65536];
    size_t pos, len;
    bool eof;
    unsigned long line;      /* line where the last record started */
    unsigned long next_line; /* line the next record starts on */
    struct osr_strv fields;  /* the last record */
    struct osr_buf field;
    char error[200];
};

/* Opens `path`, decompressing it when `gzip` is set (a file that is not gzip is then read
 * as it is). Returns 0 or -OSR_E*. */
int osr_csv_open(struct osr_csv *c, const char *path, bool gzip, char delim, char quote,
                 size_t max_field);
/* Reads the next record into c->fields. Returns 1 for a record, 0 at the end, or a
 * negative code with c->error set (unterminated quote, field too long, read error). */
int osr_csv_next(struct osr_csv *c);
void osr_csv_close(struct osr_csv *c);

#endif
