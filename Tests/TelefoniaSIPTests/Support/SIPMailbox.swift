import Foundation
import TelefoniaSIP

/// One test phone's SIP socket, read on a thread of its own: each message is parsed and
/// time-stamped as it arrives, so timing checks do not depend on when a test task gets
/// round to looking, and the server's OPTIONS keep-alives are answered at once, as a
/// real phone does. Tests take messages out with `take` / `takeAll`.
final class SIPMailbox: @unchecked Sendable {
    /// A message as parsed, with the bytes it came in (for headers the parsed form does not keep).
    struct Received: Sendable {
        var message: SIPMessage
        var raw: [UInt8]
        /// When the socket read returned it.
        var receivedAt: ContinuousClock.Instant
        var text: String { String(decoding: raw, as: UTF8.self) }

        /// Values of header `name` (case-insensitive) as written on the wire.
        func rawHeader(_ name: String) -> [String] {
            let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
            return head.components(separatedBy: "\r\n").dropFirst().compactMap { line in
                guard let colon = line.firstIndex(of: ":"), line[..<colon].trimmingSpaces().lowercased() == name.lowercased() else { return nil }
                return line[line.index(after: colon)...].trimmingSpaces()
            }
        }
    }

    private let udp: LoopbackUDPSocket?
    private let tcp: LoopbackTCPConnection?
    private let owner: String
    private let serverPort: Int
    private let lock = NSLock()
    private var inbox: [Received] = []
    private var problems: [String] = []
    private var stopped = false

    /// Starts reading `udp` or `tcp` (exactly one is given) until `stop()`.
    init(udp: LoopbackUDPSocket?, tcp: LoopbackTCPConnection?, owner: String, serverPort: Int) {
        self.udp = udp
        self.tcp = tcp
        self.owner = owner
        self.serverPort = serverPort
        let thread = Thread { [self] in run() }
        thread.name = "test-ua-\(owner)"
        thread.start()
    }

    /// Ends the reader thread (within its 50 ms poll); the sockets close when it has let go.
    func stop() { lock.withLock { stopped = true } }

    private var isStopped: Bool { lock.withLock { stopped } }

    /// Over UDP to 127.0.0.1:`port`; over TCP on the connection whatever `port` says.
    func send(_ bytes: [UInt8], toPort port: Int) throws {
        if let udp { try udp.send(bytes, toPort: port) } else { try tcp!.send(bytes) }
    }

    /// The first message matching `predicate`, removed from the inbox; throws when reading failed.
    func take(_ predicate: (SIPMessage) -> Bool) throws -> Received? {
        try lock.withLock {
            if let problem = problems.first { throw TestUA.Failure(description: problem) }
            guard let index = inbox.firstIndex(where: { predicate($0.message) }) else { return nil }
            return inbox.remove(at: index)
        }
    }

    /// Every message matching `predicate` that arrived by `deadline`, removed from the inbox.
    func takeAll(arrivedBy deadline: ContinuousClock.Instant, _ predicate: (SIPMessage) -> Bool) throws -> [Received] {
        try lock.withLock {
            if let problem = problems.first { throw TestUA.Failure(description: problem) }
            let matching = inbox.filter { $0.receivedAt <= deadline && predicate($0.message) }
            inbox.removeAll { $0.receivedAt <= deadline && predicate($0.message) }
            return matching
        }
    }

    /// Messages received and not yet taken.
    var pending: [SIPMessage] { lock.withLock { inbox.map(\.message) } }

    private func run() {
        while !isStopped {
            let deadline = ContinuousClock.now + .milliseconds(50)
            let bytes: [UInt8]
            do {
                if let udp {
                    guard let datagram = try udp.receive(until: deadline) else { continue }
                    bytes = datagram.bytes
                } else {
                    guard let message = try tcp!.receiveMessage(until: deadline) else { continue }
                    bytes = message
                }
            } catch {
                if !isStopped { lock.withLock { problems.append("\(owner): \(error)") } }
                return
            }
            let arrivedAt = ContinuousClock.now
            let message: SIPMessage
            do {
                message = try SIPParser.parse(bytes)
            } catch {
                lock.withLock {
                    problems.append("\(owner): the server sent an unparseable message (\(error)): \(String(decoding: bytes, as: UTF8.self))")
                }
                continue
            }
            if message.isRequest, message.method == "OPTIONS" {
                let response = message.response(200, toTag: message.to.tag == nil ? TestUA.token() : nil)
                try? send(response.serialized(), toPort: message.vias.first?.port ?? serverPort)
                continue
            }
            lock.withLock { inbox.append(Received(message: message, raw: bytes, receivedAt: arrivedAt)) }
        }
    }
}
