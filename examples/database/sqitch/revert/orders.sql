-- Revert waffles:orders from pg
BEGIN;
DROP TABLE orders;
COMMIT;
