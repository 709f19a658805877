-- Verify waffles:orders on pg
SELECT id, waffle_id, placed_at FROM orders WHERE false;
