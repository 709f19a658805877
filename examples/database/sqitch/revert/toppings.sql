-- Revert waffles:toppings from pg
BEGIN;
ALTER TABLE waffles DROP COLUMN topping;
COMMIT;
