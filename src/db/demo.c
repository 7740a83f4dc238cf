/*
 * demo.c - a deterministic demo shop in SQLite (see demo.h).
 *
 * The rows come from a xorshift generator with a fixed seed, so two workspaces created on
 * different machines hold identical data and examples in the docs stay true. The database
 * is built in a temporary file next to the target and renamed into place.
 */
#include "db/demo.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"

#include <sqlite3.h>
#include <sys/random.h>
#include <unistd.h>

struct rng {
    uint64_t s;
};

static uint32_t next(struct rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 16);
}

static uint32_t below(struct rng *r, uint32_t n)
{
    return next(r) % n;
}

static const char *const first_names[] = {
    "Ada",   "Bruno",  "Chiara", "Dmitri", "Elena", "Farid", "Greta",  "Hugo",  "Ines",  "Jonas",
    "Kaito", "Lena",   "Mateo",  "Nora",   "Omar",  "Petra", "Quinn",  "Rosa",  "Sven",  "Tariq",
    "Uma",   "Viktor", "Wanda",  "Ximena", "Yusuf", "Zoe",   "Amélie", "Björn", "Çelik", "Łucja"};
static const char *const last_names[] = {"Novak",  "Rossi",  "Schmidt", "Garcia",  "Kowalski",
                                         "Dubois", "Jensen", "Silva",   "Tanaka",  "Müller",
                                         "Horvat", "Costa",  "Nielsen", "Ivanova", "Okafor",
                                         "Larsen", "Moreau", "Svoboda", "Fischer", "Lindqvist"};
static const char *const countries[] = {"CZ", "DE", "FR", "IT", "ES", "PL",
                                        "SE", "NL", "US", "GB", "JP", "BR"};
static const char *const categories[] = {"books",   "garden", "kitchen",
                                         "outdoor", "toys",   "electronics"};
static const char *const adjectives[] = {"Classic", "Compact", "Deluxe",  "Eco",   "Pro",
                                         "Smart",   "Travel",  "Vintage", "Quiet", "Rugged"};
static const char *const nouns[] = {"Lamp",    "Kettle", "Backpack", "Notebook", "Speaker",
                                    "Planter", "Puzzle", "Thermos",  "Tent",     "Blender"};
static const char *const statuses[] = {"delivered",  "delivered", "delivered", "shipped",
                                       "processing", "cancelled", "refunded"};

static const char schema_sql[] =
    "PRAGMA foreign_keys = ON;"
    "CREATE TABLE customers ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  email TEXT NOT NULL UNIQUE,"
    "  country TEXT NOT NULL,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TABLE products ("
    "  id INTEGER PRIMARY KEY,"
    "  sku TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  price REAL NOT NULL,"
    "  in_stock INTEGER NOT NULL DEFAULT 1"
    ");"
    "CREATE TABLE orders ("
    "  id INTEGER PRIMARY KEY,"
    "  customer_id INTEGER NOT NULL REFERENCES customers(id),"
    "  product_id INTEGER NOT NULL REFERENCES products(id),"
    "  quantity INTEGER NOT NULL,"
    "  unit_price REAL NOT NULL,"
    "  status TEXT NOT NULL,"
    "  ordered_at TEXT NOT NULL,"
    "  note TEXT"
    ");"
    "CREATE INDEX orders_customer ON orders(customer_id);"
    "CREATE VIEW order_totals AS"
    "  SELECT o.id AS order_id, c.name AS customer, p.name AS product,"
    "         o.quantity * o.unit_price AS total, o.status, o.ordered_at"
    "  FROM orders o JOIN customers c ON c.id = o.customer_id"
    "  JOIN products p ON p.id = o.product_id;";

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = 0;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        rc = osr_error_set(-OSR_EIO, "demo database: %s", err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    return rc;
}

/* A date in 2024-2025 as ISO 8601, from a day offset. */
static void iso_date(char *buf, size_t n, uint32_t day, uint32_t secs)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = 2024, month = 0;

    day %= 730;
    for (;;) {
        int ylen = year == 2024 ? 366 : 365;
        if ((int)day < ylen)
            break;
        day -= (uint32_t)ylen;
        year++;
    }
    for (;;) {
        int ml = mdays[month] + (month == 1 && year == 2024 ? 1 : 0);
        if ((int)day < ml)
            break;
        day -= (uint32_t)ml;
        month++;
    }
    snprintf(buf, n, "%04d-%02d-%02dT%02u:%02u:%02uZ", year, month + 1, (int)day + 1,
             (secs / 3600) % 24, (secs / 60) % 60, secs % 60);
}

