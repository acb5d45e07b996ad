import NIOCore
import TelefoniaSIP

/// One request of ours waiting for its responses.
final class ClientTransaction: @unchecked Sendable {
    let branch: String
    let method: String
    let bytes: [UInt8]
    let destination: SocketAddress
    let onResponse: (SIPMessage?, [UInt8]) -> Void
    var gotProvisional = false
    var gotFinal = false
    var retransmit: Scheduled<Void>?
    var expiry: Scheduled<Void>?

    init(branch: String, method: String, bytes: [UInt8], destination: SocketAddress, onResponse: @escaping (SIPMessage?, [UInt8]) -> Void) {
        self.branch = branch
        self.method = method
        self.bytes = bytes
        self.destination = destination
        self.onResponse = onResponse
    }
}
