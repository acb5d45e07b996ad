import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TelefoniaCore
import Testing

@testable import TelefoniaSIP

/// These tests send real UDP datagrams over loopback, so they wait for packets
/// with a deadline instead of driving a manual clock.
@Suite struct MediaRelayTests {
    /// RTP packets sent by each phone reach the other phone byte for byte, from the relay port facing it.
    @Test func relaysPacketsBothWaysUnchanged() async throws {
        let relay = makeRelay(pairs: 2)
        let session = try await relay.allocate().get()
        let phoneA = try await UDPEndpoint.bind()
        let phoneB = try await UDPEndpoint.bind()
        session.setRemote(.a, host: "127.0.0.1", port: phoneA.port)
        session.setRemote(.b, host: "127.0.0.1", port: phoneB.port)

        let fromA = (0..<5).map { rtpPacket(sequence: UInt16(1000 + $0), ssrc: 0xA1A1_A1A1, payloadType: 0) }
        for packet in fromA { try await phoneA.send(packet, toPort: session.aPort) }
        let atB = try await phoneB.waitForPackets(count: 5)
        #expect(atB.map(\.bytes) == fromA)
        #expect(atB.allSatisfy { $0.sourcePort == session.bPort })

        let fromB = (0..<5).map { rtpPacket(sequence: UInt16(7 + $0), ssrc: 0xB2B2_B2B2, payloadType: 8) }
        for packet in fromB { try await phoneB.send(packet, toPort: session.bPort) }
        let atA = try await phoneA.waitForPackets(count: 5)
        #expect(atA.map(\.bytes) == fromB)
        #expect(atA.allSatisfy { $0.sourcePort == session.aPort })

        #expect(session.packetsRelayed == (aToB: 5, bToA: 5))
        #expect(session.lastActivityMillis > 0)
        try await session.close().get()
        try await phoneA.close()
        try await phoneB.close()
    }

    /// Media for a phone goes to where its packets come from, not to the (NATed) address in its SDP.
    @Test func latchesToSourceDifferentFromSDPAddress() async throws {
        let relay = makeRelay(pairs: 2)
        let session = try await relay.allocate().get()
        let sdpAddress = try await UDPEndpoint.bind()
        let phoneA = try await UDPEndpoint.bind()
        let phoneB = try await UDPEndpoint.bind()
        session.setRemote(.a, host: "127.0.0.1", port: sdpAddress.port)
        session.setRemote(.b, host: "127.0.0.1", port: phoneB.port)

        try await phoneA.send(rtpPacket(sequence: 1), toPort: session.aPort)
        _ = try await phoneB.waitForPackets(count: 1)
        let reply = rtpPacket(sequence: 99, ssrc: 0xB2B2_B2B2)
        try await phoneB.send(reply, toPort: session.bPort)
        #expect(try await phoneA.waitForPackets(count: 1).map(\.bytes) == [reply])

        // Once latched, someone else sending to A's port does not get through to B.
        let intruder = try await UDPEndpoint.bind()
        try await intruder.send(rtpPacket(sequence: 666, ssrc: 0x0BAD_0BAD), toPort: session.aPort)
        try await phoneA.send(rtpPacket(sequence: 2), toPort: session.aPort)
        let atB = try await phoneB.waitForPackets(count: 2)
        #expect(atB.map { sequenceNumber(of: $0.bytes) } == [1, 2])
        #expect(session.packetsRelayed == (aToB: 2, bToA: 1))

        // The same SDP again (a session refresh) does not open a new latch...
        session.setRemote(.a, host: "127.0.0.1", port: sdpAddress.port)
        try await intruder.send(rtpPacket(sequence: 667, ssrc: 0x0BAD_0BAD), toPort: session.aPort)
        #expect(try await phoneB.settled().count == 2)

        // ...a new SDP address (a re-INVITE) allows exactly one.
        session.setRemote(.a, host: "127.0.0.2", port: sdpAddress.port)
        try await intruder.send(rtpPacket(sequence: 3, ssrc: 0xC3C3_C3C3), toPort: session.aPort)
        #expect(try await phoneB.waitForPackets(count: 3).last.map { sequenceNumber(of: $0.bytes) } == 3)
        try await phoneB.send(rtpPacket(sequence: 100), toPort: session.bPort)
        #expect(try await intruder.waitForPackets(count: 1).map { sequenceNumber(of: $0.bytes) } == [100])
        #expect(sdpAddress.received.isEmpty)

        try await session.close().get()
        for endpoint in [sdpAddress, phoneA, phoneB, intruder] { try await endpoint.close() }
    }

