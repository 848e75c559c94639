-- Foundation: organisation, users, sessions, the versioned catalogue, transfers, audit trail.
-- Instants (*_at) are microseconds since the Unix epoch, UTC; dates (*_date) are 'YYYY-MM-DD'
-- in Beijing time. Structured item content is JSON text, validated by onewindow-core.

CREATE TABLE region (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('city', 'district', 'town', 'village')),
    parent_code TEXT REFERENCES region (code)
);

CREATE TABLE department (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    credit_code TEXT NOT NULL DEFAULT '',
    is_bureau   BOOLEAN NOT NULL DEFAULT FALSE,
    region_code TEXT REFERENCES region (code)
);
-- Exactly one approval bureau at most.
CREATE UNIQUE INDEX department_one_bureau ON department (is_bureau) WHERE is_bureau;

CREATE TABLE service_point (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('hall', 'station', 'kiosk')),
    region_code TEXT NOT NULL REFERENCES region (code),
    address     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE app_user (
    id               INTEGER PRIMARY KEY,
    username         TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    roles            TEXT NOT NULL,
    department_code  TEXT REFERENCES department (code),
    service_point_id INTEGER REFERENCES service_point (id),
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL
);

CREATE TABLE user_session (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES app_user (id),
    kind       TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX user_session_by_user ON user_session (user_id);

CREATE TABLE item (
    code                     TEXT PRIMARY KEY,
    current_version          INTEGER NOT NULL,
    name                     TEXT NOT NULL,
    department_code          TEXT NOT NULL REFERENCES department (code),
    handling_department_code TEXT NOT NULL REFERENCES department (code),
    kind                     TEXT NOT NULL,
    status                   TEXT NOT NULL,
    updated_at               BIGINT NOT NULL
);
CREATE INDEX item_department ON item (department_code);
CREATE INDEX item_handling_department ON item (handling_department_code);

CREATE TABLE item_version (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL REFERENCES item (code),
    version     INTEGER NOT NULL,
    spec        TEXT NOT NULL,
    change_note TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE transfer_batch (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    document_no    TEXT NOT NULL DEFAULT '',
    effective_date TEXT NOT NULL,
    batch          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    role      TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
-- The audit trail is append-only: nobody edits or deletes an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
