-- Runs once, when the data directory is initialised; a restart must not run it again.
CREATE TABLE init_runs (at timestamptz NOT NULL DEFAULT now());
INSERT INTO init_runs DEFAULT VALUES;
