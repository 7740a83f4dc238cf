-- Seed data for the Osiris integration tests: PostgreSQL 15.
-- scripts/test-servers loads it with psql as role osiris (the owner of everything here) into
-- database osiris_test, then grants osiris_ro SELECT on every schema.
-- Deterministic: fixed values and generate_series only, never random() or now().
--
-- What is here:
--   public.type_zoo            every column type the connectors must map; row 4 is all NULL
--   public."straße"            unicode table and column ("名前") names, unicode values
--   public."MixedCase"         identifiers that need quoting (capitals, a space)
--   public.big_text            one 1 MiB (1048576 byte) text value
--   public.accounts            password / api_key columns with fake secrets (masking tests)
--   public.event_log           no primary key, duplicate rows
--   sales.customers            200 rows, NULLs in email/notes
--   sales.orders               5000 rows (sampling and ordering), FK to customers
--   sales.order_items          composite primary key, FKs to orders and inventory.products
--   sales.order_totals         view
--   inventory.warehouses       composite primary key (region, code)
--   inventory.products         varchar primary key
--   inventory.stock            composite FK (region, code) -> warehouses, FK sku -> products
--   inventory.stock_by_region  view
--   scale.t001 .. scale.t220   5-8 mixed-type columns each, primary key id, 25 rows each

\set ON_ERROR_STOP on
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
SET timezone = 'UTC';

BEGIN;

CREATE SCHEMA sales;
CREATE SCHEMA "inventory";
CREATE SCHEMA scale;

CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy', 'ecstatic');

-- ---------------------------------------------------------------------------------------
-- public

CREATE TABLE public.type_zoo (
    id            integer PRIMARY KEY,
    c_smallint    smallint,
    c_integer     integer,
    c_bigint      bigint,
    c_numeric     numeric(12,2),
    c_real        real,
    c_double      double precision,
    c_boolean     boolean,
    c_text        text,
    c_varchar     varchar(40),
    c_char        char(3),
    c_date        date,
    c_timestamp   timestamp,
    c_timestamptz timestamptz,
    c_time        time,
    c_interval    interval,
    c_uuid        uuid,
    c_json        json,
    c_jsonb       jsonb,
    c_bytea       bytea,
    c_text_array  text[],
    c_inet        inet,
    c_mood        public.mood
);
COMMENT ON TABLE public.type_zoo IS 'One column per supported type; row 4 is NULL everywhere but id';

INSERT INTO public.type_zoo VALUES
 (1, 1, 100, 9000000000, 1234.56, 1.5, 3.141592653589793, true,
  'hello world', 'short', 'abc', '2024-01-15', '2024-01-15 10:30:00', '2024-01-15 10:30:00+00',
  '10:30:00', '1 day 02:03:04', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"a": 1, "b": [1, 2]}', '{"a": 1, "b": [1, 2], "nested": {"ok": true}}', '\xdeadbeef',
  '{x,y,z}', '192.168.0.1', 'happy'),
 (2, -32768, -2147483648, -9223372036854775808, -9999999999.99, -0.25, -1.0e-300, false,
  'Ünïcödé café ☕ 😀 日本語', 'naïve façade — ¿qué?', 'é€😀', '1970-01-01', '1970-01-01 00:00:00',
  '1999-12-31 23:59:59.999999+00', '00:00:00', '-3 mons -4 days', '00000000-0000-0000-0000-000000000000',
  '{"emoji": "🎉", "accents": "àéîõü"}', '{"emoji": "🎉", "accents": "àéîõü"}', '\x00ff00',
  '{"quoted \"item\"","with,comma",NULL}', '::1', 'sad'),
 (3, 32767, 2147483647, 9223372036854775807, 9999999999.99, 3.4e38, 1.7976931348623157e308, true,
  E'line one\nline two\ttabbed \\ backslash ''quoted''', '', '  x', '9999-12-31', '2038-01-19 03:14:07.123456',
  '2038-01-19 03:14:07.123456+00', '23:59:59.999999', '178000000 years', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '[]', 'null', '\x', '{}', '10.0.0.0/8', 'ecstatic'),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE public."straße" (
    id       integer PRIMARY KEY,
    "名前"   text NOT NULL,
    "größe"  numeric(6,2),
    notiz    text
);
INSERT INTO public."straße" VALUES
 (1, 'Zoë 😀', 1.75, 'emoji and diaeresis'),
 (2, 'Renée Müller', 1.62, 'accents'),
 (3, '東京タワー', 333.00, 'CJK'),
 (4, 'Ærøskøbing', NULL, NULL),
 (5, '🦄🌈✨', 0.10, 'only emoji'),
 (6, 'Ελληνικά Ωμέγα', NULL, 'Greek'),
 (7, 'مرحبا', 2.00, 'right-to-left');

