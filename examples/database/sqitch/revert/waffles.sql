-- Revert waffles:waffles from pg
BEGIN;
DROP TABLE waffles;
COMMIT;
