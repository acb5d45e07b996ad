import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// `telefonia campaign`: settings, a mailing refused whole with every bad row, states, results.
@Suite struct CampaignCLITests {
    @Test func managesACampaign() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "demo", "--domain", "demo.example"])
            for ext in ["201", "202"] { try cli.run(["line", "add", ext, "--tenant", "demo", "--password", "x"]) }
            try cli.expectOutput(["campaign", "set", "demo", "cobranca", "--line", "201", "--level", "aviso,1=next,2=hangup",
                                  "--level", "confirma,9=line:202", "--concurrency", "3"],
                                 "added campaign cobranca of tenant demo (draft)\n")
            try cli.expectError(["campaign", "set", "demo", "x", "--line", "201", "--level", "aviso,1=next"],
                                "level 1 is the last: key 1 has no next level")
            try cli.expectError(["campaign", "set", "demo", "x", "--line", "201", "--level", "aviso,1=fly"],
                                "--level 'aviso,1=fly': '1=fly' must be KEY=ACTION with ACTION hangup, next, line:EXT, queue:NAME or ivr:N")
            try cli.expectError(["campaign", "run", "demo", "cobranca"], "campaign cobranca has no mailing; see `telefonia campaign import`")

            let bad = cli.folder.appendingPathComponent("bad.csv")
            try "numero\n11987654321\nxyz\n11987654321\n".write(to: bad, atomically: true, encoding: .utf8)
            try cli.expectError(["campaign", "import", "demo", "cobranca", bad.path], """
                the mailing was not imported: 2 bad rows
                  line 3: 'xyz' is not a phone number (digits, an optional leading +)
                  line 4: '11987654321' is already on line 2
                """)
            #expect(try cli.store().mailing(tenantID: "demo", campaign: "cobranca").isEmpty)
            let good = cli.folder.appendingPathComponent("good.csv")
            try "numero\n11987654321\n11912345678\n".write(to: good, atomically: true, encoding: .utf8)
            try cli.expectOutput(["campaign", "import", "demo", "cobranca", good.path], "imported 2 numbers into campaign cobranca\n")
            try cli.expectOutput(["campaign", "run", "demo", "cobranca"], "campaign cobranca: running\n")
            try cli.expectError(["campaign", "remove", "demo", "cobranca"], "campaign cobranca is running; pause or cancel it first")
            try cli.expectOutput(["campaign", "pause", "demo", "cobranca"], "campaign cobranca: paused\n")
            try cli.expectOutput(["campaign", "results", "demo", "cobranca", "--csv"], """
                ROW,NUMBER,STATUS,ATTEMPTS,RESULT,KEYS\r
                2,11987654321,pending,0,,A1= A2= A3= A4=\r
                3,11912345678,pending,0,,A1= A2= A3= A4=\r

                """)
            try cli.expectOutput(["campaign", "cancel", "demo", "cobranca"], "campaign cobranca: cancelled\n")
            try cli.expectOutput(["campaign", "remove", "demo", "cobranca"], "removed campaign cobranca\n")
        }
    }
}
