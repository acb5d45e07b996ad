import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// The money commands of the `telefonia` binary: plans, tenant plans, balance, recharge,
/// adjust, simulate and invoices, checked by comparing their text.
@Suite struct RatingCLITests {
    /// Plans are added, given rates (replaced by destination), shown, listed, changed and removed.
    @Test func managesPlansAndRates() throws {
        try withRatingCLI { cli in
            try cli.expectOutput(["plan", "add", "basic", "--name", "Básico", "--kind", "prepaid"], "added plan basic\n")
            try cli.expectOutput(["plan", "add", "corp"], "added plan corp\n")
            try cli.expectOutput(["plan", "rate", "add", "basic", "--class", "mobile-local", "--price", "0.35"],
                                 "added rate mobile-local to plan basic\n")
            try cli.expectOutput(["plan", "rate", "add", "basic", "--prefix", "5511", "--class", "fixed-local", "--price", "0.0125",
                                  "--connection", "0.10", "--increments", "60/60", "--minimum", "30"],
                                 "added rate prefix 5511 (fixed-local) to plan basic\n")
            try cli.expectOutput(["plan", "rate", "add", "basic", "--prefix", "1", "--price", "1.2"], "added rate prefix 1 to plan basic\n")
            try cli.expectOutput(["plan", "rate", "add", "basic", "--class", "mobile-local", "--price", "0.40", "--increments", "6/6"],
                                 "replaced rate mobile-local in plan basic\n")
            try cli.expectOutput(["plan", "show", "basic"], """
                plan basic (Básico), prepaid, tenants: -
                DESTINATION                PRICE/MIN  CONNECTION  INCREMENTS  MINIMUM
                mobile-local               0.40       0.00        6/6         0s
                prefix 5511 (fixed-local)  0.0125     0.10        60/60       30s
                prefix 1                   1.20       0.00        30/6        0s

                """)
            try cli.expectOutput(["plan", "show", "basic", "--csv"], """
                plan,class,prefix,price_per_minute,connection_fee,first_increment,next_increment,minimum_seconds\r
                basic,mobile-local,,0.40,0.00,6,6,0\r
                basic,fixed-local,5511,0.0125,0.10,60,60,30\r
                basic,,1,1.20,0.00,30,6,0\r

                """)
            try cli.expectOutput(["plan", "rate", "remove", "basic", "--prefix", "1"], "removed rate prefix 1 from plan basic\n")
            try cli.expectOutput(["plan", "change", "corp", "--name", "Corporate", "--kind", "postpaid"], "changed plan corp\n")
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.expectOutput(["tenant", "plan", "acme", "basic"], "tenant acme is now on plan basic (prepaid)\n")
            try cli.expectOutput(["plan", "list"], """
                ID     NAME       KIND      RATES  TENANTS
                basic  Básico     prepaid   2      acme
                corp   Corporate  postpaid  0      -

                """)
            try cli.expectOutput(["plan", "list", "--csv"], "id,name,kind,rates,tenants\r\nbasic,Básico,prepaid,2,acme\r\ncorp,Corporate,postpaid,0,\r\n")
            try cli.expectError(["plan", "remove", "basic"],
                                "plan basic is used by tenant acme; move them to another plan first with `telefonia tenant plan TENANT PLAN`")
            try cli.expectOutput(["plan", "remove", "corp"], "removed plan corp\n")
            let plan = try #require(try cli.store().tariffPlan(id: "basic"))
            #expect(plan.rates[1] == Rate(numberClass: .fixedLocal, prefix: "5511", pricePerMinute: 125, connectionFee: 1000,
                                          firstIncrement: 60, nextIncrement: 60, minimumSeconds: 30))
        }
    }

    /// Prices that are not exact decimals, unknown classes and bad increments are refused, never rounded.
    @Test func refusesRateMistakes() throws {
        try withRatingCLI { cli in
            try cli.run(["plan", "add", "basic"])
            try cli.expectError(["plan", "rate", "add", "basic", "--class", "mobile-local", "--price", "0.12345"],
                                "--price '0.12345' has more than 4 decimal places")
            try cli.expectError(["plan", "rate", "add", "basic", "--class", "mobile-local", "--price", "0,35"],
                                "--price '0,35' is not an amount (use a dot as decimal separator); write it like 12.50")
            try cli.expectError(["plan", "rate", "add", "basic", "--class", "mobile-local", "--price", "0.35", "--connection", "1e2"],
                                "--connection '1e2' is not an amount; write it like 12.50")
            try cli.expectError(["plan", "rate", "add", "basic", "--class", "satellite", "--price", "1"],
                                "unknown class 'satellite'; use one of internal, fixed-local, fixed-ldn, mobile-local, mobile-ldn, international, toll-free")
            try cli.expectError(["plan", "rate", "add", "basic", "--price", "1"], "name the destination with --class, --prefix or both")
            try cli.expectError(["plan", "rate", "add", "basic", "--class", "fixed-local", "--price", "1", "--increments", "30"],
                                "--increments '30' must be FIRST/NEXT in seconds, 1 to 3600 each, e.g. 30/6 or 60/60")
            try cli.expectError(["plan", "rate", "add", "basic", "--prefix", "+5511", "--price", "1"],
                                "prefix '+5511' must be 1 to 15 digits of the E.164 number without '+', e.g. 5511")
            try cli.expectError(["plan", "rate", "add", "gold", "--class", "fixed-local", "--price", "1"],
                                "unknown plan gold; see `telefonia plan list`")
            try cli.expectError(["plan", "rate", "remove", "basic", "--class", "fixed-local"],
                                "plan basic has no rate for fixed-local; see `telefonia plan show basic`")
            try cli.expectError(["plan", "add", "basic"], "plan basic already exists; change it with `telefonia plan change basic`")
            try cli.expectError(["plan", "add", "x", "--kind", "credit"], "--kind must be postpaid or prepaid, not 'credit'")
            #expect(try cli.store().tariffPlan(id: "basic")?.rates == [])
        }
    }

    /// A tenant's plan is shown, set and cleared; recharges and adjustments move the balance and are logged.
    @Test func keepsTheBalanceAndItsLog() throws {
        try withRatingCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.run(["plan", "add", "pre", "--kind", "prepaid"])
            try cli.expectOutput(["tenant", "plan", "acme"], "tenant acme is on no plan; its calls are not rated\n")
            try cli.expectOutput(["tenant", "plan", "acme", "pre"], "tenant acme is now on plan pre (prepaid)\n")
            try cli.expectOutput(["tenant", "plan", "acme"], "tenant acme is on plan pre (prepaid)\n")
            try cli.expectOutput(["balance", "acme"], "tenant acme: balance 0.00 (prepaid plan pre)\n")
            try cli.expectOutput(["recharge", "acme", "10.5", "--note", "pix 123"], "recharged tenant acme with 10.50; balance 10.50\n")
            try cli.expectOutput(["adjust", "acme", "--by", "-0.25", "--note", "rounding"], "adjusted tenant acme by -0.25; balance 10.25\n")
            try cli.expectError(["adjust", "acme", "--by", "-11", "--note", "too much"], "tenant acme has 10.25; the adjustment would leave -0.75")
            try cli.expectError(["recharge", "acme", "0"], "the amount must be more than 0.00")
            try cli.expectError(["recharge", "acme", "1.999"], "'1.999' has more than 2 decimal places")
            try cli.expectError(["recharge", "nobody", "1"], "unknown tenant nobody; see `telefonia tenant list`")
            try cli.expectOutput(["balance", "acme", "--csv"], "tenant,balance\r\nacme,10.25\r\n")
            // A call debit at a known time, as the server writes it.
            try cli.store().applyCreditMovement(CreditMovement(
                tenantID: "acme", at: Fixtures.base, kind: .call, amountCents: -98, balanceAfterCents: 0, cdrID: "c1",
                note: "call 1000 → +5511987654321"))
            try cli.expectOutput(["balance", "acme", "--history", "--to", "2025-03-01"], """
                TIME                 KIND  AMOUNT  BALANCE  CALL  NOTE
                2025-03-01 12:00:00  call  -0.98   9.27     c1    call 1000 → +5511987654321
                balance 9.27

                """)
            try cli.expectOutput(["balance", "acme", "--history", "--to", "2025-03-01", "--csv"], """
                id,tenant,time,kind,amount,balance_after,cdr_id,note\r
                3,acme,2025-03-01T12:00:00Z,call,-0.98,9.27,c1,call 1000 → +5511987654321\r

                """)
            let kinds = try cli.store().creditMovements(tenantID: "acme", from: nil, to: nil).map(\.kind)
            #expect(kinds == [.call, .recharge, .adjustment])
            try cli.expectOutput(["tenant", "plan", "acme", "--none"], "tenant acme is on no plan; its calls are not rated\n")
        }
    }

    /// The simulator names the plan, class, region, rate and the cost of 5 minutes or of any duration.
    @Test func simulatesTheCostOfACall() throws {
        try withRatingCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example", "--area", "11"])
            try cli.run(["line", "add", "1000", "--tenant", "acme", "--password", "x"])
            try cli.run(["line", "add", "1001", "--tenant", "acme", "--password", "x"])
            try cli.run(["plan", "add", "basic", "--name", "Básico"])
            try cli.run(["plan", "rate", "add", "basic", "--class", "mobile-ldn", "--price", "0.45", "--connection", "0.05"])
            try cli.run(["plan", "rate", "add", "basic", "--class", "international", "--price", "1.20", "--increments", "60/60"])
            try cli.expectError(["simulate", "--tenant", "acme", "--line", "1000", "021987654321"],
                                "tenant acme has no tariff plan, so its calls are not rated; put it on one with `telefonia tenant plan acme PLAN`")
            try cli.run(["tenant", "plan", "acme", "basic"])
            try cli.expectOutput(["simulate", "--tenant", "acme", "--line", "1000", "021 98765-4321"], """
                plan      basic (Básico, postpaid)
                line      1000
                number    021 98765-4321 → +5521987654321
                class     mobile-ldn
                region    Rio de Janeiro/RJ (area 21)
                rate      mobile-ldn 0.45/min, connection 0.05, 30/6
                duration  5:00 (billed 5:00)
                cost      2.30

                """)
            try cli.expectOutput(["simulate", "--tenant", "acme", "--line", "1000", "0044 20 7946 0000", "--seconds", "61"], """
                plan      basic (Básico, postpaid)
                line      1000
                number    0044 20 7946 0000 → +442079460000
                class     international
                region    -
                rate      international 1.20/min, 60/60
                duration  1:01 (billed 2:00)
                cost      2.40
                note      line 1000 may not call international numbers

                """)
            try cli.expectOutput(["simulate", "--tenant", "acme", "--line", "1000", "1001", "--csv"], """
                tenant,line,dialled,normalized,class,region,plan,kind,rate,permitted,seconds,billed_seconds,cost\r
                acme,1000,1001,1001,internal,,basic,postpaid,free,yes,300,0,0.00\r

                """)
            try cli.expectOutput(["simulate", "--tenant", "acme", "--line", "1000", "3000-1000", "--csv"], """
                tenant,line,dialled,normalized,class,region,plan,kind,rate,permitted,seconds,billed_seconds,cost\r
                acme,1000,3000-1000,+551130001000,fixed-local,São Paulo/SP,basic,postpaid,none: plan basic does not sell fixed-local calls,yes,300,0,\r

                """)
            try cli.expectError(["simulate", "--tenant", "acme", "--line", "1009", "1001"],
                                "tenant acme has no line 1009; see `telefonia line list --tenant acme`")
            try cli.expectError(["simulate", "--tenant", "acme", "--line", "1000", "12ab"],
                                "\"12ab\" cannot be dialled: it contains 'a', 'b'. Use digits, an optional leading + and spaces, dashes, dots or parentheses as separators.")
        }
    }

    /// A postpaid period is invoiced from its CDR costs, listed with its status, paid; mistakes are refused.
    @Test func invoicesAPostpaidPeriod() throws {
        try withRatingCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            try cli.run(["plan", "add", "corp", "--kind", "postpaid"])
            try cli.expectError(["invoice", "generate", "acme", "--from", "2025-03-01", "--to", "2025-03-31"],
                                "tenant acme has no tariff plan; put it on a postpaid plan first")
            try cli.run(["tenant", "plan", "acme", "corp"])
            let store = try cli.store()
            for (index, cents) in [Int64(175), 98, 0].enumerated() {
                var cdr = Fixtures.cdr("c\(index)", startedAt: Fixtures.base + Int64(index) * 86_400_000)
                cdr.costCents = cents
                try store.append(cdr)
            }
            var unrated = Fixtures.cdr("c-unrated", startedAt: Fixtures.base + 3 * 86_400_000)
            unrated.costCents = nil
            try store.append(unrated)
            var april = Fixtures.cdr("c-april", startedAt: Fixtures.base + 31 * 86_400_000)
            april.costCents = 5000
            try store.append(april)
            try cli.expectOutput(["invoice", "generate", "acme", "--from", "2025-03-01", "--to", "2025-03-31"],
                                 "invoice acme-0001 for tenant acme: 2025-03-01 to 2025-03-31, 2 priced call(s), 2.73, due 2025-04-10 "
                                    + "(1 call(s) without a price left out)\n")
            try cli.expectError(["invoice", "generate", "acme", "--from", "2025-03-15", "--to", "2025-04-15"],
                                "the period overlaps invoice acme-0001 of tenant acme")
            try cli.expectOutput(["invoice", "generate", "acme", "--from", "2025-04-01", "--to", "2099-04-30", "--due-days", "5"],
                                 "invoice acme-0002 for tenant acme: 2025-04-01 to 2099-04-30, 1 priced call(s), 50.00, due 2099-05-05\n")
            try cli.expectOutput(["invoice", "list", "acme"], """
                ID         PERIOD                    AMOUNT  DUE         STATUS   PAID
                acme-0001  2025-03-01 to 2025-03-31  2.73    2025-04-10  overdue  -
                acme-0002  2025-04-01 to 2099-04-30  50.00   2099-05-05  open     -

                """)
            try cli.expectOutput(["invoice", "pay", "acme-0001"], "invoice acme-0001 of tenant acme paid (2.73)\n")
            try cli.expectError(["invoice", "pay", "acme-0001"], "invoice acme-0001 is already paid")
            try cli.expectError(["invoice", "pay", "acme-0099"], "unknown invoice acme-0099; see `telefonia invoice list TENANT`")
            let today = CDRCSV.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)).prefix(10)
            try cli.expectOutput(["invoice", "list", "acme"], """
                ID         PERIOD                    AMOUNT  DUE         STATUS  PAID
                acme-0001  2025-03-01 to 2025-03-31  2.73    2025-04-10  paid    \(today)
                acme-0002  2025-04-01 to 2099-04-30  50.00   2099-05-05  open    -

                """)
            let csv = try cli.run(["invoice", "list", "acme", "--csv"]).stdout
            #expect(csv.hasPrefix("id,tenant,period_from,period_to,amount,due_at,status,paid_at\r\n"
                + "acme-0001,acme,2025-03-01T00:00:00Z,2025-04-01T00:00:00Z,2.73,2025-04-11T00:00:00Z,paid,\(today)T"))
            try cli.run(["plan", "change", "corp", "--kind", "prepaid"])
            try cli.expectError(["invoice", "generate", "acme", "--from", "2100-01-01", "--to", "2100-01-31"],
                                "tenant acme is on prepaid plan corp: its calls are paid from its balance, not invoiced")
        }
    }
}

// MARK: - Running the binary

/// The shared CLI harness (`CLIHarness.swift`).
private typealias RatingCLI = CLI

private func withRatingCLI(_ body: (CLI) throws -> Void) throws {
    try withCLI(body)
}
