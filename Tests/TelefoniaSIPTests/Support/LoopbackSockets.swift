#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
// NIO's C shim re-exports the socket headers; with MemberImportVisibility the compiler
// may attribute sockaddr_in to it (depending on how files are batched), so say it.
#if canImport(CNIOLinux)
import CNIOLinux
#endif

// Plain BSD sockets on loopback for the test phones. Reads use poll(2) with a
// deadline, never a bare sleep. SIP sockets are read by a thread of their own
// (`SIPMailbox`); other blocking work runs on Dispatch threads (`offCooperativePool`)
// so it does not hold one of the few threads of Swift's cooperative pool.

/// Why a socket operation in a test failed.
struct SocketError: Error, CustomStringConvertible {
    var description: String
    init(_ what: String) { description = "\(what): errno \(errno) (\(String(cString: strerror(errno))))" }
}

#if canImport(Glibc)
private let datagramType = Int32(SOCK_DGRAM.rawValue)
private let streamType = Int32(SOCK_STREAM.rawValue)
#else
private let datagramType = SOCK_DGRAM
private let streamType = SOCK_STREAM
#endif

/// Runs blocking socket work on a Dispatch thread and resumes the task with its result.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Milliseconds left until `deadline`, at least 0.
func millisecondsLeft(until deadline: ContinuousClock.Instant) -> Int32 {
    let left = ContinuousClock.now.duration(to: deadline)
    if left <= .zero { return 0 }
    let (seconds, attoseconds) = left.components
    return Int32(min(Int64(Int32.max), seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
}

private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port)).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

private func boundPort(of fd: Int32) throws -> Int {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard rc == 0 else { throw SocketError("getsockname") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits until `fd` is readable or the deadline passes; false on timeout.
private func waitReadable(_ fd: Int32, until deadline: ContinuousClock.Instant) -> Bool {
    while true {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let rc = poll(&descriptor, 1, millisecondsLeft(until: deadline))
        if rc > 0 { return true }
        if rc == 0 { return false }
        if errno != EINTR { return false }
    }
}

/// A UDP socket bound to 127.0.0.1 on a free port.
final class LoopbackUDPSocket: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, datagramType, 0)
        guard fd >= 0 else { throw SocketError("socket(UDP)") }
        var address = loopbackAddress(port: 0)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw SocketError("bind(UDP)")
        }
        self.fd = fd
        port = try boundPort(of: fd)
    }

    deinit { close(fd) }

    /// Sends one datagram to 127.0.0.1:`port`.
    func send(_ bytes: [UInt8], toPort port: Int) throws {
        var address = loopbackAddress(port: port)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == bytes.count else { throw SocketError("sendto") }
    }

    /// The next datagram and the port it came from, or nil when none arrives before the deadline.
    func receive(until deadline: ContinuousClock.Instant) throws -> (bytes: [UInt8], sourcePort: Int)? {
        guard waitReadable(fd, until: deadline) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length) }
            }
        }
        guard count >= 0 else { throw SocketError("recvfrom") }
        return (Array(buffer[0..<count]), Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// A TCP connection from 127.0.0.1 to a loopback port, framing SIP messages by Content-Length.
final class LoopbackTCPConnection: @unchecked Sendable {
    let fd: Int32
    let localPort: Int
    private var buffer: [UInt8] = []

    init(toPort port: Int) throws {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw SocketError("socket(TCP)") }
        var address = loopbackAddress(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw SocketError("connect(TCP :\(port))")
        }
        self.fd = fd
        localPort = try boundPort(of: fd)
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard sent > 0 else { throw SocketError("write(TCP)") }
            offset += sent
        }
    }

    /// The next whole SIP message on the stream (RFC 3261 §18.3 framing), or nil at the deadline.
    /// Throws when the server closed the connection.
    func receiveMessage(until deadline: ContinuousClock.Instant) throws -> [UInt8]? {
        while true {
            if let message = takeMessage() { return message }
            guard waitReadable(fd, until: deadline) else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { throw SocketError("TCP connection closed by the server") }
            guard count > 0 else { throw SocketError("read(TCP)") }
            buffer += chunk[0..<count]
        }
    }

    private func takeMessage() -> [UInt8]? {
        while let first = buffer.first, first == 13 || first == 10 { buffer.removeFirst() }
        guard let end = Self.headerEnd(buffer) else { return nil }
        let head = String(decoding: buffer[0..<end], as: UTF8.self)
        var length = 0
        for line in head.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingSpaces().lowercased()
            if name == "content-length" || name == "l" {
                length = Int(line[line.index(after: colon)...].trimmingSpaces()) ?? 0
            }
        }
        let total = end + 4 + length
        guard buffer.count >= total else { return nil }
        let message = Array(buffer[0..<total])
        buffer.removeFirst(total)
        return message
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
