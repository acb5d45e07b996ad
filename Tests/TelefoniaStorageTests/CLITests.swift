import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// Runs the built `telefonia` binary against a temporary database and compares its text.
@Suite struct CLITests {
    /// Tenants are added, listed as an aligned table, changed and removed.
    @Test func managesTenants() throws {
        try withCLI { cli in
            try cli.expectOutput(["trunk", "add", "carrier1", "--host", "sip.carrier.example"], "added trunk carrier1\n")
            try cli.expectOutput(["tenant", "add", "acme", "--domain", "ACME.pbx.example", "--name", "Acme Ltda", "--trunk", "carrier1"],
                                 "added tenant acme\n")
            try cli.expectOutput(["tenant", "add", "beta", "--domain", "beta.pbx.example", "--area", "21"], "added tenant beta\n")
            try cli.expectOutput(["tenant", "list"], """
                ID    DOMAIN            NAME       AREA  TRUNK     LINES
                acme  acme.pbx.example  Acme Ltda  11    carrier1  0
                beta  beta.pbx.example  beta       21    -         0

                """)
            try cli.expectOutput(["tenant", "change", "beta", "--name", "Beta S.A.", "--trunk", "carrier1", "--area", "31"],
                                 "changed tenant beta\n")
            try cli.expectOutput(["tenant", "change", "acme", "--trunk", ""], "changed tenant acme\n")
            try cli.expectOutput(["tenant", "list"], """
                ID    DOMAIN            NAME       AREA  TRUNK     LINES
                acme  acme.pbx.example  Acme Ltda  11    -         0
                beta  beta.pbx.example  Beta S.A.  31    carrier1  0

                """)
            try cli.expectOutput(["tenant", "remove", "acme"], "removed tenant acme\n")
            try cli.expectOutput(["tenant", "list"], """
                ID    DOMAIN            NAME       AREA  TRUNK     LINES
                beta  beta.pbx.example  Beta S.A.  31    carrier1  0

                """)
        }
    }

