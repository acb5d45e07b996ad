import TelefoniaCore

extension SQLStore {
    /// Indexes and tables the reports need (R1–R7, P2, L1).
    static let reportMigrations: [SQLMigration] = [
        SQLMigration(
            // P6: rows per report page by tenant; no foreign key, like MemoryStore (a
            // removed and re-added tenant keeps its choice).
            name: "200-report-settings",
            sql: """
                CREATE TABLE report_settings (
                    tenant_id TEXT PRIMARY KEY NOT NULL,
                    page_size INTEGER NOT NULL CHECK (page_size BETWEEN 1 AND 1000)
                );
                """
        ),
        SQLMigration(
            // One index the reports read without touching the table (docs/BENCHMARKS.md,
            // "Reports"): (tenant, start, id) gives the pages in order and skips OFFSET rows
            // in the index; the other columns are what the counts, R6, R7 and the dashboard
            // aggregate. Only the number filter (caller, dialled) reads table rows. It
            // starts with (tenant_id, started_at), so it replaces cdrs_tenant_start.
            // On an existing database it takes about 1 s of CPU per million records.
            name: "201-cdrs-report-index",
            sql: """
                CREATE INDEX cdrs_report ON cdrs (
                    tenant_id, started_at, id, direction, line, number_class, disposition, sip_cause,
                    answered_at, ended_at, cost_cents, normalized
                );
                DROP INDEX cdrs_tenant_start;
                """
        ),
        SQLMigration(
            // R6 over a month read per day instead of per call: one row per tenant, UTC day,
            // direction and line, kept by triggers on every insert and delete of a CDR (the
            // purge included), so any writer keeps it right. Filled from existing records.
            name: "202-cdr-line-daily",
            sql: """
                CREATE TABLE cdr_line_daily (
                    tenant_id TEXT NOT NULL,
                    day INTEGER NOT NULL,
                    direction TEXT NOT NULL,
                    line TEXT NOT NULL,
                    calls INTEGER NOT NULL,
                    answered INTEGER NOT NULL,
                    talk_seconds INTEGER NOT NULL,
                    fixed INTEGER NOT NULL,
                    mobile INTEGER NOT NULL,
                    international INTEGER NOT NULL,
                    cost_cents INTEGER NOT NULL,
                    PRIMARY KEY (tenant_id, day, direction, line)
                ) WITHOUT ROWID;
                INSERT INTO cdr_line_daily
                    SELECT tenant_id, started_at - (started_at % 86400000), direction, coalesce(line, ''), \(lineDailyAggregates)
                    FROM cdrs GROUP BY 1, 2, 3, 4;
                CREATE TRIGGER cdrs_line_daily_insert AFTER INSERT ON cdrs BEGIN
                    INSERT INTO cdr_line_daily
                        SELECT NEW.tenant_id, NEW.started_at - (NEW.started_at % 86400000), NEW.direction,
                            coalesce(NEW.line, ''), \(lineDailyRow("NEW"))
                    ON CONFLICT (tenant_id, day, direction, line) DO UPDATE SET
                        calls = calls + excluded.calls, answered = answered + excluded.answered,
                        talk_seconds = talk_seconds + excluded.talk_seconds, fixed = fixed + excluded.fixed,
                        mobile = mobile + excluded.mobile, international = international + excluded.international,
                        cost_cents = cost_cents + excluded.cost_cents;
                END;
                CREATE TRIGGER cdrs_line_daily_delete AFTER DELETE ON cdrs BEGIN
                    \(lineDailyDelete)
                END;
                """,
            postgres: """
                CREATE TABLE cdr_line_daily (
                    tenant_id TEXT NOT NULL,
                    day BIGINT NOT NULL,
                    direction TEXT NOT NULL,
                    line TEXT NOT NULL,
                    calls BIGINT NOT NULL,
                    answered BIGINT NOT NULL,
                    talk_seconds BIGINT NOT NULL,
                    fixed BIGINT NOT NULL,
                    mobile BIGINT NOT NULL,
                    international BIGINT NOT NULL,
                    cost_cents BIGINT NOT NULL,
                    PRIMARY KEY (tenant_id, day, direction, line)
                );
                INSERT INTO cdr_line_daily
                    SELECT tenant_id, started_at - (started_at % 86400000), direction, coalesce(line, ''), \(lineDailyAggregates)
                    FROM cdrs GROUP BY 1, 2, 3, 4;
                CREATE FUNCTION cdrs_line_daily_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO cdr_line_daily
                        SELECT NEW.tenant_id, NEW.started_at - (NEW.started_at % 86400000), NEW.direction,
                            coalesce(NEW.line, ''), \(lineDailyRow("NEW"))
                    ON CONFLICT (tenant_id, day, direction, line) DO UPDATE SET
                        calls = cdr_line_daily.calls + excluded.calls, answered = cdr_line_daily.answered + excluded.answered,
                        talk_seconds = cdr_line_daily.talk_seconds + excluded.talk_seconds,
                        fixed = cdr_line_daily.fixed + excluded.fixed, mobile = cdr_line_daily.mobile + excluded.mobile,
                        international = cdr_line_daily.international + excluded.international,
                        cost_cents = cdr_line_daily.cost_cents + excluded.cost_cents;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER cdrs_line_daily_insert AFTER INSERT ON cdrs FOR EACH ROW EXECUTE FUNCTION cdrs_line_daily_insert();
                CREATE FUNCTION cdrs_line_daily_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    \(lineDailyDelete)
                    RETURN NULL;
                END $$;
                CREATE TRIGGER cdrs_line_daily_delete AFTER DELETE ON cdrs FOR EACH ROW EXECUTE FUNCTION cdrs_line_daily_delete();
                """
        ),
    ]
}

