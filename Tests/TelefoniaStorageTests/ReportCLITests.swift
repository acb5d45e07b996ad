import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// `telefonia report …` run as a process on a seeded database, its text compared in full.
@Suite struct ReportCLITests {
    /// 2025-03-01T00:00:00Z in unix ms.
    static let day: Int64 = 1_740_787_200_000

    static func call(
        _ id: String, _ line: String, _ direction: CallDirection, to normalized: String, _ numberClass: NumberClass?,
        at minutes: Int64, talk: Int64? = nil, _ disposition: Disposition, cause: Int, cost: Int64? = nil, caller: String? = nil
    ) -> CDR {
        let start = day + minutes * 60_000
        let answered = talk.map { _ in start + 4_000 }
        return CDR(
            id: id, tenantID: "acme", line: line, direction: direction, caller: caller ?? line, dialled: normalized,
            normalized: normalized, numberClass: numberClass, startedAt: start, answeredAt: answered,
            endedAt: answered.map { $0 + talk! * 1000 } ?? start + 15_000, disposition: disposition, sipCause: cause,
            reason: "sample", trunkID: "carrier1", costCents: cost
        )
    }

    /// Five placed calls and one received on 2025-03-01 (UTC), one placed the day before.
    static let records: [CDR] = [
        call("r1", "1001", .outbound, to: "+5531987654321", .mobileLongDistance, at: 9 * 60, talk: 65, .answered, cause: 200, cost: 120),
        call("r2", "1001", .outbound, to: "+5531987654322", .mobileLongDistance, at: 9 * 60 + 10, .busy, cause: 486),
        call("r3", "1002", .outbound, to: "+551130001000", .fixedLocal, at: 9 * 60 + 20, talk: 30, .answered, cause: 200, cost: 45),
        call("r4", "1002", .outbound, to: "+442079460000", .international, at: 10 * 60, .failed, cause: 503),
        call("r5", "1001", .internalCall, to: "1002", .internalCall, at: 10 * 60 + 30, talk: 45, .answered, cause: 200),
        call("r6", "1001", .inbound, to: "+551130001000", nil, at: 11 * 60, talk: 90, .answered, cause: 200, caller: "+5521987654321"),
        call("r7", "1001", .outbound, to: "+5531987654321", .mobileLongDistance, at: -15 * 60, talk: 10, .answered, cause: 200, cost: 12),
    ]

    /// A tenant with the records, a recharge, a call debit and two invoices.
    func seeded(_ body: (ReportCLI) throws -> Void) throws {
        try withTemporaryFolder { folder in
            let cli = try ReportCLI(folder: folder)
            try cli.expectOutput(["tenant", "add", "acme", "--domain", "acme.example"], "added tenant acme\n")
            let store = try cli.store()
            try store.importCDRs(Self.records)
            try store.applyCreditMovement(CreditMovement(
                tenantID: "acme", at: Self.day + 8 * 3_600_000, kind: .recharge, amountCents: 5_000, balanceAfterCents: 0,
                note: "operator"))
            try store.applyCreditMovement(CreditMovement(
                tenantID: "acme", at: Self.day + 9 * 3_600_000 + 70_000, kind: .call, amountCents: -120, balanceAfterCents: 0,
                cdrID: "r1", note: "call 1001 → +5531987654321, \"MG\""))
            try store.save(Invoice(id: "2025-01", tenantID: "acme", periodFrom: 0, periodTo: 1, amountCents: 9_990,
                                   dueAt: Self.day - 86_400_000))
            try store.save(Invoice(id: "2025-02", tenantID: "acme", periodFrom: 1, periodTo: 2, amountCents: 4_500,
                                   dueAt: Self.day + 9 * 86_400_000))
            try body(cli)
        }
    }

