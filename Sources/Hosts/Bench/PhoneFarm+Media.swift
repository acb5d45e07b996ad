import NIOCore
import NIOPosix

extension PhoneFarm {
    /// Binds the two RTP sockets and starts the 20 ms send clock.
    func startMedia() -> EventLoopFuture<Void> {
        func bind(_ side: MediaSide) -> EventLoopFuture<any Channel> {
            DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_rcvbuf), value: 8 << 20)
                .channelOption(.socketOption(.so_sndbuf), value: 8 << 20)
                .channelOption(.maxMessagesPerRead, value: 64)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RTPHandler(farm: self, side: side))
                    }
                }
                .bind(host: domain, port: 0)
        }
        return bind(.caller).and(bind(.callee)).map { [self] caller, callee in
            let state = MediaState(callerChannel: caller, calleeChannel: callee)
            media = state
            state.ticker = loop.scheduleRepeatedTask(initialDelay: .milliseconds(10), delay: .milliseconds(10)) { [self] _ in
                sendDuePackets()
            }
        }
    }

    func stopMedia() {
        media?.ticker?.cancel()
        media?.ticker = nil
    }

    /// Packet counts so far.
    func mediaTotals() -> EventLoopFuture<MediaTotals> {
        loop.submit { self.media?.totals ?? MediaTotals() }
    }

    /// A new stream from `side`'s socket to the relay port the server's SDP gave.
    func startStream(_ side: MediaSide, host: String, port: Int) -> MediaStream? {
        guard let media, let destination = try? SocketAddress(ipAddress: host, port: port) else { return nil }
        var ssrc = UInt32.random(in: 1...UInt32.max)
        while media.streams[ssrc] != nil { ssrc = UInt32.random(in: 1...UInt32.max) }
        let stream = MediaStream(
            ssrc: ssrc, side: side, channel: side == .caller ? media.callerChannel : media.calleeChannel,
            destination: destination)
        media.streams[ssrc] = stream
        media.sending.append(stream)
        media.totals.streams += 1
        sendPackets(of: stream, count: 1)
        stream.channel.flush()
        return stream
    }

    /// Sends what each active stream owes by the clock (at most 3 packets of
    /// catch-up after a late tick, so a stalled loop does not burst).
    private func sendDuePackets() {
        guard let media else { return }
        let now = NIODeadline.now()
        var keep: [MediaStream] = []
        keep.reserveCapacity(media.sending.count)
        for stream in media.sending where stream.active {
            let due = Int((now - stream.startedAt).nanoseconds / (MediaStream.packetMillis * 1_000_000)) + 1
            let owed = min(due - stream.sent, 3)
            if owed > 0 { sendPackets(of: stream, count: owed) }
            keep.append(stream)
        }
        media.sending = keep
        media.callerChannel.flush()
        media.calleeChannel.flush()
    }

    private func sendPackets(of stream: MediaStream, count: Int) {
        guard let media else { return }
        for _ in 0..<count {
            var buffer = stream.channel.allocator.buffer(capacity: 12 + MediaStream.payloadBytes)
            // RFC 3550 §5.1: V=2, no padding/extension/CSRC; marker on the first packet; PT 0 (PCMU).
            buffer.writeInteger(UInt8(0x80))
            buffer.writeInteger(UInt8(stream.sent == 0 ? 0x80 : 0x00))
            buffer.writeInteger(stream.sequence)
            buffer.writeInteger(stream.timestamp)
            buffer.writeInteger(stream.ssrc)
            buffer.writeRepeatingByte(0xFF, count: MediaStream.payloadBytes)  // µ-law silence
            stream.channel.write(AddressedEnvelope(remoteAddress: stream.destination, data: buffer), promise: nil)
            stream.sequence &+= 1
            stream.timestamp &+= UInt32(MediaStream.payloadBytes)
            stream.sent += 1
            media.totals.sent += 1
        }
    }

    fileprivate func receivedRTP(ssrc: UInt32, on side: MediaSide, from source: SocketAddress) {
        guard let media else { return }
        guard let stream = media.streams[ssrc], stream.side != side else {
            media.totals.misrouted += 1
            return
        }
        stream.received += 1
        media.totals.received += 1
        if let peer = stream.peer, peer.destination != source { media.totals.wrongSource += 1 }
    }
}

/// Reads RTP packets of one media socket and hands SSRC and source to the farm.
private final class RTPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let farm: PhoneFarm
    private let side: MediaSide

    init(farm: PhoneFarm, side: MediaSide) {
        self.farm = farm
        self.side = side
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let buffer = envelope.data
        guard buffer.readableBytes >= 12,
              let ssrc = buffer.getInteger(at: buffer.readerIndex + 8, as: UInt32.self) else { return }
        farm.receivedRTP(ssrc: ssrc, on: side, from: envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
