DROP TABLE waffles;
