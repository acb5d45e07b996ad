import Foundation
import TelefoniaCore
import TelefoniaSIP
import TelefoniaStorage
import Testing

/// Bindings live in the SQLite store, so a restarted server still reaches registered phones.
@Suite struct RegistrationRestartTests {
    /// A phone registered with one server process is called through a new server on the same database file.
    @Test func registrationSurvivesRestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("telefonia-restart-\(TestUA.token())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("telefonia.sqlite").path
        let rtpBase = RTPBlocks.take()

        let callee: TestUA = try await TestPBX.with(store: try SQLStore(path: path), rtpBase: rtpBase) { pbx in
            let phone = try pbx.phone("1000")
            #expect(try await phone.register().statusCode == 200)
            return phone
        }

        try await TestPBX.with(store: try SQLStore(path: path), rtpBase: rtpBase) { pbx in
            let bindings = try pbx.registrations("1000")
            #expect(bindings.map(\.contact) == [callee.contactURI])
            let caller = try pbx.phone("1001")
            let outgoing = try await caller.call("1000")
            let incoming = try await callee.incomingCall()
            #expect(incoming.invite.requestURI?.description == callee.contactURI)
            #expect(incoming.invite.vias.first?.port == pbx.sipPort, "the INVITE comes from the new server")
            try callee.answer(incoming, 486)
            _ = try await callee.request("ACK", callID: incoming.invite.callID)
            let busy = try await caller.response(to: outgoing.invite, final: true)
            #expect(busy.statusCode == 486)
            try caller.ackFailure(outgoing, response: busy)
        }
    }
}
