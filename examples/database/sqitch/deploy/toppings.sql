-- Deploy waffles:toppings to pg
-- Broken on purpose: waffles has rows, and a NOT NULL column without a default cannot be added to
-- them. PostgreSQL refuses, Sqitch reverts what this deploy applied, Orbit records the step failed.
BEGIN;
ALTER TABLE waffles ADD COLUMN topping text NOT NULL;
COMMIT;
