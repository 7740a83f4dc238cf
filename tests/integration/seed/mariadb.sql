-- Seed data for the Osiris integration tests: MariaDB 10.11.
-- scripts/test-servers creates the databases osiris_test, osiris_sales and osiris_scale and
-- the users osiris (all privileges on `osiris%`) and osiris_ro (SELECT, SHOW VIEW), then loads
-- this file with the mariadb client as root (utf8mb4).
-- Deterministic: fixed values and recursive CTEs only, never RAND() or NOW(). The generated
-- rows follow the same formulas as postgres.sql, so both engines hold the same data.
--
-- What is here:
--   osiris_test.type_zoo          every column type the connectors must map; row 4 is all NULL
--   osiris_test.`straße`          unicode table and column (`名前`) names, unicode values
--   osiris_test.`MixedCase`       identifiers that need quoting (capitals, a space)
--   osiris_test.big_text          one 1 MiB (1048576 byte) LONGTEXT value
--   osiris_test.accounts          password / api_key columns with fake secrets (masking tests)
--   osiris_test.event_log         no primary key, duplicate rows
--   osiris_test.warehouses        composite primary key (region, code)
--   osiris_test.products          varchar primary key
--   osiris_test.stock             composite FK (region, code) -> warehouses, FK sku -> products
--   osiris_test.stock_by_region   view
--   osiris_sales.customers        200 rows, NULLs in email/notes
--   osiris_sales.orders           5000 rows (sampling and ordering), FK to customers
--   osiris_sales.order_items      composite primary key, FK to orders
--   osiris_sales.order_totals     view
--   osiris_scale.t001 .. t220     5-8 mixed-type columns each, primary key id, 25 rows each

SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci;
SET time_zone = '+00:00';
SET max_recursive_iterations = 100000;
SET sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION';

-- ---------------------------------------------------------------------------------------
USE osiris_test;

CREATE TABLE type_zoo (
    id           INT PRIMARY KEY,
    c_tinyint1   TINYINT(1),
    c_int        INT,
    c_bigint     BIGINT,
    c_decimal    DECIMAL(12,2),
    c_float      FLOAT,
    c_double     DOUBLE,
    c_varchar    VARCHAR(40),
    c_text       TEXT,
    c_longtext   LONGTEXT,
    c_date       DATE,
    c_datetime   DATETIME(6),
    c_timestamp  TIMESTAMP NULL DEFAULT NULL,
    c_time       TIME,
    c_json       JSON,
    c_blob       BLOB,
    c_enum       ENUM('sad', 'ok', 'happy', 'ecstatic'),
    c_set        SET('red', 'green', 'blue'),
    c_bit        BIT(8)
) COMMENT 'One column per supported type; row 4 is NULL everywhere but id';

INSERT INTO type_zoo VALUES
 (1, 1, 100, 9000000000, 1234.56, 1.5, 3.141592653589793, 'short', 'hello world', 'long text',
  '2024-01-15', '2024-01-15 10:30:00.000000', '2024-01-15 10:30:00', '10:30:00',
  '{"a": 1, "b": [1, 2], "nested": {"ok": true}}', X'DEADBEEF', 'happy', 'red,blue', b'10101010'),
 (2, 0, -2147483648, -9223372036854775808, -9999999999.99, -0.25, -1e-300, 'naïve façade — ¿qué?',
  'Ünïcödé café ☕ 😀 日本語', 'é€😀', '1970-01-01', '1970-01-01 00:00:00.000000', '1970-01-01 00:00:01',
  '-838:59:59', '{"emoji": "🎉", "accents": "àéîõü"}', X'00FF00', 'sad', '', b'00000000'),
 (3, 1, 2147483647, 9223372036854775807, 9999999999.99, 3.4e38, 1.7976931348623157e308, '',
  'line one\nline two\ttabbed \\ backslash ''quoted''', '', '9999-12-31', '2038-01-19 03:14:07.123456',
  '2038-01-19 03:14:07', '838:59:59', '[]', X'', 'ecstatic', 'red,green,blue', b'11111111'),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL);

CREATE TABLE `straße` (
    id       INT PRIMARY KEY,
    `名前`   TEXT NOT NULL,
    `größe`  DECIMAL(6,2),
    notiz    TEXT
);
INSERT INTO `straße` VALUES
 (1, 'Zoë 😀', 1.75, 'emoji and diaeresis'),
 (2, 'Renée Müller', 1.62, 'accents'),
 (3, '東京タワー', 333.00, 'CJK'),
 (4, 'Ærøskøbing', NULL, NULL),
 (5, '🦄🌈✨', 0.10, 'only emoji'),
 (6, 'Ελληνικά Ωμέγα', NULL, 'Greek'),
 (7, 'مرحبا', 2.00, 'right-to-left');

CREATE TABLE `MixedCase` (
    `Id`           INT PRIMARY KEY,
    `Display Name` TEXT,
    `camelCol`     INT
);
INSERT INTO `MixedCase` VALUES (1, 'first', 10), (2, 'second', NULL), (3, NULL, 30);