    /// Ring all: the losing phone's first packets latch B's side before the winner's SDP
    /// is set; from then on the winner (the SDP's address) takes over and the loser is
    /// dropped — not the other way round.
    @Test func theSDPAddressTakesOverFromAnEarlierLatch() async throws {
        let relay = makeRelay(pairs: 2)
        let session = try await relay.allocate().get()
        let phoneA = try await UDPEndpoint.bind()
        let loser = try await UDPEndpoint.bind()
        let winner = try await UDPEndpoint.bind()
        session.setRemote(.a, host: "127.0.0.1", port: phoneA.port)
        try await loser.send(rtpPacket(sequence: 1, ssrc: 0x1111_1111), toPort: session.bPort)
        #expect(try await phoneA.waitForPackets(count: 1).map { sequenceNumber(of: $0.bytes) } == [1])
        session.setRemote(.b, host: "127.0.0.1", port: winner.port)
        try await loser.send(rtpPacket(sequence: 2, ssrc: 0x1111_1111), toPort: session.bPort)
        try await winner.send(rtpPacket(sequence: 50, ssrc: 0x2222_2222), toPort: session.bPort)
        try await loser.send(rtpPacket(sequence: 3, ssrc: 0x1111_1111), toPort: session.bPort)
        try await winner.send(rtpPacket(sequence: 51, ssrc: 0x2222_2222), toPort: session.bPort)
        let heard = try await phoneA.waitForPackets(count: 4).map { sequenceNumber(of: $0.bytes) }
        #expect(Array(heard.suffix(2)) == [50, 51], "the winner is heard once it sends: \(heard)")
        #expect(try await phoneA.settled().count == 4, "the loser is dropped after the winner took over")
        try await phoneA.send(rtpPacket(sequence: 7), toPort: session.aPort)
        #expect(try await winner.waitForPackets(count: 1).map { sequenceNumber(of: $0.bytes) } == [7])
        try await session.close().get()
        for endpoint in [phoneA, loser, winner] { try await endpoint.close() }
    }

    /// Packets are dropped until the other side's address is known; a latch alone is enough to learn it.
    @Test func dropsPacketsUntilDestinationIsKnown() async throws {
        let relay = makeRelay(pairs: 2)
        let session = try await relay.allocate().get()
        let phoneA = try await UDPEndpoint.bind()
        let phoneB = try await UDPEndpoint.bind()
        session.setRemote(.b, host: "127.0.0.1", port: phoneB.port)

        // B sends first, but nobody knows where A is yet.
        try await phoneB.send(rtpPacket(sequence: 1), toPort: session.bPort)
        try await phoneA.send(rtpPacket(sequence: 10), toPort: session.aPort)
        #expect(try await phoneB.waitForPackets(count: 1).map { sequenceNumber(of: $0.bytes) } == [10])
        try await phoneB.send(rtpPacket(sequence: 2), toPort: session.bPort)
        #expect(try await phoneA.waitForPackets(count: 1).map { sequenceNumber(of: $0.bytes) } == [2])
        #expect(session.packetsRelayed == (aToB: 1, bToA: 1))
        try await session.close().get()
        try await phoneA.close()
        try await phoneB.close()
    }