    /// R1 as text: one page with region, talk time, disposition and cost; the page line counts every call.
    @Test func printsPlacedCalls() throws {
        try seeded { cli in
            try cli.expectOutput(["report", "placed", "--tenant", "acme", "--from", "2025-03-01", "--to", "2025-03-01"], """
                START                LINE  DESTINATION     CLASS          REGION             TALK  DISPOSITION  COST
                2025-03-01 09:00:00  1001  +5531987654321  mobile-ldn     Belo Horizonte/MG  1:05  ANSWERED     1.20
                2025-03-01 09:10:00  1001  +5531987654322  mobile-ldn     Belo Horizonte/MG  0:00  BUSY         -
                2025-03-01 09:20:00  1002  +551130001000   fixed-local    São Paulo/SP       0:30  ANSWERED     0.45
                2025-03-01 10:00:00  1002  +442079460000   international  -                  0:00  FAILED       -
                2025-03-01 10:30:00  1001  1002            internal       -                  0:45  ANSWERED     -
                page 1 of 1 (5 calls)

                """)
            try cli.expectOutput(["report", "page-size", "--tenant", "acme", "2"], "report pages of tenant acme now hold 2 rows\n")
            try cli.expectOutput(["report", "page-size", "--tenant", "acme"], "tenant acme: 2 rows per report page\n")
            try cli.expectOutput(["report", "placed", "--tenant", "acme", "--page", "3"], """
                START                LINE  DESTINATION    CLASS          REGION  TALK  DISPOSITION  COST
                2025-03-01 10:00:00  1002  +442079460000  international  -       0:00  FAILED       -
                2025-03-01 10:30:00  1001  1002           internal       -       0:45  ANSWERED     -
                page 3 of 3 (6 calls)

                """)
            try cli.expectOutput(["report", "placed", "--tenant", "acme", "--direction", "internal"], """
                START                LINE  DESTINATION  CLASS     REGION  TALK  DISPOSITION  COST
                2025-03-01 10:30:00  1001  1002         internal  -       0:45  ANSWERED     -
                page 1 of 1 (1 calls)

                """)
        }
    }

    /// R1 as CSV: the whole report with Portuguese headers unless a page is asked for.
    @Test func exportsPlacedCallsAsCSV() throws {
        try seeded { cli in
            let header = "Data/Hora,Origem,Destino,Tipo,UF,Cidade,Tempo falado (s),Status,Valor (R$)\r\n"
            try cli.expectOutput(["report", "placed", "--tenant", "acme", "--number", "5531", "--csv"], header
                + "2025-02-28 09:00:00,1001,+5531987654321,Móvel DDD,MG,Belo Horizonte,10,Atendida,0.12\r\n"
                + "2025-03-01 09:00:00,1001,+5531987654321,Móvel DDD,MG,Belo Horizonte,65,Atendida,1.20\r\n"
                + "2025-03-01 09:10:00,1001,+5531987654322,Móvel DDD,MG,Belo Horizonte,0,Ocupado,\r\n")
            try cli.expectOutput(["report", "placed", "--tenant", "acme", "--csv", "--page", "2", "--page-size", "1",
                                  "--disposition", "answered"],
                                 header + "2025-03-01 09:00:00,1001,+5531987654321,Móvel DDD,MG,Belo Horizonte,65,Atendida,1.20\r\n")
            try cli.expectOutput(["report", "placed", "--tenant", "acme", "--csv", "--line", "9999"], header)
        }
    }

    /// R2: calls received on DIDs, with the caller's region.
    @Test func printsReceivedCalls() throws {
        try seeded { cli in
            try cli.expectOutput(["report", "received", "--tenant", "acme"], """
                START                CALLER          REGION             DID            LINE  TALK  DISPOSITION
                2025-03-01 11:00:00  +5521987654321  Rio de Janeiro/RJ  +551130001000  1001  1:30  ANSWERED
                page 1 of 1 (1 calls)

                """)
        }
    }