CREATE TABLE big_text (
    id    INT PRIMARY KEY,
    label VARCHAR(40) NOT NULL,
    body  LONGTEXT
);
-- 'osiris big text 0123456789abcdef' is 32 bytes; 32768 copies are 1048576 bytes (1 MiB).
INSERT INTO big_text VALUES
 (1, 'one mebibyte', REPEAT('osiris big text 0123456789abcdef', 32768)),
 (2, 'small', 'tiny'),
 (3, 'null body', NULL);

CREATE TABLE accounts (
    id         INT PRIMARY KEY,
    username   VARCHAR(40) NOT NULL UNIQUE,
    email      VARCHAR(255),
    password   VARCHAR(255) COMMENT 'fake secret for masking tests',
    api_key    VARCHAR(255),
    created_at DATETIME NOT NULL
);
INSERT INTO accounts VALUES
 (1, 'alice', 'alice@example.com', 'hunter2-FAKE', 'sk_test_FAKE_4eC39HqLyjWDarjtT1zdp7dc', '2024-01-01 09:00:00'),
 (2, 'bob', 'bob@example.org', 'correct-horse-battery-staple-FAKE', 'ak_live_FAKE_0000111122223333', '2024-02-02 10:00:00'),
 (3, 'carol', NULL, NULL, NULL, '2024-03-03 11:00:00'),
 (4, 'dávid', 'dávid@example.net', 'pässwörd-FAKE-🔑', 'key-FAKE-ünïcode', '2024-04-04 12:00:00');

CREATE TABLE event_log (
    occurred_at DATETIME,
    level       VARCHAR(10),
    message     TEXT,
    payload     JSON
) COMMENT 'No primary key; rows 1 and 2 are identical';
INSERT INTO event_log VALUES
 ('2024-05-01 12:00:00', 'info', 'started', '{"pid": 1}'),
 ('2024-05-01 12:00:00', 'info', 'started', '{"pid": 1}'),
 ('2024-05-01 12:00:05', 'warn', 'slow query', NULL),
 (NULL, 'error', NULL, '{"code": "E42", "msg": "ünïcode 💥"}'),
 ('2024-05-01 12:01:00', NULL, 'stopped', '{}');

CREATE TABLE warehouses (
    region CHAR(2)     NOT NULL,
    code   SMALLINT    NOT NULL,
    name   VARCHAR(40) NOT NULL,
    city   TEXT,
    PRIMARY KEY (region, code)
);
INSERT INTO warehouses VALUES
 ('EU', 1, 'Berlin North', 'Berlin'),
 ('EU', 2, 'Paris Sud', 'Paris'),
 ('US', 1, 'Newark', NULL),
 ('AP', 7, 'Tōkyō Bay', '東京');

CREATE TABLE products (
    sku          VARCHAR(20) PRIMARY KEY,
    name         TEXT NOT NULL,
    price        DECIMAL(12,2) NOT NULL,
    discontinued TINYINT(1) NOT NULL DEFAULT 0,
    weight_kg    FLOAT
);
INSERT INTO products
SELECT CONCAT('SKU-', LPAD(i, 4, '0')),
       CONCAT('Product ', i),
       ROUND(MOD(i * 7.31, 500) + 0.99, 2),
       i % 9 = 0,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 23) * 0.25 END
FROM (WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 60)
      SELECT i FROM seq) AS g;

CREATE TABLE stock (
    region     CHAR(2)     NOT NULL,
    code       SMALLINT    NOT NULL,
    sku        VARCHAR(20) NOT NULL,
    qty        INT         NOT NULL,
    updated_at DATETIME,
    PRIMARY KEY (region, code, sku),
    CONSTRAINT stock_sku_fk FOREIGN KEY (sku) REFERENCES products (sku),
    CONSTRAINT stock_warehouse_fk FOREIGN KEY (region, code) REFERENCES warehouses (region, code)
);
INSERT INTO stock
SELECT w.region, w.code, p.sku,
       (w.code * 31 + CAST(SUBSTR(p.sku, 5) AS UNSIGNED) * 17) % 250,
       CASE WHEN CAST(SUBSTR(p.sku, 5) AS UNSIGNED) % 4 = 0 THEN NULL
            ELSE TIMESTAMP '2024-06-01 08:00:00' + INTERVAL CAST(SUBSTR(p.sku, 5) AS UNSIGNED) HOUR END
FROM warehouses w
JOIN products p ON CAST(SUBSTR(p.sku, 5) AS UNSIGNED) % (w.code + 1) = 0;

CREATE VIEW stock_by_region AS
SELECT region, COUNT(*) AS skus, SUM(qty) AS total_qty
FROM stock
GROUP BY region;

-- ---------------------------------------------------------------------------------------
USE osiris_sales;

