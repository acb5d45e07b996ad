import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// `telefonia schedule`, `telefonia ivr` and `telefonia did route`, checked by their text.
@Suite struct CallFlowCLITests {
    @Test func managesSchedulesAndMenus() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "demo", "--domain", "demo.example"])
            try cli.run(["line", "add", "201", "--tenant", "demo", "--password", "x"])
            try cli.expectOutput(["schedule", "set", "demo", "comercial", "--weekdays", "08:00-12:00,13:00-18:00",
                                  "--sat", "08:00-12:00", "--holiday", "2026-12-25", "--holiday", "2026-12-24=08:00-12:00"],
                                 "added time profile comercial of tenant demo\n")
            try cli.expectOutput(["schedule", "check", "demo", "comercial", "--at", "2026-12-07 12:30"], "closed\n")
            try cli.expectOutput(["schedule", "check", "demo", "comercial", "--at", "2026-12-07 13:00"], "open\n")
            try cli.expectOutput(["schedule", "check", "demo", "comercial", "--at", "2026-12-25 09:00"], "closed\n")
            try cli.expectOutput(["schedule", "list", "demo"], """
                NAME       ZONE               MON                      TUE                      WED                      THU                      FRI                      SAT          SUN     HOLIDAYS
                comercial  America/Sao_Paulo  08:00-12:00,13:00-18:00  08:00-12:00,13:00-18:00  08:00-12:00,13:00-18:00  08:00-12:00,13:00-18:00  08:00-12:00,13:00-18:00  08:00-12:00  closed  2

                """)
            try cli.expectOutput(["ivr", "set", "demo", "1", "--name", "Recepção", "--greeting", "bem-vindo", "--schedule", "comercial",
                                  "--option", "1=line:201", "--option", "t=hangup"], "added IVR 1 of tenant demo\n")
            try cli.expectOutput(["ivr", "list", "demo"], """
                NUMBER  NAME      GREETING   SCHEDULE   AFTER HOURS  OPTIONS
                1       Recepção  bem-vindo  comercial  hangup       1=line:201 T=hangup

                """)
            try cli.run(["did", "add", "+551130001000", "--tenant", "demo", "--line", "201"])
            try cli.expectOutput(["did", "route", "+551130001000", "--ivr", "1"], "DID +551130001000 now reaches ivr:1\n")
            #expect(try cli.store().did(number: "+551130001000")?.route == .ivr("1"))
            try cli.expectOutput(["ivr", "visits", "demo"], "STARTED  CALLER  IVR  PATH  EXIT  SCORE  CALL\n0 calls\n")
        }
    }

    /// Every mistake gets a message saying what is wrong, and nothing is half-written.
    @Test func refusesMistakes() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "demo", "--domain", "demo.example"])
            try cli.run(["line", "add", "201", "--tenant", "demo", "--password", "x"])
            try cli.expectError(["schedule", "set", "demo", "x", "--mon", "18:00-08:00"], "mon: interval 18:00-08:00 ends before it starts")
            try cli.expectError(["schedule", "set", "demo", "x", "--mon", "08:00-12:00,11:00-13:00"],
                                "mon: intervals 08:00-12:00 and 11:00-13:00 overlap")
            try cli.expectError(["schedule", "set", "demo", "x", "--mon", "8h-12h"],
                                "--mon '8h-12h' must be intervals like 08:00-12:00,13:00-18:00, or closed")
            try cli.expectError(["schedule", "set", "demo", "x", "--holiday", "2026-12-24..2026-12-26", "--holiday", "2026-12-25"],
                                "holidays 2026-12-24..2026-12-26 and 2026-12-25 overlap")
            try cli.expectError(["schedule", "set", "demo", "x", "--tz", "Mars/Base"], "unknown time zone 'Mars/Base'")
            try cli.expectError(["schedule", "set", "nobody", "x"], "unknown tenant nobody; see `telefonia tenant list`")
            #expect(try cli.store().timeProfiles(tenantID: "demo").isEmpty)
            try cli.expectError(["ivr", "set", "demo", "1", "--option", "2=menu:9"], "tenant demo has no IVR 9")
            try cli.expectError(["ivr", "set", "demo", "1", "--option", "2=line:999"], "tenant demo has no line 999")
            try cli.expectError(["ivr", "set", "demo", "1", "--option", "2=somewhere"],
                                "--option '2=somewhere': the destination must be \(IVRDestination.syntax)")
            try cli.expectError(["ivr", "set", "demo", "1", "--option", "X=hangup"],
                                "--option 'X=hangup' must be KEY=DESTINATION with KEY one of 0-9, *, #, T, I")
            try cli.expectError(["ivr", "set", "demo", "1", "--schedule", "nenhum"], "tenant demo has no time profile nenhum")
            try cli.expectError(["ivr", "set", "demo", "1", "--after-hours", "line:201"],
                                "the after-hours action must be hangup, voicemail:EXT or menu:N, got line:201")
            try cli.expectError(["ivr", "set", "demo", "1234567"], "IVR number '1234567' must be 1 to 6 digits")
            #expect(try cli.store().ivrMenus(tenantID: "demo").isEmpty)
            try cli.run(["ivr", "set", "demo", "1", "--option", "1=line:201"])
            try cli.expectError(["line", "remove", "201", "--tenant", "demo"], "IVR 1 sends calls to line 201")
            try cli.expectError(["did", "add", "+551130001000", "--tenant", "demo", "--line", "201", "--ivr", "5"],
                                "tenant demo has no IVR 5; see `telefonia ivr list demo`")
            try cli.expectError(["did", "route", "+551130001000", "--line"], "unknown DID +551130001000; see `telefonia did list`")
        }
    }
}
