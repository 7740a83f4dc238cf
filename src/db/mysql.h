/*
 * mysql.h - the MySQL / MariaDB connector's parts that the pipeline steps use: a query
 * streamed row by row, statements, and LOAD DATA LOCAL INFILE fed from memory.
 *
 * Every session installs its own LOCAL INFILE handler, so whatever file a server asks
 * for, the client never reads one from disk: it sends only the rows of a load that
 * osr_db_my_load is running, and refuses any other request.
 */
#ifndef OSR_DB_MYSQL_H
#define OSR_DB_MYSQL_H

#include "core/buf.h"
#include "db/db.h"

/* How a column's values arrive: their text form, read as the kind says. */
enum osr_db_my_kind {
    OSR_DB_MY_INT,      /* decimal digits (an unsigned BIGINT may exceed int64) */
    OSR_DB_MY_REAL,     /* a float or double */
    OSR_DB_MY_TEXT,     /* text; also DECIMAL (exact digits), DATE, TIME, JSON */
    OSR_DB_MY_DATETIME, /* "YYYY-MM-DD hh:mm:ss[.ffffff]" */
    OSR_DB_MY_BLOB,     /* bytes: BLOB, BINARY, VARBINARY, BIT, GEOMETRY */
};

struct osr_db_my_col {
    const char *name;
    char decl[48]; /* a portable type name: INTEGER, BIGINT, NUMERIC(10,2), TIMESTAMP, BLOB... */
    enum osr_db_my_kind kind;
};

/* What osr_db_my_stream hands its rows to. A non-zero return stops the stream. */
struct osr_db_my_reader {
    int (*columns)(const struct osr_db_my_col *cols, size_t n, void *payload);
    /* values[i] is NULL for an SQL null; the row is valid during the call only */
    int (*row)(char **values, const unsigned long *lens, void *payload);
    void *payload;
};

/* Runs the query `sql` in a transaction with a consistent snapshot (read-only when the
 * session was opened read_only) in UTC, unbuffered: the client holds one row at a time,
 * so a result of any size streams in constant memory. Returns 0 at the end, 1 when a
 * callback stopped it (the rest is not read: the session is cancelled and can only be
 * closed), or -OSR_ECONN with `e` filled. */
int osr_db_my_stream(osr_db *db, const char *sql, const struct osr_db_my_reader *r,
                     struct osr_db_error *e);

/* Runs one statement; a result it returns is read and dropped. */
int osr_db_my_exec(osr_db *db, const char *sql, struct osr_db_error *e);

/* Runs a query and hands each row of its (buffered) result to `row` (values as in
 * osr_db_my_reader; a non-zero return stops). For small catalog answers. */
int osr_db_my_rows(osr_db *db, const char *sql,
                   int (*row)(char **values, const unsigned long *lens, void *payload),
                   void *payload, struct osr_db_error *e);

/* Fills `buf` with up to `len` bytes of the file being loaded; returns the byte count, 0
 * at its end, or -1 to abandon the load. */
typedef long (*osr_db_my_feed_fn)(char *buf, size_t len, void *payload);

/* Runs `sql`, a LOAD DATA LOCAL INFILE statement, with the file's bytes from `feed`. The
 * session must have been opened with local_infile. The server turns a refused value or a
 * duplicate key of a LOCAL load into a warning (it cannot stop the sender), so any warning
 * fails the load here, with the first one as the reason. `*rows` gets the rows loaded. */
int osr_db_my_load(osr_db *db, const char *sql, osr_db_my_feed_fn feed, void *payload,
                   uint64_t *rows, struct osr_db_error *e);

/* Appends a quoted identifier, `schema`.`name` when schema is not NULL. */
void osr_db_my_ident(struct osr_buf *out, const char *schema, const char *name);
/* Appends a string literal: '...' with backslash escapes (the writer's sql_mode has them). */
void osr_db_my_literal(struct osr_buf *out, const char *p, size_t len);

/* Stopping the statement running on `db` from another thread: the request is made in the
 * thread that uses `db` (its server thread id, and `cfg`, the resolved connection, borrowed
 * until freed); osr_db_my_canceller_send then connects anew and runs KILL QUERY. */
struct osr_db_my_canceller;
struct osr_db_my_canceller *osr_db_my_canceller_new(osr_db *db, json_t *cfg);
void osr_db_my_canceller_send(struct osr_db_my_canceller *c);
void osr_db_my_canceller_free(struct osr_db_my_canceller *c);

#endif
