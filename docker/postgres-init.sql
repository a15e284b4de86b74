-- The example schema of the pipelines (Debezium's tutorial tables).
CREATE TABLE customers (
  id SERIAL PRIMARY KEY,
  first_name VARCHAR(255) NOT NULL,
  last_name VARCHAR(255) NOT NULL,
  email VARCHAR(255) NOT NULL UNIQUE
);
INSERT INTO customers (first_name, last_name, email) VALUES
  ('Sally', 'Thomas', 'sally.thomas@acme.com'),
  ('George', 'Bailey', 'gbailey@foobar.com'),
  ('Edward', 'Walker', 'ed@walker.com'),
  ('Anne', 'Kretchmar', 'annek@noanswer.org');

CREATE TABLE accounts (
  id SERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  balance NUMERIC(12, 2) NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT now()
);
INSERT INTO accounts (name, balance) SELECT 'account ' || g, g * 10 FROM generate_series(1, 100) g;

-- the JDBC sink's target database
CREATE DATABASE inventory_copy;