CREATE TABLE customers (
    id         INT PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    email      VARCHAR(255),
    country    CHAR(2) NOT NULL,
    created_at DATETIME NOT NULL,
    notes      TEXT
);
INSERT INTO customers
SELECT i,
       CONCAT(ELT(1 + i % 8, 'Anna', 'Björn', 'Chloé', 'Dmitri', 'Eitan', 'Fatima', 'Günther', 'Hiro'),
              ' ', ELT(1 + i % 6, 'Smith', 'Müller', 'García', 'Nguyễn', 'O''Brien', '李'), ' ', i),
       CASE WHEN i % 7 = 0 THEN NULL ELSE CONCAT('customer', i, '@example.com') END,
       ELT(1 + i % 5, 'DE', 'FR', 'US', 'JP', 'BR'),
       TIMESTAMP '2022-01-01 00:00:00' + INTERVAL (i * 27) HOUR,
       CASE WHEN i % 3 = 0 THEN 'vip' ELSE NULL END
FROM (WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 200)
      SELECT i FROM seq) AS g;

CREATE TABLE orders (
    id          BIGINT PRIMARY KEY,
    customer_id INT NOT NULL,
    order_date  DATE NOT NULL,
    status      VARCHAR(12) NOT NULL,
    total       DECIMAL(12,2) NOT NULL,
    note        TEXT,
    KEY orders_customer_idx (customer_id),
    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
);
INSERT INTO orders
SELECT i,
       1 + (i * 7) % 200,
       DATE '2023-01-01' + INTERVAL (i % 365) DAY,
       ELT(1 + i % 4, 'new', 'paid', 'shipped', 'cancelled'),
       ((i * 37) % 100000) / 100.0,
       CASE WHEN i % 10 = 0 THEN NULL ELSE CONCAT('order ', i) END
FROM (WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 5000)
      SELECT i FROM seq) AS g;

CREATE TABLE order_items (
    order_id   BIGINT   NOT NULL,
    line_no    SMALLINT NOT NULL,
    sku        VARCHAR(20) NOT NULL,
    quantity   INT      NOT NULL,
    unit_price DECIMAL(12,2) NOT NULL,
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)
);
INSERT INTO order_items
SELECT o.i, l.i,
       CONCAT('SKU-', LPAD(1 + (o.i * 3 + l.i) % 60, 4, '0')),
       1 + (o.i + l.i) % 5,
       ((o.i * 13 + l.i * 101) % 20000) / 100.0
FROM (WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000)
      SELECT i FROM seq) AS o
JOIN (SELECT 1 AS i UNION ALL SELECT 2 UNION ALL SELECT 3) AS l ON l.i <= 1 + o.i % 3;

CREATE VIEW order_totals AS
SELECT o.id AS order_id, o.customer_id, c.name AS customer_name, o.order_date, o.status,
       COUNT(i.line_no) AS `lines`, COALESCE(SUM(i.quantity * i.unit_price), 0) AS items_total
FROM orders o
JOIN customers c ON c.id = o.customer_id
LEFT JOIN order_items i ON i.order_id = o.id
GROUP BY o.id, o.customer_id, c.name, o.order_date, o.status;

-- ---------------------------------------------------------------------------------------
-- osiris_scale: 220 tables t001..t220 for discovery at scale. Table n has 5 + n % 4 columns:
-- id, label, amount, created_at, flag, then qty, note, score as the count allows.
USE osiris_scale;

DELIMITER //
BEGIN NOT ATOMIC
    DECLARE n INT DEFAULT 1;
    DECLARE ncols INT;
    DECLARE tname VARCHAR(8);
    DECLARE ddl TEXT;
    DECLARE sel TEXT;
    WHILE n <= 220 DO
        SET tname = CONCAT('t', LPAD(n, 3, '0'));
        SET ncols = 5 + n % 4;
        SET ddl = 'id INT PRIMARY KEY, label VARCHAR(40) NOT NULL, amount DECIMAL(12,2), created_at DATETIME, flag TINYINT(1)';
        SET sel = CONCAT('i, CONCAT(''', tname, ' row '', i), ((i * ', n, ') % 10000) / 100.0, ',
                         'TIMESTAMP ''2024-01-01 00:00:00'' + INTERVAL (i + ', n, ') HOUR, ',
                         'CASE WHEN i % 5 = 0 THEN NULL ELSE (i + ', n, ') % 2 = 0 END');
        IF ncols >= 6 THEN
            SET ddl = CONCAT(ddl, ', qty BIGINT');
            SET sel = CONCAT(sel, ', i * ', n);
        END IF;
        IF ncols >= 7 THEN
            SET ddl = CONCAT(ddl, ', note TEXT');
            SET sel = CONCAT(sel, ', CASE WHEN i % 4 = 0 THEN NULL ELSE CONCAT(''note '', i) END');
        END IF;
        IF ncols >= 8 THEN
            SET ddl = CONCAT(ddl, ', score DOUBLE');
            SET sel = CONCAT(sel, ', i / 8.0');
        END IF;
        EXECUTE IMMEDIATE CONCAT('CREATE TABLE osiris_scale.', tname, ' (', ddl, ')');
        EXECUTE IMMEDIATE CONCAT('INSERT INTO osiris_scale.', tname, ' SELECT ', sel,
            ' FROM (WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 25)',
            ' SELECT i FROM seq) AS g');
        SET n = n + 1;
    END WHILE;
END //
DELIMITER ;
