-- Verify waffles:toppings on pg
SELECT topping FROM waffles WHERE false;
