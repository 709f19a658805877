-- Verify waffles:waffles on pg
SELECT id, name FROM waffles WHERE false;
