import Testing
import TelefoniaCore

@Suite struct CDRCSVTests {
    /// The export has the documented header, UTC ISO-8601 times, empty absent values and RFC 4180 quoting.
    @Test func exportsHeaderTimesAndQuoting() {
        var busy = Fixtures.cdr("c2", line: nil, direction: .inbound, startedAt: Fixtures.base + 61_000, answered: false, disposition: .busy)
        busy.numberClass = nil
        busy.reason = "busy, \"try later\"\nsecond line"
        let csv = exportCSV([Fixtures.cdr("c1"), busy])
        #expect(csv == """
            id,tenant,line,direction,caller,dialled,normalized,class,start,answer,end,duration,billable_seconds,disposition,sip_cause,reason,trunk,cost\r
            c1,acme,1001,outbound,1001,30001000,+551130001000,fixed-local,2025-03-01T12:00:00Z,2025-03-01T12:00:04Z,2025-03-01T12:01:05Z,65,61,ANSWERED,200,answered,carrier1,\r
            c2,acme,,inbound,1001,30001000,+551130001000,,2025-03-01T12:01:01Z,,2025-03-01T12:02:06Z,65,0,BUSY,486,"busy, ""try later""
            second line",carrier1,\r

            """)
    }

    /// An empty export is the header row alone.
    @Test func exportsHeaderWhenEmpty() {
        #expect(exportCSV([]) == CDRCSV.header.joined(separator: ",") + "\r\n")
    }

    /// Times before 1970, leap days and year ends are formatted correctly.
    @Test func formatsCalendarEdges() {
        #expect(CDRCSV.iso8601(millis: 0) == "1970-01-01T00:00:00Z")
        #expect(CDRCSV.iso8601(millis: -1) == "1969-12-31T23:59:59Z")
        #expect(CDRCSV.iso8601(millis: 951_782_400_000) == "2000-02-29T00:00:00Z")
        #expect(CDRCSV.iso8601(millis: 1_735_689_599_999) == "2024-12-31T23:59:59Z")
        #expect(CDRCSV.iso8601(millis: 4_102_444_800_000) == "2100-01-01T00:00:00Z")
    }
}