    /// Datagrams shorter than an RTP header or not RTP version 2 are not relayed.
    @Test func ignoresShortAndNonRTPDatagrams() async throws {
        let relay = makeRelay(pairs: 2)
        let session = try await relay.allocate().get()
        let phoneA = try await UDPEndpoint.bind()
        let phoneB = try await UDPEndpoint.bind()
        session.setRemote(.a, host: "127.0.0.1", port: phoneA.port)
        session.setRemote(.b, host: "127.0.0.1", port: phoneB.port)

        try await phoneA.send(Array(rtpPacket(sequence: 1).prefix(11)), toPort: session.aPort)
        var versionOne = rtpPacket(sequence: 2)
        versionOne[0] = 0x40
        try await phoneA.send(versionOne, toPort: session.aPort)
        try await phoneA.send(Array("STUN or keepalive".utf8), toPort: session.aPort)
        try await phoneA.send(rtpPacket(sequence: 3), toPort: session.aPort)
        #expect(try await phoneB.waitForPackets(count: 1).map { sequenceNumber(of: $0.bytes) } == [3])
        #expect(session.packetsRelayed == (aToB: 1, bToA: 0))
        try await session.close().get()
        try await phoneA.close()
        try await phoneB.close()
    }

    /// An SDP address the relay's sockets cannot reach (another address family) is ignored without breaking the session.
    @Test func ignoresRemoteOfOtherAddressFamily() async throws {
        let relay = makeRelay(pairs: 2)
        let session = try await relay.allocate().get()
        let phoneA = try await UDPEndpoint.bind()
        let phoneB = try await UDPEndpoint.bind()
        session.setRemote(.b, host: "::1", port: phoneB.port)
        try await phoneA.send(rtpPacket(sequence: 1), toPort: session.aPort)
        #expect(try await phoneB.settled().isEmpty)

        session.setRemote(.b, host: "127.0.0.1", port: phoneB.port)
        try await phoneA.send(rtpPacket(sequence: 2), toPort: session.aPort)
        #expect(try await phoneB.waitForPackets(count: 1).map { sequenceNumber(of: $0.bytes) } == [2])
        try await session.close().get()
        try await phoneA.close()
        try await phoneB.close()
    }

    /// A session dropped without close() still gives its ports back.
    @Test func forgottenSessionFreesItsPorts() async throws {
        let relay = makeRelay(pairs: 2)
        _ = try await relay.allocate().get()
        let deadline = ContinuousClock.now + .seconds(2)
        while relay.activeSessions > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(relay.activeSessions == 0)
        try await relay.allocate().get().close().get()
    }

    /// A session takes two even ports with the odd ones above them left free for RTCP.
    @Test func allocatesEvenPortsAndKeepsRTCPPortsFree() async throws {
        let range = nextPortRange(pairs: 2)
        let relay = MediaRelay(group: MultiThreadedEventLoopGroup.singleton, bindHost: "127.0.0.1", portRange: range, logger: testLogger)
        let session = try await relay.allocate().get()
        #expect(session.aPort % 2 == 0 && session.bPort % 2 == 0)
        #expect(Set([session.aPort, session.bPort]) == Set([range.lowerBound, range.lowerBound + 2]))
        // Nothing is bound on the RTCP ports.
        let rtcp = try await UDPEndpoint.bind(port: session.aPort + 1)
        try await rtcp.close()
        try await session.close().get()
    }

    /// When every pair is taken, allocate fails with portRangeExhausted and a message naming the range.
    @Test func exhaustedPortRangeFails() async throws {
        let range = nextPortRange(pairs: 3)
        let relay = MediaRelay(group: MultiThreadedEventLoopGroup.singleton, bindHost: "127.0.0.1", portRange: range, logger: testLogger)
        let session = try await relay.allocate().get()
        await #expect(throws: MediaRelayError.portRangeExhausted) { try await relay.allocate().get() }
        do {
            _ = try await relay.allocate().get()
        } catch let error as MediaRelayError {
            #expect(error.message.contains("\(range.lowerBound)-\(range.upperBound)"))
        }
        #expect(relay.activeSessions == 1)
        try await session.close().get()
    }