CREATE TABLE public."MixedCase" (
    "Id"           integer PRIMARY KEY,
    "Display Name" text,
    "camelCol"     integer
);
INSERT INTO public."MixedCase" VALUES (1, 'first', 10), (2, 'second', NULL), (3, NULL, 30);

CREATE TABLE public.big_text (
    id    integer PRIMARY KEY,
    label text NOT NULL,
    body  text
);
-- 'osiris big text 0123456789abcdef' is 32 bytes; 32768 copies are 1048576 bytes (1 MiB).
INSERT INTO public.big_text VALUES
 (1, 'one mebibyte', repeat('osiris big text 0123456789abcdef', 32768)),
 (2, 'small', 'tiny'),
 (3, 'null body', NULL);

CREATE TABLE public.accounts (
    id         integer PRIMARY KEY,
    username   varchar(40) NOT NULL UNIQUE,
    email      text,
    password   text,
    api_key    text,
    created_at timestamptz NOT NULL
);
COMMENT ON COLUMN public.accounts.password IS 'fake secret for masking tests';
INSERT INTO public.accounts VALUES
 (1, 'alice', 'alice@example.com', 'hunter2-FAKE', 'sk_test_FAKE_4eC39HqLyjWDarjtT1zdp7dc', '2024-01-01 09:00:00+00'),
 (2, 'bob', 'bob@example.org', 'correct-horse-battery-staple-FAKE', 'ak_live_FAKE_0000111122223333', '2024-02-02 10:00:00+00'),
 (3, 'carol', NULL, NULL, NULL, '2024-03-03 11:00:00+00'),
 (4, 'dávid', 'dávid@example.net', 'pässwörd-FAKE-🔑', 'key-FAKE-ünïcode', '2024-04-04 12:00:00+00');

CREATE TABLE public.event_log (
    occurred_at timestamptz,
    level       varchar(10),
    message     text,
    payload     jsonb
);
COMMENT ON TABLE public.event_log IS 'No primary key; rows 1 and 2 are identical';
INSERT INTO public.event_log VALUES
 ('2024-05-01 12:00:00+00', 'info', 'started', '{"pid": 1}'),
 ('2024-05-01 12:00:00+00', 'info', 'started', '{"pid": 1}'),
 ('2024-05-01 12:00:05+00', 'warn', 'slow query', NULL),
 (NULL, 'error', NULL, '{"code": "E42", "msg": "ünïcode 💥"}'),
 ('2024-05-01 12:01:00+00', NULL, 'stopped', '{}');

-- ---------------------------------------------------------------------------------------
-- inventory

CREATE TABLE "inventory".warehouses (
    region char(2)     NOT NULL,
    code   smallint    NOT NULL,
    name   varchar(40) NOT NULL,
    city   text,
    PRIMARY KEY (region, code)
);
INSERT INTO "inventory".warehouses VALUES
 ('EU', 1, 'Berlin North', 'Berlin'),
 ('EU', 2, 'Paris Sud', 'Paris'),
 ('US', 1, 'Newark', NULL),
 ('AP', 7, 'Tōkyō Bay', '東京');

CREATE TABLE "inventory".products (
    sku          varchar(20) PRIMARY KEY,
    name         text NOT NULL,
    price        numeric(12,2) NOT NULL,
    discontinued boolean NOT NULL DEFAULT false,
    weight_kg    real
);
INSERT INTO "inventory".products
SELECT 'SKU-' || lpad(i::text, 4, '0'),
       'Product ' || i,
       round((i * 7.31)::numeric % 500 + 0.99, 2),
       i % 9 = 0,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 23) * 0.25 END
FROM generate_series(1, 60) AS i;

CREATE TABLE "inventory".stock (
    region     char(2)     NOT NULL,
    code       smallint    NOT NULL,
    sku        varchar(20) NOT NULL REFERENCES "inventory".products (sku),
    qty        integer     NOT NULL,
    updated_at timestamp,
    PRIMARY KEY (region, code, sku),
    FOREIGN KEY (region, code) REFERENCES "inventory".warehouses (region, code)
);
INSERT INTO "inventory".stock
SELECT w.region, w.code, p.sku,
       (w.code * 31 + substr(p.sku, 5)::int * 17) % 250,
       CASE WHEN substr(p.sku, 5)::int % 4 = 0 THEN NULL
            ELSE timestamp '2024-06-01 08:00:00' + substr(p.sku, 5)::int * interval '1 hour' END
FROM "inventory".warehouses w
JOIN "inventory".products p ON substr(p.sku, 5)::int % (w.code + 1) = 0;

CREATE VIEW "inventory".stock_by_region AS
SELECT region, count(*) AS skus, sum(qty) AS total_qty
FROM "inventory".stock
GROUP BY region;

