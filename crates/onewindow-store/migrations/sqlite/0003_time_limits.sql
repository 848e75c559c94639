-- Time limits, warnings, accountability and the administrators' calendar.

-- The case's clock (core::case::clock::CaseClock as JSON) and what the supervision worker
-- needs without reading it: whether it runs, the highest warning raised, the next alarm.
ALTER TABLE app_case ADD COLUMN clock TEXT;
ALTER TABLE app_case ADD COLUMN clock_state TEXT CHECK (clock_state IN ('running', 'paused', 'stopped'));
ALTER TABLE app_case ADD COLUMN legal_due_date TEXT;
ALTER TABLE app_case ADD COLUMN extended_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE app_case ADD COLUMN warning_level TEXT NOT NULL DEFAULT 'none'
    CHECK (warning_level IN ('none', 'yellow', 'red', 'overdue'));
ALTER TABLE app_case ADD COLUMN next_alarm_at BIGINT;
-- The worker reads only what is due: one range scan of this index per tick.
CREATE INDEX app_case_next_alarm ON app_case (next_alarm_at) WHERE next_alarm_at IS NOT NULL;
CREATE INDEX app_case_clock ON app_case (clock_state, handling_department, warning_level) WHERE clock_state IS NOT NULL;
CREATE INDEX app_case_warning ON app_case (warning_level, number) WHERE warning_level <> 'none';

-- 问责: one record per case that went overdue; reviewed, never deleted.
CREATE TABLE accountability (
    id            INTEGER PRIMARY KEY,
    case_number   TEXT NOT NULL UNIQUE REFERENCES app_case (number),
    department    TEXT NOT NULL,
    step          TEXT NOT NULL,
    holder        TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    raised_at     BIGINT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('open', 'confirmed', 'excused')),
    review_reason TEXT NOT NULL DEFAULT '',
    reviewed_by   TEXT NOT NULL DEFAULT '',
    reviewed_at   BIGINT
);
CREATE INDEX accountability_state ON accountability (state, id);
CREATE INDEX accountability_department ON accountability (department, id);
CREATE TRIGGER accountability_no_delete BEFORE DELETE ON accountability
BEGIN SELECT RAISE(ABORT, 'accountability records are never deleted'); END;

-- Days set by administrators on top of the shipped State Council schedules, and years they
-- declared complete.
CREATE TABLE calendar_day (
    day    TEXT PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('working', 'holiday')),
    name   TEXT NOT NULL,
    source TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
CREATE TABLE calendar_year (
    year         BIGINT PRIMARY KEY,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL
);