    /// A port another process holds is skipped.
    @Test func skipsPortsInUse() async throws {
        let range = nextPortRange(pairs: 3)
        let squatter = try await UDPEndpoint.bind(port: range.lowerBound + 2)
        let relay = MediaRelay(group: MultiThreadedEventLoopGroup.singleton, bindHost: "127.0.0.1", portRange: range, logger: testLogger)
        let session = try await relay.allocate().get()
        #expect(Set([session.aPort, session.bPort]) == Set([range.lowerBound, range.lowerBound + 4]))
        await #expect(throws: MediaRelayError.portRangeExhausted) { try await relay.allocate().get() }
        try await session.close().get()
        try await squatter.close()
    }

    /// Closing a session (twice is fine) frees its ports for the next call.
    @Test func closeFreesPortsForReuse() async throws {
        let range = nextPortRange(pairs: 2)
        let relay = MediaRelay(group: MultiThreadedEventLoopGroup.singleton, bindHost: "127.0.0.1", portRange: range, logger: testLogger)
        let first = try await relay.allocate().get()
        #expect(relay.activeSessions == 1)
        try await first.close().get()
        try await first.close().get()
        #expect(relay.activeSessions == 0)

        let second = try await relay.allocate().get()
        #expect(Set([second.aPort, second.bPort]) == Set([first.aPort, first.bPort]))
        #expect(relay.activeSessions == 1)
        try await second.close().get()
        #expect(relay.activeSessions == 0)
    }

    /// A finished call's ports stay bound in the pool and the next call gets them after the
    /// rest time with nothing of the old call left: counters at zero, no latch, so a new
    /// phone on another port is relayed.
    @Test func pooledPairIsReusedClean() async throws {
        let range = nextPortRange(pairs: 4)
        let relay = MediaRelay(group: MultiThreadedEventLoopGroup.singleton, bindHost: "127.0.0.1", portRange: range,
                               logger: testLogger, poolRestMillis: 0)
        let first = try await relay.allocate().get()
        let oldPhone = try await UDPEndpoint.bind()
        let phoneB = try await UDPEndpoint.bind()
        first.setRemote(.b, host: "127.0.0.1", port: phoneB.port)
        try await oldPhone.send(rtpPacket(sequence: 1), toPort: first.aPort)
        _ = try await phoneB.waitForPackets(count: 1)
        try await first.close().get()
        #expect(relay.pooledSessions == 1)
        #expect(relay.activeSessions == 0)
        #expect(relay.freePairs == 4, "pooled pairs count as free")

        let second = try await relay.allocate().get()
        #expect(relay.pooledSessions == 0)
        #expect(Set([second.aPort, second.bPort]) == Set([first.aPort, first.bPort]))
        #expect(second.packetsRelayed == (aToB: 0, bToA: 0))
        #expect(second.lastActivityMillis == 0)
        second.setRemote(.b, host: "127.0.0.1", port: phoneB.port)
        let newPhone = try await UDPEndpoint.bind()
        let packet = rtpPacket(sequence: 500, ssrc: 0x5555_5555)
        try await newPhone.send(packet, toPort: second.aPort)
        // phoneB's inbox keeps the first call's packet too.
        #expect(try await phoneB.waitForPackets(count: 2).map(\.bytes).dropFirst() == [packet], "the old call's latch was kept")
        try await second.close().get()
        for endpoint in [oldPhone, phoneB, newPhone] { try await endpoint.close() }
    }

    /// A pair that has not rested is not handed out while fresh ports remain.
    @Test func unrestedPairWaitsWhilePortsRemain() async throws {
        let relay = MediaRelay(group: MultiThreadedEventLoopGroup.singleton, bindHost: "127.0.0.1", portRange: nextPortRange(pairs: 4),
                               logger: testLogger, poolRestMillis: 60_000)
        let first = try await relay.allocate().get()
        try await first.close().get()
        let second = try await relay.allocate().get()
        #expect(Set([second.aPort, second.bPort]).isDisjoint(with: [first.aPort, first.bPort]))
        #expect(relay.pooledSessions == 1)
        try await second.close().get()
    }

