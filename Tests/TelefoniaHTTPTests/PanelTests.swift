import Foundation
import Logging
import TelefoniaMedia
import Testing
import TelefoniaCore
@testable import TelefoniaHTTP

@Suite struct PanelPermissionTests {
    /// Users get what their permissions grant (change implies view); admins all of their
    /// tenant's menus; only operators the operator's pages; a disabled user nothing.
    @Test func whoMayDoWhat() throws {
        let grants = try #require(PanelPermissions(text: "lines=change,reports=view,listen"))
        #expect(grants.text == "lines=change,listen=change,reports=view")
        let user = PanelUser(username: "ana", tenantID: "acme", role: .user, permissions: grants, passwordHash: "$2b$x", createdAt: 0)
        #expect(user.may(.change, .lines) && user.may(.view, .lines))
        #expect(user.may(.view, .reports) && !user.may(.change, .reports))
        #expect(!user.may(.view, .recordings) && !user.may(.view, .operator))
        let admin = PanelUser(username: "chefe", tenantID: "acme", role: .admin, passwordHash: "$2b$x", createdAt: 0)
        #expect(admin.may(.change, .recordings) && !admin.may(.view, .operator))
        let op = PanelUser(username: "operador", tenantID: nil, role: .operator, passwordHash: "$2b$x", createdAt: 0)
        #expect(op.may(.change, .operator))
        var disabled = admin
        disabled.disabled = true
        #expect(!disabled.may(.view, .lines))
        #expect(PanelPermissions(text: "lines=own") == nil && PanelPermissions(text: "operator") == nil && PanelPermissions(text: "nada") == nil)
    }

    @Test func usersAreCheckedBeforeSaving() {
        let good = PanelUser(username: "admin@demo", tenantID: "demo", role: .admin, passwordHash: "$2b$11$abc", createdAt: 0)
        #expect(good.problem() == nil)
        var bad = good
        bad.username = "-x"
        #expect(bad.problem() != nil)
        bad = good
        bad.tenantID = nil
        #expect(bad.problem() == "a admin belongs to a tenant")
        bad = good
        bad.passwordHash = "plain"
        #expect(bad.problem() == "the password must be stored as a bcrypt hash")
        #expect(!PanelUser.isValidUsername("<script>") && !PanelUser.isValidUsername("ab"))
    }

    /// Every value a page shows is escaped.
    @Test func pagesEscapeText() {
        #expect(PanelServer.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        let hostile = PanelUser(username: "x<b>", tenantID: "t\"><script>", role: .admin, passwordHash: "$2b$", createdAt: 0)
        let body = PanelServer.panelBody(hostile)
        #expect(!body.contains("<script>") && !body.contains("x<b>"))
    }

    /// A user without a permission does not get its menu.
    @Test func menusFollowPermissions() throws {
        let user = PanelUser(username: "ana", tenantID: "acme", role: .user, permissions: try #require(PanelPermissions(text: "calls=view")),
                             passwordHash: "$2b$x", createdAt: 0)
        let body = PanelServer.panelBody(user)
        #expect(body.contains("data-menu=\"chamadas\""))
        #expect(!body.contains("data-menu=\"ramais\"") && !body.contains("data-menu=\"usuarios\""))
    }
}

@Suite struct PanelOpenAPITests {
    /// Every API route the panel answers is in /openapi.yaml with its method, and the
    /// document names no route the panel does not answer (the WebSocket `/api/v1/live`
    /// lives on the upgrade router).
    @Test func theDocumentListsEveryRouteAndNothingElse() throws {
        var configuration = PanelConfiguration()
        configuration.bcryptCost = 4
        let store = MemoryStore()
        let audio = AudioLibrary(folder: FileManager.default.temporaryDirectory, store: store)
        let panel = PanelServer(configuration: configuration, store: store, logger: Logger(label: "test"), metrics: { [] }, audio: audio)
        let served = Set(panel.routeList().filter { $0.contains(" /api/") })
        let text = String(decoding: PanelServer.openAPIDocument, as: UTF8.self)
        var documented = Set<String>()
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, let method = ["get", "put", "post", "delete", "patch"].first(where: { line == "    \($0):" }) {
                if path.hasPrefix("/api/"), path != "/api/v1/live", path != "/api/v1/phone" { documented.insert("\(method.uppercased()) \(path)") }
            }
        }
        #expect(served.subtracting(documented).sorted() == [], "answered but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not answered")
        #expect(served.count >= 40)
    }
}

@Suite struct ZipArchiveTests {
    /// The CRC of the ZIP format's check value, and an archive's records where readers look.
    @Test func storedEntriesAndTheirDirectory() {
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)
        var zip = ZipArchive()
        zip.add(name: "a.wav", data: Data([1, 2, 3]), modified: Date(timeIntervalSince1970: 1_700_000_000))
        zip.add(name: "b.wav", data: Data(), modified: Date(timeIntervalSince1970: 0))
        let bytes = zip.finished()
        #expect(Array(bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
        let end = Array(bytes.suffix(22))
        #expect(Array(end.prefix(4)) == [0x50, 0x4B, 0x05, 0x06])
        #expect(end[8] == 2 && end[10] == 2, "two entries")
        let directoryStart = Int(end[16]) | Int(end[17]) << 8 | Int(end[18]) << 16 | Int(end[19]) << 24
        #expect(Array(bytes[directoryStart..<directoryStart + 4]) == [0x50, 0x4B, 0x01, 0x02])
        #expect(bytes.count == 2 * 30 + 10 + 3 + 2 * 46 + 10 + 22)
    }
}
