-- Deploy waffles:waffles to pg
BEGIN;
CREATE TABLE waffles (
  id   serial PRIMARY KEY,
  name text NOT NULL UNIQUE
);
INSERT INTO waffles (name) VALUES ('classic'), ('belgian');
COMMIT;