    /// A bind address that is not the machine's fails at once with a clear error, not as exhaustion.
    @Test func unusableBindAddressFailsClearly() async throws {
        let relay = MediaRelay(group: MultiThreadedEventLoopGroup.singleton, bindHost: "192.0.2.1", portRange: nextPortRange(pairs: 2), logger: testLogger)
        await #expect(throws: MediaRelayError.bindFailed) { try await relay.allocate().get() }
        #expect(relay.activeSessions == 0)
    }
}

// MARK: - Helpers

private let testLogger = Logger(label: "test.media") { _ in SwiftLogNoOpLogHandler() }

/// Below Linux's ephemeral range (32768+), so test endpoints never collide with
/// relay ports; each test gets its own block since tests run in parallel.
private let nextBase = NIOLockedValueBox(20_000 + 2 * Int.random(in: 0..<2_000))

private func nextPortRange(pairs: Int) -> ClosedRange<Int> {
    nextBase.withLockedValue { base in
        let range = base...(base + 2 * pairs - 1)
        base += 2 * pairs
        return range
    }
}

private func makeRelay(pairs: Int) -> MediaRelay {
    MediaRelay(group: MultiThreadedEventLoopGroup.singleton, bindHost: "127.0.0.1", portRange: nextPortRange(pairs: pairs), logger: testLogger)
}

private func rtpPacket(sequence: UInt16, ssrc: UInt32 = 0xA1A1_A1A1, payloadType: UInt8 = 0) -> [UInt8] {
    var bytes: [UInt8] = [0x80, payloadType, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
    let timestamp = UInt32(sequence) &* 160
    bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: timestamp >> $0) }
    bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: ssrc >> $0) }
    bytes += (0..<160).map { UInt8(truncatingIfNeeded: Int(sequence) &+ $0) }
    return bytes
}

private func sequenceNumber(of bytes: [UInt8]) -> Int { Int(bytes[2]) << 8 | Int(bytes[3]) }

/// A phone's RTP socket on loopback that records what it receives.
private final class UDPEndpoint: Sendable {
    struct Received: Sendable {
        var bytes: [UInt8]
        var sourcePort: Int?
    }

    let channel: any Channel
    let port: Int
    private let inbox: NIOLockedValueBox<[Received]>

    private init(channel: any Channel, inbox: NIOLockedValueBox<[Received]>) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.inbox = inbox
    }

    static func bind(port: Int = 0) async throws -> UDPEndpoint {
        let inbox = NIOLockedValueBox<[Received]>([])
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(inbox: inbox))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        return UDPEndpoint(channel: channel, inbox: inbox)
    }

    var received: [Received] { inbox.withLockedValue { $0 } }

    func send(_ bytes: [UInt8], toPort port: Int) async throws {
        let destination = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: bytes)))
    }

    /// Waits (2 s at most) until `count` packets have arrived, then a little
    /// longer to catch any that should not have.
    func waitForPackets(count: Int) async throws -> [Received] {
        let deadline = ContinuousClock.now + .seconds(2)
        while received.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(50))
        return received
    }

    /// What has arrived once packets in flight have had time to land.
    func settled() async throws -> [Received] {
        try await Task.sleep(for: .milliseconds(100))
        return received
    }

    func close() async throws {
        try await channel.close()
    }

    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let inbox: NIOLockedValueBox<[Received]>
        init(inbox: NIOLockedValueBox<[Received]>) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let received = Received(bytes: Array(envelope.data.readableBytesView), sourcePort: envelope.remoteAddress.port)
            inbox.withLockedValue { $0.append(received) }
        }
    }
}

