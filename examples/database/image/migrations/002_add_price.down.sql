ALTER TABLE waffles DROP COLUMN price_cents;