-- ---------------------------------------------------------------------------------------
-- sales

CREATE TABLE sales.customers (
    id         integer PRIMARY KEY,
    name       text NOT NULL,
    email      text,
    country    char(2) NOT NULL,
    created_at timestamp NOT NULL,
    notes      text
);
INSERT INTO sales.customers
SELECT i,
       (ARRAY['Anna', 'Björn', 'Chloé', 'Dmitri', 'Eitan', 'Fatima', 'Günther', 'Hiro'])[1 + i % 8]
           || ' ' || (ARRAY['Smith', 'Müller', 'García', 'Nguyễn', 'O''Brien', '李'])[1 + i % 6] || ' ' || i,
       CASE WHEN i % 7 = 0 THEN NULL ELSE 'customer' || i || '@example.com' END,
       (ARRAY['DE', 'FR', 'US', 'JP', 'BR'])[1 + i % 5],
       timestamp '2022-01-01 00:00:00' + i * interval '1 day 3 hours',
       CASE WHEN i % 3 = 0 THEN 'vip' ELSE NULL END
FROM generate_series(1, 200) AS i;

CREATE TABLE sales.orders (
    id          bigint PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES sales.customers (id),
    order_date  date NOT NULL,
    status      varchar(12) NOT NULL,
    total       numeric(12,2) NOT NULL,
    note        text
);
CREATE INDEX orders_customer_idx ON sales.orders (customer_id);
INSERT INTO sales.orders
SELECT i,
       1 + (i * 7) % 200,
       date '2023-01-01' + i % 365,
       (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4],
       ((i * 37) % 100000) / 100.0,
       CASE WHEN i % 10 = 0 THEN NULL ELSE 'order ' || i END
FROM generate_series(1, 5000) AS i;

CREATE TABLE sales.order_items (
    order_id    bigint   NOT NULL REFERENCES sales.orders (id),
    line_no     smallint NOT NULL,
    sku         varchar(20) NOT NULL REFERENCES "inventory".products (sku),
    quantity    integer  NOT NULL,
    unit_price  numeric(12,2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
INSERT INTO sales.order_items
SELECT o, l,
       'SKU-' || lpad((1 + (o * 3 + l) % 60)::text, 4, '0'),
       1 + (o + l) % 5,
       ((o * 13 + l * 101) % 20000) / 100.0
FROM generate_series(1, 1000) AS o, generate_series(1, 3) AS l
WHERE l <= 1 + o % 3;

CREATE VIEW sales.order_totals AS
SELECT o.id AS order_id, o.customer_id, c.name AS customer_name, o.order_date, o.status,
       count(i.line_no) AS lines, coalesce(sum(i.quantity * i.unit_price), 0) AS items_total
FROM sales.orders o
JOIN sales.customers c ON c.id = o.customer_id
LEFT JOIN sales.order_items i ON i.order_id = o.id
GROUP BY o.id, o.customer_id, c.name, o.order_date, o.status;

-- ---------------------------------------------------------------------------------------
-- scale: 220 tables t001..t220 for discovery at scale. Table n has 5 + n % 4 columns:
-- id, label, amount, created_at, flag, then qty, note, score as the count allows.

DO $$
DECLARE
    n      int;
    tname  text;
    ncols  int;
    ddl    text;
    sel    text;
BEGIN
    FOR n IN 1..220 LOOP
        tname := 't' || lpad(n::text, 3, '0');
        ncols := 5 + n % 4;
        ddl := 'id integer PRIMARY KEY, label varchar(40) NOT NULL, amount numeric(12,2), '
            || 'created_at timestamp, flag boolean';
        sel := 'i, ' || quote_literal(tname || ' row ') || ' || i, '
            || '((i * ' || n || ') % 10000) / 100.0, '
            || 'timestamp ''2024-01-01'' + (i + ' || n || ') * interval ''1 hour'', '
            || 'CASE WHEN i % 5 = 0 THEN NULL ELSE (i + ' || n || ') % 2 = 0 END';
        IF ncols >= 6 THEN
            ddl := ddl || ', qty bigint';
            sel := sel || ', i * ' || n;
        END IF;
        IF ncols >= 7 THEN
            ddl := ddl || ', note text';
            sel := sel || ', CASE WHEN i % 4 = 0 THEN NULL ELSE ''note '' || i END';
        END IF;
        IF ncols >= 8 THEN
            ddl := ddl || ', score double precision';
            sel := sel || ', i / 8.0';
        END IF;
        EXECUTE format('CREATE TABLE scale.%I (%s)', tname, ddl);
        EXECUTE format('INSERT INTO scale.%I SELECT %s FROM generate_series(1, 25) AS i', tname, sel);
    END LOOP;
END
$$;

COMMIT;
