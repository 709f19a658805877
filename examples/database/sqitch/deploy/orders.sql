-- Deploy waffles:orders to pg
BEGIN;
CREATE TABLE orders (
  id        serial PRIMARY KEY,
  waffle_id integer NOT NULL REFERENCES waffles (id),
  placed_at timestamptz NOT NULL DEFAULT now()
);
COMMIT;
