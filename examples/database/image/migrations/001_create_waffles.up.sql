CREATE TABLE waffles (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO waffles (name) VALUES ('classic'), ('belgian');