static int insert_customers(sqlite3 *db, struct rng *r)
{
    sqlite3_stmt *st;
    int rc = 0;

    if (sqlite3_prepare_v2(db, "INSERT INTO customers VALUES (?,?,?,?,?)", -1, &st, NULL))
        return osr_error_set(-OSR_EIO, "demo database: %s", sqlite3_errmsg(db));
    for (int id = 1; id <= OSR_DEMO_CUSTOMERS && rc == 0; id++) {
        const char *fn = first_names[below(r, OSR_ARRAY_LEN(first_names))];
        const char *ln = last_names[below(r, OSR_ARRAY_LEN(last_names))];
        char name[96], email[128], date[32];

        snprintf(name, sizeof(name), "%s %s", fn, ln);
        snprintf(email, sizeof(email), "customer%04d@example.com", id);
        iso_date(date, sizeof(date), below(r, 730), next(r) % 86400);
        sqlite3_bind_int(st, 1, id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, email, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, countries[below(r, OSR_ARRAY_LEN(countries))], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, date, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = osr_error_set(-OSR_EIO, "demo database: %s", sqlite3_errmsg(db));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_products(sqlite3 *db, struct rng *r, double *prices)
{
    sqlite3_stmt *st;
    int rc = 0;

    if (sqlite3_prepare_v2(db, "INSERT INTO products VALUES (?,?,?,?,?,?)", -1, &st, NULL))
        return osr_error_set(-OSR_EIO, "demo database: %s", sqlite3_errmsg(db));
    for (int id = 1; id <= OSR_DEMO_PRODUCTS && rc == 0; id++) {
        char sku[32], name[64];

        snprintf(sku, sizeof(sku), "SKU-%05d", 1000 + id * 7);
        snprintf(name, sizeof(name), "%s %s", adjectives[below(r, OSR_ARRAY_LEN(adjectives))],
                 nouns[below(r, OSR_ARRAY_LEN(nouns))]);
        prices[id] = (double)(199 + below(r, 30000)) / 100.0;
        sqlite3_bind_int(st, 1, id);
        sqlite3_bind_text(st, 2, sku, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, categories[below(r, OSR_ARRAY_LEN(categories))], -1,
                          SQLITE_STATIC);
        sqlite3_bind_double(st, 5, prices[id]);
        sqlite3_bind_int(st, 6, below(r, 10) != 0);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = osr_error_set(-OSR_EIO, "demo database: %s", sqlite3_errmsg(db));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_orders(sqlite3 *db, struct rng *r, const double *prices)
{
    sqlite3_stmt *st;
    int rc = 0;

    if (sqlite3_prepare_v2(db, "INSERT INTO orders VALUES (?,?,?,?,?,?,?,?)", -1, &st, NULL))
        return osr_error_set(-OSR_EIO, "demo database: %s", sqlite3_errmsg(db));
    for (int id = 1; id <= OSR_DEMO_ORDERS && rc == 0; id++) {
        int product = 1 + (int)below(r, OSR_DEMO_PRODUCTS);
        char date[32];

        iso_date(date, sizeof(date), below(r, 730), next(r) % 86400);
        sqlite3_bind_int(st, 1, id);
        sqlite3_bind_int(st, 2, 1 + (int)below(r, OSR_DEMO_CUSTOMERS));
        sqlite3_bind_int(st, 3, product);
        sqlite3_bind_int(st, 4, 1 + (int)below(r, 5));
        sqlite3_bind_double(st, 5, prices[product]);
        sqlite3_bind_text(st, 6, statuses[below(r, OSR_ARRAY_LEN(statuses))], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, date, -1, SQLITE_TRANSIENT);
        if (below(r, 8) == 0)
            sqlite3_bind_text(st, 8, "gift wrap, please", -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 8);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = osr_error_set(-OSR_EIO, "demo database: %s", sqlite3_errmsg(db));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int fill(sqlite3 *db)
{
    struct rng r = {0x9E3779B97F4A7C15ull};
    double prices[OSR_DEMO_PRODUCTS + 1];
    int rc;

    if ((rc = exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")) < 0 ||
        (rc = exec(db, "BEGIN")) < 0 || (rc = exec(db, schema_sql)) < 0 ||
        (rc = insert_customers(db, &r)) < 0 || (rc = insert_products(db, &r, prices)) < 0 ||
        (rc = insert_orders(db, &r, prices)) < 0)
        return rc;
    return exec(db, "COMMIT");
}

int osr_demo_db_create(const char *path)
{
    uint32_t nonce = (uint32_t)getpid();
    char *tmp;
    sqlite3 *db = NULL;
    int rc;

    if (getrandom(&nonce, sizeof(nonce), 0) < 0)
        nonce = (uint32_t)getpid();
    tmp = osr_xasprintf("%s.tmp.%08x", path, nonce);
    if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        rc = osr_error_set(-OSR_EIO, "cannot create %s: %s", tmp,
                           db ? sqlite3_errmsg(db) : "out of memory");
    else
        rc = fill(db);
    if (sqlite3_close(db) != SQLITE_OK && rc == 0)
        rc = osr_error_set(-OSR_EIO, "cannot close %s", tmp);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = osr_error_set_errno(-OSR_EIO, "cannot move the demo database to %s", path);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
