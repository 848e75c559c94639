-- Cases: applications, their append-only hash-chained event logs, back-office tasks,
-- inspections, materials stored once per applicant, delegated authority.

CREATE TABLE material (
    id              INTEGER PRIMARY KEY,
    uploaded_by     INTEGER NOT NULL REFERENCES app_user (id),
    owner_id_number TEXT,
    kind            TEXT NOT NULL DEFAULT '',
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    content         BLOB NOT NULL,
    verified_by     TEXT,
    verified_at     BIGINT,
    valid_until     TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX material_owner_kind ON material (owner_id_number, kind);
CREATE UNIQUE INDEX material_upload_once ON material (uploaded_by, sha256, kind);

CREATE TABLE case_sequence (
    region_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    last        BIGINT NOT NULL,
    PRIMARY KEY (region_code, day)
);

CREATE TABLE app_case (
    number              TEXT PRIMARY KEY,
    query_code          TEXT NOT NULL,
    item_code           TEXT NOT NULL,
    item_version        BIGINT NOT NULL,
    item_name           TEXT NOT NULL,
    handling_department TEXT NOT NULL REFERENCES department (code),
    applicant_kind      TEXT NOT NULL,
    applicant_name      TEXT NOT NULL,
    applicant_id        TEXT NOT NULL,
    applicant_phone     TEXT NOT NULL DEFAULT '',
    applicant_address   TEXT NOT NULL DEFAULT '',
    applicant_user_id   INTEGER REFERENCES app_user (id),
    channel             TEXT NOT NULL,
    agent               TEXT NOT NULL DEFAULT '',
    service_point_id    INTEGER REFERENCES service_point (id),
    first_clerk         TEXT NOT NULL DEFAULT '',
    form                TEXT NOT NULL,
    state               TEXT NOT NULL,
    submitted_at        BIGINT NOT NULL,
    submitted_date      TEXT NOT NULL,
    accepted_at         BIGINT,
    accepted_by         TEXT NOT NULL DEFAULT '',
    due_date            TEXT,
    decided_at          BIGINT,
    closed_at           BIGINT,
    outcome             TEXT,
    decision_reason     TEXT NOT NULL DEFAULT '',
    decision_basis      TEXT NOT NULL DEFAULT '',
    decided_by          TEXT NOT NULL DEFAULT '',
    refusal_reason      TEXT NOT NULL DEFAULT '',
    refusal_basis       TEXT NOT NULL DEFAULT '',
    delivery_method     TEXT NOT NULL DEFAULT '',
    courier             TEXT NOT NULL DEFAULT '',
    tracking_number     TEXT NOT NULL DEFAULT '',
    deficiencies        TEXT NOT NULL DEFAULT '[]',
    corrections         TEXT NOT NULL DEFAULT '[]',
    correction_rounds   BIGINT NOT NULL DEFAULT 0,
    opinion_tasks       BIGINT NOT NULL DEFAULT 0,
    idempotency_key     TEXT,
    last_event_seq      BIGINT NOT NULL,
    last_event_hash     TEXT NOT NULL,
    updated_at          BIGINT NOT NULL
);
-- Lists run newest first by (submitted_date, number) under each filter, so that every page is
-- one index range scan; the cursor is the last number (its digits 7-14 are its submitted date).
CREATE INDEX app_case_state ON app_case (state, submitted_date, number);
CREATE INDEX app_case_department ON app_case (handling_department, state, submitted_date, number);
CREATE INDEX app_case_applicant ON app_case (applicant_id, submitted_date, number);
CREATE INDEX app_case_applicant_name ON app_case (applicant_name, submitted_date, number);
CREATE INDEX app_case_applicant_user ON app_case (applicant_user_id, submitted_date, number);
CREATE INDEX app_case_item ON app_case (item_code, submitted_date, number);
CREATE INDEX app_case_point_queue ON app_case (service_point_id, state, submitted_date, number);
CREATE INDEX app_case_submitted ON app_case (submitted_date, number);
CREATE UNIQUE INDEX app_case_idempotency ON app_case (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE case_event (
    case_number  TEXT NOT NULL REFERENCES app_case (number),
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    role         TEXT NOT NULL,
    action       TEXT NOT NULL,
    from_state   TEXT NOT NULL,
    to_state     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    item_version BIGINT NOT NULL,
    detail       TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (case_number, seq)
);

CREATE TABLE case_material (
    case_number TEXT NOT NULL REFERENCES app_case (number),
    requirement TEXT NOT NULL,
    material_id INTEGER NOT NULL REFERENCES material (id),
    source      TEXT NOT NULL CHECK (source IN ('uploaded', 'reused')),
    attached_at BIGINT NOT NULL,
    PRIMARY KEY (case_number, requirement)
);

CREATE TABLE task (
    id           INTEGER PRIMARY KEY,
    case_number  TEXT NOT NULL REFERENCES app_case (number),
    kind         TEXT NOT NULL CHECK (kind IN ('step', 'opinion', 'post_check')),
    name         TEXT NOT NULL,
    department   TEXT NOT NULL REFERENCES department (code),
    seq          BIGINT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('open', 'done', 'cancelled')),
    opinion      TEXT,
    comment      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    completed_at BIGINT,
    completed_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX task_case ON task (case_number);
CREATE INDEX task_open ON task (department, state, id);

CREATE TABLE inspection (
    id           INTEGER PRIMARY KEY,
    case_number  TEXT NOT NULL REFERENCES app_case (number),
    kind         TEXT NOT NULL CHECK (kind IN ('independent', 'joint', 'commissioned')),
    departments  TEXT NOT NULL,
    note         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('open', 'done', 'cancelled')),
    ordered_by   TEXT NOT NULL,
    ordered_at   BIGINT NOT NULL,
    findings     TEXT NOT NULL DEFAULT '',
    passed       BOOLEAN,
    photos       TEXT NOT NULL DEFAULT '[]',
    completed_by TEXT NOT NULL DEFAULT '',
    completed_at BIGINT
);
CREATE INDEX inspection_case ON inspection (case_number);

-- Delegated authority (授权): who may decide which department's items, under which document.
CREATE TABLE delegation (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES app_user (id),
    department  TEXT REFERENCES department (code),
    scopes      TEXT NOT NULL,
    document    TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_until TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX delegation_user ON delegation (user_id);

-- Case logs are append-only.
CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END;
CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END;
