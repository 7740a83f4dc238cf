/*
 * demo.h - the demo shop database that `osiris init` puts in every new workspace.
 */
#ifndef OSR_DB_DEMO_H
#define OSR_DB_DEMO_H

#include "core/compat.h"

/* Row counts of the generated tables. */
#define OSR_DEMO_CUSTOMERS 500
#define OSR_DEMO_PRODUCTS 60
#define OSR_DEMO_ORDERS 3000

/* Creates the SQLite database at `path` (replacing it atomically): customers, products and
 * orders with foreign keys, generated from a fixed seed so every workspace gets the same
 * rows. */
int osr_demo_db_create(const char *path);

#endif
