-- Revert waffles:prices from pg
BEGIN;
ALTER TABLE waffles DROP COLUMN price_cents;
COMMIT;