extension SQLStore {
    /// The per-call values the daily line summary adds up, for a row alias (NEW / OLD):
    /// answered, talk seconds, fixed, mobile, international, cost.
    static func lineDailyRowParts(_ row: String) -> [String] {
        // Integers, not truth values (PostgreSQL does not add booleans); a NULL class counts 0.
        [
            "CASE WHEN \(row).disposition = '\(Disposition.answered.rawValue)' THEN 1 ELSE 0 END",
            "CASE WHEN \(row).answered_at IS NULL THEN 0 ELSE (\(row).ended_at - \(row).answered_at + 500) / 1000 END",
            "CASE WHEN \(row).number_class IN \(classList(.fixed)) THEN 1 ELSE 0 END",
            "CASE WHEN \(row).number_class IN \(classList(.mobile)) THEN 1 ELSE 0 END",
            "CASE WHEN \(row).number_class IN \(classList(.international)) THEN 1 ELSE 0 END",
            "coalesce(\(row).cost_cents, 0)",
        ]
    }

    /// What removing a CDR takes off its day's row (the row goes when no call is left):
    /// the body of the delete trigger on both engines.
    static var lineDailyDelete: String {
        let old = lineDailyRowParts("OLD")
        return """
            UPDATE cdr_line_daily SET
                calls = calls - 1, answered = answered - (\(old[0])), talk_seconds = talk_seconds - (\(old[1])),
                fixed = fixed - (\(old[2])), mobile = mobile - (\(old[3])), international = international - (\(old[4])),
                cost_cents = cost_cents - (\(old[5]))
            WHERE tenant_id = OLD.tenant_id AND day = OLD.started_at - (OLD.started_at % 86400000)
                AND direction = OLD.direction AND line = coalesce(OLD.line, '');
            DELETE FROM cdr_line_daily WHERE tenant_id = OLD.tenant_id
                AND day = OLD.started_at - (OLD.started_at % 86400000) AND direction = OLD.direction
                AND line = coalesce(OLD.line, '') AND calls <= 0;
            """
    }

    /// `1, <parts>` for one inserted CDR.
    static func lineDailyRow(_ row: String) -> String {
        (["1"] + lineDailyRowParts(row)).joined(separator: ", ")
    }

    /// The same parts summed over a group of `cdrs` rows.
    static var lineDailyAggregates: String {
        (["count(*)"] + lineDailyRowParts("cdrs").map { "sum(\($0))" }).joined(separator: ", ")
    }
}