    /// Tenant mistakes are refused with a message saying what to do.
    @Test func refusesTenantMistakes() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.expectError(["tenant", "add", "acme", "--domain", "other.example"],
                                "tenant acme already exists; change it with `telefonia tenant change acme`")
            try cli.expectError(["tenant", "add", "beta", "--domain", "ACME.example"], "domain acme.example is already used by tenant acme")
            try cli.expectError(["tenant", "add", "beta", "--domain", "beta.example", "--trunk", "nope"],
                                "unknown trunk nope; add it with `telefonia trunk add nope --host HOST` or see `telefonia trunk list`")
            try cli.expectError(["tenant", "add", "..", "--domain", "dots.example"],
                                "tenant id '..' is not valid: 1 to 64 letters, digits, '-', '_' and '.', not starting with '.' or '-'")
            try cli.expectError(["tenant", "add", ".", "--domain", "dot.example"],
                                "tenant id '.' is not valid: 1 to 64 letters, digits, '-', '_' and '.', not starting with '.' or '-'")
            try cli.expectError(["tenant", "add", "beta", "--domain", "beta.example", "--area", "01"],
                                "'01' is not an area code (DDD): two digits 11 to 99 without a zero, e.g. 11 or 21")
            try cli.expectError(["tenant", "add", "be ta", "--domain", "beta.example"],
                                "tenant id 'be ta' may only use letters, digits, '-', '_' and '.'")
            try cli.expectError(["tenant", "add", "beta", "--domain", "beta..example"],
                                "'beta..example' is not a domain name (letters, digits, '-' and dots, e.g. acme.pbx.example.com)")
            try cli.expectError(["tenant", "change", "nope", "--name", "X"], "unknown tenant nope; see `telefonia tenant list`")
            try cli.expectError(["tenant", "remove", "nope"], "unknown tenant nope; see `telefonia tenant list`")
        }
    }

    /// A tenant with lines is removed only with --force, and then its lines and DIDs go too.
    @Test func removesTenantWithLinesOnlyWhenForced() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.run(["line", "add", "1001", "--tenant", "acme", "--password", "s3cret"])
            try cli.run(["did", "add", "+551130001000", "--tenant", "acme", "--line", "1001"])
            try cli.expectError(["tenant", "remove", "acme"],
                                "tenant acme still has 1 line(s) and 1 DID(s); remove them first, or add --force to remove the tenant with all of them")
            try cli.expectError(["tenant", "change", "acme", "--domain", "new.example"],
                                "tenant acme has 1 line(s) whose passwords are stored as digests of the domain; add --force and then set each password again with `telefonia line change EXT --tenant acme --password P`")
            try cli.expectOutput(["tenant", "remove", "acme", "--force"], "removed tenant acme\n")
            try cli.expectOutput(["did", "list"], "NUMBER  TENANT  LINE  ROUTE\n")
            let store = try cli.store()
            #expect(try store.lines(tenantID: "acme").isEmpty)
        }
    }

    /// Lines store the MD5 and SHA-256 digests of the password with the tenant's domain as realm, never the password.
    @Test func storesLineDigestsNotPasswords() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.expectOutput(["line", "add", "1001", "--tenant", "acme", "--password", "s3cret", "--caller-id", "+55 (11) 3000-1000",
                                  "--name", "Ana Souza", "--allow", "fixed,mobile,ldn,international,record,listen", "--ring-timeout", "20"],
                                 "added line 1001 to tenant acme\n")
            try cli.expectOutput(["line", "add", "1002", "--tenant", "acme", "--password", "-"], "added line 1002 to tenant acme\n",
                                 stdin: "from-stdin\n")
            let line = try #require(try cli.store().line(tenantID: "acme", extensionNumber: "1001"))
            #expect(line.ha1MD5 == Digest.ha1(username: "1001", realm: "acme.example", password: "s3cret", algorithm: .md5))
            #expect(line.ha1SHA256 == Digest.ha1(username: "1001", realm: "acme.example", password: "s3cret", algorithm: .sha256))
            #expect(line.ha1MD5.count == 32 && line.ha1SHA256.count == 64)
            #expect(line.callerID == "+551130001000")
            #expect(line.permissions == [.fixed, .mobile, .longDistance, .international, .record, .listenable])
            let piped = try #require(try cli.store().line(tenantID: "acme", extensionNumber: "1002"))
            #expect(piped.ha1MD5 == Digest.ha1(username: "1002", realm: "acme.example", password: "from-stdin", algorithm: .md5))
            #expect(piped.permissions == .defaultLine)

            try cli.expectOutput(["line", "list", "--tenant", "acme"], """
                EXTENSION  NAME       CALLER ID      PERMISSIONS                                   RING TIMEOUT
                1001       Ana Souza  +551130001000  fixed,mobile,ldn,international,record,listen  20s
                1002       -          -              fixed,mobile,ldn                              30s

                """)
            try cli.expectOutput(["line", "change", "1002", "--tenant", "acme", "--password", "new", "--allow", "fixed", "--caller-id", "1130001002",
                                  "--ring-timeout", "45"], "changed line 1002 of tenant acme\n")
            try cli.expectOutput(["line", "change", "1001", "--tenant", "acme", "--caller-id", "", "--allow", ""], "changed line 1001 of tenant acme\n")
            try cli.expectOutput(["line", "list", "--tenant", "acme"], """
                EXTENSION  NAME       CALLER ID   PERMISSIONS  RING TIMEOUT
                1001       Ana Souza  -           -            20s
                1002       -          1130001002  fixed        45s

                """)
            let changed = try #require(try cli.store().line(tenantID: "acme", extensionNumber: "1002"))
            #expect(changed.ha1MD5 == Digest.ha1(username: "1002", realm: "acme.example", password: "new", algorithm: .md5))
            try cli.expectOutput(["line", "remove", "1002", "--tenant", "acme"], "removed line 1002 of tenant acme\n")
            #expect(try cli.store().lines(tenantID: "acme").map(\.extensionNumber) == ["1001"])
        }
    }

    /// Line mistakes are refused: unknown tenant, duplicate line, bad permission, bad numbers.
    @Test func refusesLineMistakes() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.run(["line", "add", "1001", "--tenant", "acme", "--password", "x"])
            try cli.expectError(["line", "add", "1001", "--tenant", "nope", "--password", "x"], "unknown tenant nope; see `telefonia tenant list`")
            try cli.expectError(["line", "add", "1001", "--tenant", "acme", "--password", "x"],
                                "tenant acme already has line 1001; change it with `telefonia line change 1001 --tenant acme`")
            try cli.expectError(["line", "add", "1002", "--tenant", "acme", "--password", "x", "--allow", "fixed,cellular"],
                                "unknown permission 'cellular' in --allow; use a comma-separated list of fixed, mobile, ldn, international, record, listen")
            try cli.expectError(["line", "add", "10a2", "--tenant", "acme", "--password", "x"],
                                "extension '10a2' must be 1 to 15 digits (other lines dial it), e.g. 1001")
            try cli.expectError(["line", "add", "1002", "--tenant", "acme", "--password", ""], "the password must not be empty")
            try cli.expectError(["line", "add", "1002", "--tenant", "acme", "--password", "x", "--ring-timeout", "2"],
                                "--ring-timeout must be between 5 and 600 seconds, not 2")
            try cli.expectError(["line", "change", "1009", "--tenant", "acme", "--allow", "fixed"],
                                "tenant acme has no line 1009; see `telefonia line list --tenant acme`")
            try cli.expectError(["line", "list", "--tenant", "nope"], "unknown tenant nope; see `telefonia tenant list`")
            let usage = try cli.run(["line", "add", "1002", "--tenant", "acme"])
            #expect(usage.status == 1)
            #expect(usage.stderr.hasPrefix("error: Missing expected argument '--password <password>'\n"))
        }
    }

    /// DIDs are stored in E.164 whatever separators the user typed, and cannot be routed twice.
    @Test func managesDIDsInE164() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.run(["tenant", "add", "beta", "--domain", "beta.example"])
            try cli.run(["line", "add", "1001", "--tenant", "acme", "--password", "x"])
            try cli.run(["line", "add", "2001", "--tenant", "beta", "--password", "x"])
            try cli.expectOutput(["did", "add", "55 (11) 3000-1000", "--tenant", "acme", "--line", "1001"],
                                 "added DID +551130001000 to line 1001 of tenant acme\n")
            try cli.expectOutput(["did", "add", "+55.21.4000.2000", "--tenant", "beta", "--line", "2001"],
                                 "added DID +552140002000 to line 2001 of tenant beta\n")
            try cli.expectError(["did", "add", "+551130001000", "--tenant", "beta", "--line", "2001"],
                                "+551130001000 already rings line 1001 of tenant acme; remove it first with `telefonia did remove +551130001000`")
            try cli.expectError(["did", "add", "+551130001001", "--tenant", "acme", "--line", "1009"],
                                "tenant acme has no line 1009; see `telefonia line list --tenant acme`")
            try cli.expectError(["did", "add", "3000-10", "--tenant", "acme", "--line", "1001"],
                                "'3000-10' is not a number in international form; write it with its country code, e.g. +551130001000")
            try cli.expectOutput(["did", "list"], """
                NUMBER         TENANT  LINE  ROUTE
                +551130001000  acme    1001  line
                +552140002000  beta    2001  line

                """)
            try cli.expectOutput(["did", "list", "--tenant", "beta"], "NUMBER         TENANT  LINE  ROUTE\n+552140002000  beta    2001  line\n")
            try cli.expectOutput(["did", "remove", "55 11 3000 1000"], "removed DID +551130001000\n")
            try cli.expectError(["did", "remove", "+551130001000"], "unknown DID +551130001000; see `telefonia did list`")
        }
    }

    /// Trunks are added, listed without passwords, changed and removed only when unused.
    @Test func managesTrunks() throws {
        try withCLI { cli in
            try cli.expectOutput(["trunk", "add", "carrier1", "--host", "sip.carrier.example", "--port", "5080", "--transport", "TCP",
                                  "--username", "acct", "--password", "pw"], "added trunk carrier1\n")
            try cli.expectOutput(["trunk", "add", "backup", "--host", "198.51.100.7", "--max-calls", "30"], "added trunk backup\n")
            try cli.expectOutput(["trunk", "list"], """
                ID        HOST                 PORT  TRANSPORT  USERNAME  MAX CALLS
                backup    198.51.100.7         5060  udp        -         30
                carrier1  sip.carrier.example  5080  tcp        acct      -

                """)
            try cli.expectError(["trunk", "change", "backup", "--max-calls", "100001"], "--max-calls must be 1 to 100000, got 100001")
            try cli.expectOutput(["trunk", "change", "backup", "--max-calls", "0"], "changed trunk backup\n")
            #expect(try cli.store().trunk(id: "backup")?.maxCalls == nil)
            #expect(try cli.store().trunk(id: "carrier1")?.password == "pw")
            try cli.expectError(["trunk", "add", "x", "--host", "h", "--username", "u"], "give both --username and --password, or neither")
            try cli.expectError(["trunk", "add", "x", "--host", "h", "--transport", "tls"], "--transport must be udp or tcp, not 'tls'")
            try cli.expectError(["trunk", "add", "x", "--host", "h", "--port", "70000"], "--port must be between 1 and 65535, not 70000")
            try cli.expectError(["trunk", "add", "backup", "--host", "h"], "trunk backup already exists; change it with `telefonia trunk change backup`")
            try cli.expectOutput(["trunk", "change", "carrier1", "--no-credentials", "--port", "5060"], "changed trunk carrier1\n")
            #expect(try cli.store().trunk(id: "carrier1") == Trunk(id: "carrier1", host: "sip.carrier.example", port: 5060, transport: "tcp"))
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example", "--trunk", "backup"])
            try cli.expectError(["trunk", "remove", "backup"],
                                "trunk backup is used by tenant acme; move them first with `telefonia tenant change ID --trunk OTHER`")
            try cli.expectOutput(["trunk", "remove", "carrier1"], "removed trunk carrier1\n")
            try cli.expectError(["trunk", "remove", "carrier1"], "unknown trunk carrier1; see `telefonia trunk list`")
        }
    }

    /// Registrations show where each phone is and how long its binding lasts.
    @Test func listsRegistrations() throws {
        try withCLI { cli in
            let store = try cli.store()
            try Fixtures.seed(store)
            let now = Int64(Date().timeIntervalSince1970)
            try store.save(Fixtures.registration("acme", "1001", expiresAt: now - 5))
            try store.save(Fixtures.registration("acme", "1002", contact: "sip:1002@10.0.0.6:5062", expiresAt: now + 5400))
            try store.save(Fixtures.registration("beta", "1001", expiresAt: now + 7200))
            let result = try cli.run(["registrations", "--tenant", "acme"])
            #expect(result.status == 0)
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            #expect(lines.first == "TENANT  EXTENSION  CONTACT                 SOURCE                 EXPIRES IN  STATE       LATENCY  USER AGENT")
            #expect(lines.dropFirst().first
                == "acme    1001       sip:1001@10.0.0.5:5060  udp:203.0.113.9:40001  expired     expired     -        Yealink T46U")
            #expect(lines.last?.hasPrefix("acme    1002       sip:1002@10.0.0.6:5062  udp:203.0.113.9:40001  1h") == true)
            #expect(lines.last?.hasSuffix("  registered  -        Yealink T46U") == true)
            #expect(try cli.run(["registrations"]).stdout.split(separator: "\n").count == 4)
        }
    }

    /// Call records are listed and filtered by tenant, line, period, disposition and number, as a table or CSV.
    @Test func listsAndFiltersCDRs() throws {
        try withCLI { cli in
            let store = try cli.store()
            try Fixtures.seed(store)
            try store.append(Fixtures.cdr("c1"))
            try store.append(Fixtures.cdr("c2", line: "1002", caller: "1002", dialled: "11987654321", normalized: "+5511987654321",
                                          startedAt: Fixtures.base + 86_400_000, answered: false, disposition: .noAnswer))
            try store.append(Fixtures.cdr("c3", tenant: "beta", startedAt: Fixtures.base + 3_600_000, disposition: .busy))
            try cli.expectOutput(["cdr", "list", "--tenant", "acme"], """
                START                TENANT  LINE  DIRECTION  CALLER  DIALLED      CLASS        DISPOSITION  DURATION  BILLED  CAUSE  REASON
                2025-03-01 12:00:00  acme    1001  outbound   1001    30001000     fixed-local  ANSWERED     1:05      1:01    200    answered
                2025-03-02 12:00:00  acme    1002  outbound   1002    11987654321  fixed-local  NO ANSWER    1:05      0:00    486    busy, "try later"

                """)
            // The start times of the listed records.
            func starts(_ arguments: [String]) throws -> [String] {
                let result = try cli.run(["cdr", "list"] + arguments)
                #expect(result.status == 0, "\(result.stderr)")
                return result.stdout.split(separator: "\n").dropFirst().map { String($0.prefix(19)) }
            }
            let first = "2025-03-01 12:00:00", second = "2025-03-02 12:00:00", beta = "2025-03-01 13:00:00"
            #expect(try starts([]) == [first, beta, second])
            #expect(try starts(["--tenant", "acme", "--line", "1002"]) == [second])
            #expect(try starts(["--tenant", "acme", "--from", "2025-03-02"]) == [second])
            #expect(try starts(["--tenant", "acme", "--to", "2025-03-01"]) == [first])
            #expect(try starts(["--from", "2025-03-01T12:01", "--to", "2025-03-02T12:00"]) == [beta])
            #expect(try starts(["--tenant", "acme", "--from", "2025-03-01T12:01", "--to", "2025-03-02T12:00"]) == [])
            #expect(try starts(["--tenant", "acme", "--disposition", "NO ANSWER"]) == [second])
            #expect(try starts(["--tenant", "acme", "--disposition", "no-answer"]) == [second])
            #expect(try starts(["--disposition", "busy"]) == [beta])
            #expect(try starts(["--number", "98765"]) == [second])
            #expect(try starts(["--limit", "2"]) == [first, beta])
            #expect(try starts(["--tenant", "acme", "--limit", "1", "--offset", "1"]) == [second])
            try cli.expectOutput(["cdr", "list", "--tenant", "acme", "--line", "1009"],
                                 "START  TENANT  LINE  DIRECTION  CALLER  DIALLED  CLASS  DISPOSITION  DURATION  BILLED  CAUSE  REASON\n")

            try cli.expectOutput(["cdr", "list", "--tenant", "beta", "--csv"], exportCSV([Fixtures.cdr("c3", tenant: "beta", startedAt: Fixtures.base + 3_600_000, disposition: .busy)]))
            try cli.expectError(["cdr", "list", "--from", "2025-13-01"],
                                "--from '2025-13-01' is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time), e.g. 2025-03-01T08:30")
            try cli.expectError(["cdr", "list", "--to", "yesterday"],
                                "--to 'yesterday' is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time), e.g. 2025-03-01T08:30")
            try cli.expectError(["cdr", "list", "--from", "2025-03-02", "--to", "2025-03-01T10:00"], "--from must be before --to")
            try cli.expectError(["cdr", "list", "--disposition", "LOST"],
                                "unknown disposition 'LOST'; use one of ANSWERED, BUSY, \"NO ANSWER\", CANCELLED, FAILED, DENIED")
            try cli.expectError(["cdr", "list", "--tenant", "nope"], "unknown tenant nope and no call records of it; see `telefonia tenant list`")
        }
    }

    /// Many CLI processes started at once on a new database all succeed (busy timeout, migrations once).
    @Test func parallelProcessesShareTheDatabase() throws {
        try withCLI { cli in
            let results = Results()
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                let result = try? cli.run(["tenant", "add", "t\(index)", "--domain", "t\(index).example"])
                results.append(result?.status ?? -1)
            }
            #expect(results.values == Array(repeating: 0, count: 8))
            let store = try cli.store()
            #expect(try store.tenants().count == 8)
            #expect(try store.appliedMigrations().map(\.name) == SQLStore.migrationNames)
        }
    }

    /// The database path comes from --db (before or after the command), else TELEFONIA_DB, else TELEFONIA_DATA_DIR.
    @Test func findsTheDatabase() throws {
        try withTemporaryFolder { folder in
            let cli = try CLI(folder: folder)
            let explicit = folder.appendingPathComponent("explicit.sqlite").path
            try cli.expectOutput(["--db", explicit, "tenant", "add", "a", "--domain", "a.example"], "added tenant a\n", environment: [:])
            try cli.expectOutput(["tenant", "list", "--db", explicit], "ID  DOMAIN     NAME  AREA  TRUNK  LINES\na   a.example  a     11    -      0\n",
                                 environment: [:])
            try cli.expectOutput(["tenant", "list"], "ID  DOMAIN     NAME  AREA  TRUNK  LINES\na   a.example  a     11    -      0\n",
                                 environment: ["TELEFONIA_DB": explicit])
            let dataDir = folder.appendingPathComponent("data").path
            try cli.expectOutput(["tenant", "add", "b", "--domain", "b.example"], "added tenant b\n", environment: ["TELEFONIA_DATA_DIR": dataDir])
            #expect(FileManager.default.fileExists(atPath: dataDir + "/telefonia.sqlite"))
            try cli.expectOutput(["tenant", "add", "c", "--domain", "c.example"], "added tenant c\n", environment: [:])
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("telefonia-data/telefonia.sqlite").path))
        }
    }
}