/// In-call features (P5) put each phone on a socket of the server without a re-INVITE.
@Suite struct RelayDiversionTests {
    /// A's packets go to the server's socket (out of the B port), what that socket sends
    /// into the B port goes to A; B's phone no longer reaches A, and back to normal after.
    @Test func divertedSideTalksToTheServerSocket() async throws {
        let relay = makeRelay(pairs: 2)
        let session = try await relay.allocate().get()
        let phoneA = try await UDPEndpoint.bind()
        let phoneB = try await UDPEndpoint.bind()
        let server = try await UDPEndpoint.bind()
        session.setRemote(.a, host: "127.0.0.1", port: phoneA.port)
        session.setRemote(.b, host: "127.0.0.1", port: phoneB.port)
        session.divert(.a, host: "127.0.0.1", port: server.port)

        let fromA = (0..<3).map { rtpPacket(sequence: UInt16(10 + $0)) }
        for packet in fromA { try await phoneA.send(packet, toPort: session.aPort) }
        let atServer = try await server.waitForPackets(count: 3)
        #expect(atServer.map(\.bytes) == fromA)
        #expect(atServer.allSatisfy { $0.sourcePort == session.bPort })

        let fromServer = (0..<3).map { rtpPacket(sequence: UInt16(50 + $0), ssrc: 0x5E5E_5E5E) }
        for packet in fromServer { try await server.send(packet, toPort: session.bPort) }
        let atA = try await phoneA.waitForPackets(count: 3)
        #expect(atA.map(\.bytes) == fromServer)
        #expect(atA.allSatisfy { $0.sourcePort == session.aPort })

        // B's phone still talks into its port; nothing of it reaches A while A is diverted.
        try await phoneB.send(rtpPacket(sequence: 99, ssrc: 0xB2B2_B2B2), toPort: session.bPort)
        try await Task.sleep(for: .milliseconds(100))
        #expect(phoneA.received.count == 3)

        session.divert(.a, host: nil, port: 0)
        let again = rtpPacket(sequence: 13)
        try await phoneA.send(again, toPort: session.aPort)
        let atB = try await phoneB.waitForPackets(count: 1)
        #expect(atB.map(\.bytes) == [again])
        #expect(server.received.count == 3)
        try await session.close().get()
        for endpoint in [phoneA, phoneB, server] { try await endpoint.close() }
    }

    /// The keys a phone presses reach the tap once per press, whatever the repetitions.
    @Test func digitTapReadsTelephoneEvents() async throws {
        let relay = makeRelay(pairs: 2)
        let session = try await relay.allocate().get()
        let phoneA = try await UDPEndpoint.bind()
        let phoneB = try await UDPEndpoint.bind()
        session.setRemote(.a, host: "127.0.0.1", port: phoneA.port)
        session.setRemote(.b, host: "127.0.0.1", port: phoneB.port)
        let keys = NIOLockedValueBox<[String]>([])
        let tap = RelayDigitTap(payloadTypes: [.a: 101]) { side, digit in
            keys.withLockedValue { $0.append("\(side.rawValue)\(digit.rawValue)") }
        }
        session.add(tap: tap)
        var sequence: UInt16 = 1
        func press(_ event: UInt8, timestamp: UInt32, from phone: UDPEndpoint, port: Int, payloadType: UInt8 = 101) async throws {
            // Three updates and three end packets of one press, all with its timestamp.
            for (duration, end) in [(160, false), (320, false), (480, false), (640, true), (640, true), (640, true)] {
                var packet: [UInt8] = [0x80, payloadType, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
                packet += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: timestamp >> $0) }
                packet += [0xA1, 0xA1, 0xA1, 0xA1, event, end ? 0x8A : 0x0A, UInt8(duration >> 8), UInt8(duration & 0xFF)]
                sequence &+= 1
                try await phone.send(packet, toPort: port)
            }
        }
        try await press(10, timestamp: 8000, from: phoneA, port: session.aPort)
        try await press(1, timestamp: 16000, from: phoneA, port: session.aPort)
        // B's side is not watched, and audio of A is not an event.
        try await press(2, timestamp: 24000, from: phoneB, port: session.bPort)
        try await phoneA.send(rtpPacket(sequence: 500), toPort: session.aPort)
        _ = try await phoneB.waitForPackets(count: 13)
        #expect(keys.withLockedValue { $0 } == ["a*", "a1"])
        try await session.close().get()
        for endpoint in [phoneA, phoneB] { try await endpoint.close() }
    }
}
