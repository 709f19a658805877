-- Verify waffles:prices on pg
SELECT price_cents FROM waffles WHERE false;