// MARK: - Running the binary

/// Exit codes gathered from several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int32] = []
    func append(_ status: Int32) { lock.withLock { statuses.append(status) } }
    var values: [Int32] { lock.withLock { statuses } }

    /// `telefonia fraud` lists the calls the toll-fraud limits refused (and no other DENIED call), with the limit.
    @Test func listsTollFraudTrips() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.run(["line", "add", "1000", "--tenant", "acme", "--password", "x"])
            let store = try cli.store()
            func denied(_ id: String, _ at: Int64, _ reason: String) -> CDR {
                CDR(id: id, tenantID: "acme", line: "1000", direction: .outbound, caller: "1000", dialled: "0012125550100",
                    normalized: "+12125550100", numberClass: .international, startedAt: at, answeredAt: nil, endedAt: at,
                    disposition: .denied, sipCause: 403, reason: reason)
            }
            try store.append(denied("c1", 1_764_900_000_000, "toll-fraud limit: line 1000 has 4 public calls up (limit 4)"))
            try store.append(denied("c2", 1_764_900_060_000, "line 1000 may not call international numbers"))
            try store.append(denied("c3", 1_764_900_120_000, "toll-fraud limit: international calls cost 49.00 today (daily cap 50.00)"))
            try cli.expectOutput(["fraud", "--tenant", "acme"], """
                START                 TENANT  LINE  NUMBER        LIMIT
                2025-12-05T02:02:00Z  acme    1000  +12125550100  international calls cost 49.00 today (daily cap 50.00)
                2025-12-05T02:00:00Z  acme    1000  +12125550100  line 1000 has 4 public calls up (limit 4)

                """)
        }
    }
}