    /// R6 and R7 as text, with their total rows.
    @Test func printsGroupedReports() throws {
        try seeded { cli in
            try cli.expectOutput(["report", "lines", "--tenant", "acme", "--from", "2025-03-01"], """
                LINE   CALLS  TALK  FIXED  MOBILE  INTL  COST
                1001   3      1:50  0      2       0     1.20
                1002   2      0:30  1      0       1     0.45
                TOTAL  5      2:20  1      2       1     1.65
                page 1 of 1 (2 lines)

                """)
            try cli.expectOutput(["report", "prefix", "--tenant", "acme", "--from", "2025-03-01"], """
                PREFIX  REGION             TOTAL  ANSWERED  FAILED  TALK  ACD   BUSY  CANCELLED  NO ANSWER  CONGESTION  ASR
                5531    Belo Horizonte/MG  2      1         1       1:05  1:05  1     0          0          0           50.0%
                44      -                  1      0         1       0:00  0:00  0     0          0          1           0.0%
                5511    São Paulo/SP       1      1         0       0:30  0:30  0     0          0          0           100.0%
                TOTAL                      4      2         2       1:35  0:48  1     0          0          1           50.0%
                page 1 of 1 (3 prefixes)

                """)
            try cli.expectOutput(["report", "prefix", "--tenant", "acme", "--class", "mobile", "--csv"], """
                Prefixo,UF,Cidade,Total,Atend.,Descarte,Tempo (s),ACD (s),Ocupadas,Canceladas,Não A.,Congestionada,ASR (%)\r
                5531,MG,Belo Horizonte,3,2,1,75,38,1,0,0,0,66.7\r

                """)
        }
    }

    /// R5 and P2 read the credit log, the balance and the invoices.
    @Test func printsCreditAndDashboard() throws {
        try seeded { cli in
            try cli.expectOutput(["report", "credit", "--tenant", "acme", "--csv"],
                "Data/Hora,Tipo,Valor (R$),Saldo (R$),Descrição,Chamada\r\n"
                + "2025-03-01 08:00:00,Recarga,50.00,50.00,operator,\r\n"
                + "2025-03-01 09:01:10,Ligação,-1.20,48.80,\"call 1001 → +5531987654321, \"\"MG\"\"\",r1\r\n")
            let dashboard = try cli.run(["report", "dashboard", "--tenant", "acme", "--at", "2025-03-01T18:00"])
            #expect(dashboard.status == 0 && dashboard.stderr == "")
            let lines = dashboard.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(Array(lines.prefix(4)) == [
                "tenant acme, 2025-03-01", "overdue: 99.90 (unpaid in all: 144.90)", "balance: 48.80",
                "HOUR  MOBILE  FIXED  CHART",
            ])
            #expect(lines[4] == "00h   0       0")
            #expect(lines[13] == "09h   2       1      mmf")
            #expect(lines[14] == "10h   0       0")
            #expect(lines.count == 4 + 24 + 1)
        }
    }

    /// Mistakes are refused with a message saying what to do.
    @Test func refusesReportMistakes() throws {
        try seeded { cli in
            try cli.expectError(["report", "placed", "--tenant", "nope"],
                                "unknown tenant nope and no call records of it; see `telefonia tenant list`")
            try cli.expectError(["report", "placed", "--tenant", "acme", "--class", "satellite"],
                                "unknown --class 'satellite'; use fixed, mobile or international")
            try cli.expectError(["report", "placed", "--tenant", "acme", "--page", "0"], "--page must be 1 or more, not 0")
            try cli.expectError(["report", "placed", "--tenant", "acme", "--direction", "inbound"],
                                "placed calls are outbound or internal; see `telefonia report received` for inbound calls")
            try cli.expectError(["report", "lines", "--tenant", "acme", "--from", "2025-03-02", "--to", "2025-03-01"],
                                "--from must be before --to")
            try cli.expectError(["report", "page-size", "--tenant", "acme", "0"], "the page size must be between 1 and 1000, not 0")
            try cli.expectError(["report", "credit", "--tenant", "nope"], "unknown tenant nope; see `telefonia tenant list`")
        }
    }
}

/// The shared CLI harness (`CLIHarness.swift`).
typealias ReportCLI = CLI
