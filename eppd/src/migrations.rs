//! The store's schema, as numbered migrations. One set serves SQLite and PostgreSQL: only
//! portable types (TEXT, BIGINT), no auto-increment (message ids come from the `counters`
//! table), no booleans (0/1 in BIGINT), times as milliseconds since the Unix epoch.
//!
//! A migration is a list of statements run in one transaction; the applied version is kept in
//! `eppd_schema`. Append new migrations; never edit an applied one.

pub const MIGRATIONS: &[&[&str]] = &[
    // 1: registrars, service messages, running instances and their logged-in sessions.
    &[
        "CREATE TABLE registrars (
            clid TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            disabled BIGINT NOT NULL DEFAULT 0,
            cert_sha256 TEXT,
            cert_subject TEXT,
            max_sessions BIGINT,
            created_ms BIGINT NOT NULL,
            lock_seq BIGINT NOT NULL DEFAULT 0
        )",
        "CREATE TABLE counters (
            name TEXT PRIMARY KEY,
            value BIGINT NOT NULL
        )",
        "INSERT INTO counters (name, value) VALUES ('message_id', 0)",
        "CREATE TABLE messages (
            id BIGINT PRIMARY KEY,
            clid TEXT NOT NULL REFERENCES registrars (clid) ON DELETE CASCADE,
            queued_ms BIGINT NOT NULL,
            lang TEXT,
            text TEXT NOT NULL,
            res_data TEXT
        )",
        "CREATE INDEX messages_by_clid ON messages (clid, id)",
        "CREATE TABLE instances (
            id TEXT PRIMARY KEY,
            started_ms BIGINT NOT NULL,
            expires_ms BIGINT NOT NULL,
            info TEXT NOT NULL
        )",
        "CREATE TABLE sessions (
            instance TEXT NOT NULL,
            conn BIGINT NOT NULL,
            clid TEXT NOT NULL,
            started_ms BIGINT NOT NULL,
            PRIMARY KEY (instance, conn)
        )",
        "CREATE INDEX sessions_by_clid ON sessions (clid)",
    ],
    // 2: the sandbox back end's RFC 5731 domains (`sandbox.rs`). contacts and ns are JSON;
    // status is space-separated; tr_* describe the last transfer; version orders writes.
    &[
        "CREATE TABLE sandbox_domains (
            name TEXT PRIMARY KEY,
            roid TEXT NOT NULL UNIQUE,
            registrant TEXT,
            contacts TEXT NOT NULL,
            ns TEXT NOT NULL,
            status TEXT NOT NULL,
            clid TEXT NOT NULL,
            crid TEXT NOT NULL,
            cr_ms BIGINT NOT NULL,
            up_id TEXT,
            up_ms BIGINT,
            ex_ms BIGINT NOT NULL,
            tr_ms BIGINT,
            auth_pw TEXT NOT NULL,
            tr_status TEXT,
            tr_re_id TEXT,
            tr_re_ms BIGINT,
            tr_ac_id TEXT,
            tr_ac_ms BIGINT,
            tr_ex_ms BIGINT,
            version BIGINT NOT NULL DEFAULT 0
        )",
        "CREATE INDEX sandbox_domains_by_clid ON sandbox_domains (clid)",
        "INSERT INTO counters (name, value) VALUES ('domain_roid', 0)",
    ],
];
