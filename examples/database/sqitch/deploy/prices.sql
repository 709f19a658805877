-- Deploy waffles:prices to pg
BEGIN;
ALTER TABLE waffles ADD COLUMN price_cents integer NOT NULL DEFAULT 450 CHECK (price_cents > 0);
COMMIT;
