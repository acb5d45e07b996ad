import NIOCore
import NIOPosix

extension PhoneFarm {
    /// Binds the two RTP sockets and starts the 20 ms send clock.
    /// `kernelTimed`: relayed RTP goes over blocking sockets read by dedicated threads
    /// with SO_TIMESTAMPNS (not for playback, whose packets the caller channel reads).
    func startMedia(kernelTimed: Bool = true) -> EventLoopFuture<Void> {
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
            if kernelTimed {
                state.callerTimed = KernelTimedSocket.open(host: domain)
                state.calleeTimed = KernelTimedSocket.open(host: domain)
                if state.callerTimed == nil || state.calleeTimed == nil {
                    state.callerTimed?.stop()
                    state.calleeTimed?.stop()
                    state.callerTimed = nil
                    state.calleeTimed = nil
                }
            }
            media = state
            state.ticker = loop.scheduleRepeatedTask(initialDelay: .milliseconds(10), delay: .milliseconds(10)) { [self] _ in
                sendDuePackets()
            }
        }
    }

    func stopMedia() {
        media?.ticker?.cancel()
        media?.ticker = nil
        // The receive threads keep reading until the figures are taken (mediaTiming).
    }

    /// Packet counts so far.
    func mediaTotals() -> EventLoopFuture<MediaTotals> {
        loop.submit {
            self.drainKernelTimed()
            return self.media?.totals ?? MediaTotals()
        }
    }

    /// A new stream from `side`'s socket to the relay port the server's SDP gave.
    func startStream(_ side: MediaSide, host: String, port: Int) -> MediaStream? {
        guard let media, let destination = try? SocketAddress(ipAddress: host, port: port) else { return nil }
        var ssrc = UInt32.random(in: 1...UInt32.max)
        while media.streams[ssrc] != nil { ssrc = UInt32.random(in: 1...UInt32.max) }
        let stream = MediaStream(
            ssrc: ssrc, side: side, channel: side == .caller ? media.callerChannel : media.calleeChannel,
            destination: destination)
        stream.timedSocket = side == .caller ? media.callerTimed : media.calleeTimed
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
        if let socket = stream.timedSocket {
            for _ in 0..<count {
                // The send time (CLOCK_REALTIME ns) is taken just before sendto, in the socket.
                let header = (marker: stream.sent == 0, sequence: stream.sequence, timestamp: stream.timestamp, ssrc: stream.ssrc)
                if socket.send(header: header, to: stream.destination) {
                    media.totals.sent += 1
                } else {
                    media.sendFailures += 1
                }
                stream.sequence &+= 1
                stream.timestamp &+= UInt32(MediaStream.payloadBytes)
                stream.sent += 1
            }
            return
        }
        for _ in 0..<count {
            var buffer = stream.channel.allocator.buffer(capacity: 12 + MediaStream.payloadBytes)
            // RFC 3550 §5.1: V=2, no padding/extension/CSRC; marker on the first packet; PT 0 (PCMU).
            buffer.writeInteger(UInt8(0x80))
            buffer.writeInteger(UInt8(stream.sent == 0 ? 0x80 : 0x00))
            buffer.writeInteger(stream.sequence)
            buffer.writeInteger(stream.timestamp)
            buffer.writeInteger(stream.ssrc)
            // The send time (ns, monotonic) first, so the far end can measure the relay's transit time.
            buffer.writeInteger(UInt64(NIODeadline.now().uptimeNanoseconds))
            buffer.writeRepeatingByte(0xFF, count: MediaStream.payloadBytes - 8)  // µ-law silence
            stream.channel.write(AddressedEnvelope(remoteAddress: stream.destination, data: buffer), promise: nil)
            stream.sequence &+= 1
            stream.timestamp &+= UInt32(MediaStream.payloadBytes)
            stream.sent += 1
            media.totals.sent += 1
        }
    }

    /// A receive-only stream for the server's RTP to a caller (the `*44` playback):
    /// told apart by the server's source port, the one its SDP named.
    func startPlaybackStream(host: String, port: Int) -> MediaStream? {
        guard let media, let source = try? SocketAddress(ipAddress: host, port: port),
              media.playbackBySource[port] == nil else { return nil }
        let stream = MediaStream(ssrc: 0, side: .callee, channel: media.callerChannel, destination: source)
        stream.active = false
        media.playbackBySource[port] = stream
        media.totals.streams += 1
        return stream
    }

    func endPlaybackStream(_ stream: MediaStream) {
        guard let media, let port = stream.destination.port, media.playbackBySource[port] === stream else { return }
        media.playbackBySource[port] = nil
    }

    fileprivate func receivedRTP(ssrc: UInt32, sequence: UInt16, sentNanos: UInt64, on side: MediaSide, from source: SocketAddress) {
        guard let media else { return }
        let now = NIODeadline.now()
        if side == .caller, let port = source.port, let stream = media.playbackBySource[port] {
            // Playback: deviation from the 20 ms grid anchored at the first packet.
            stream.received += 1
            media.totals.received += 1
            guard let first = stream.firstArrival else {
                stream.firstArrival = now
                stream.firstSequence = sequence
                stream.inWindow = 1
                stream.timing.append(0)
                media.received.append(stream)
                return
            }
            let index = Int(sequence &- stream.firstSequence)
            guard index < media.playbackWindow else { return }
            stream.inWindow += 1
            let ideal = first + .milliseconds(Int64(index) * MediaStream.packetMillis)
            stream.timing.append(Double((now - ideal).nanoseconds) / 1e6)  // signed; see mediaTiming()
            return
        }
        guard let stream = media.streams[ssrc], stream.side != side else {
            media.totals.misrouted += 1
            return
        }
        stream.received += 1
        media.totals.received += 1
        if stream.firstArrival == nil {
            stream.firstArrival = now
            media.received.append(stream)
        }
        stream.timing.append(Double(Int64(now.uptimeNanoseconds) - Int64(sentNanos)) / 1e6)
        if let peer = stream.peer, peer.destination != source { media.totals.wrongSource += 1 }
    }

    /// Folds in what the kernel-timed receive threads got since the last call (on the loop).
    func drainKernelTimed() {
        guard let media else { return }
        for (socket, side) in [(media.callerTimed, MediaSide.caller), (media.calleeTimed, .callee)] {
            guard let socket else { continue }
            let (arrivals, untimed) = socket.drain()
            media.untimed += untimed
            for arrival in arrivals {
                guard let stream = media.streams[arrival.ssrc], stream.side != side else {
                    media.totals.misrouted += 1
                    continue
                }
                stream.received += 1
                media.totals.received += 1
                if stream.firstArrival == nil {
                    stream.firstArrival = .now()
                    media.received.append(stream)
                }
                if arrival.transitNanos != .min { stream.timing.append(Double(arrival.transitNanos) / 1e6) }
                if let peer = stream.peer, peer.destination.port != arrival.sourcePort { media.totals.wrongSource += 1 }
            }
        }
    }

    /// Timing figures of every stream that received packets, and the playback window counts.
    func mediaTiming() -> EventLoopFuture<MediaTiming> {
        loop.submit {
            self.drainKernelTimed()
            var timing = MediaTiming()
            guard let media = self.media else { return timing }
            var all: [Double] = []
            var fromEarliest: [Double] = []
            for stream in media.received {
                var values = stream.timing
                // Playback: signed offsets from the grid anchored at the first packet; the
                // figure asked for is their size, and `fromEarliest` anchors the grid at the
                // stream's earliest packet instead. Relayed: transit minus the stream's
                // fastest transit, the variation the path (relay and both bench ends) adds.
                let earliest = values.min() ?? 0
                fromEarliest.append(contentsOf: values.map { $0 - earliest })
                if stream.ssrc == 0 { values = values.map { abs($0) } }
                all.append(contentsOf: values)
                let sorted = values.sorted()
                if let p99 = MediaTiming.percentile(sorted, 0.99) { timing.streamP99.append(p99) }
                timing.windowReceived += stream.inWindow
            }
            timing.playbackStreams = media.received.filter { $0.ssrc == 0 }.count
            timing.windowExpected = timing.playbackStreams * media.playbackWindow
            all.sort()
            timing.p50 = MediaTiming.percentile(all, 0.5) ?? 0
            timing.p99 = MediaTiming.percentile(all, 0.99) ?? 0
            timing.max = all.last ?? 0
            timing.samples = all.count
            fromEarliest.sort()
            timing.earliestP50 = MediaTiming.percentile(fromEarliest, 0.5) ?? 0
            timing.earliestP99 = MediaTiming.percentile(fromEarliest, 0.99) ?? 0
            timing.earliestMax = fromEarliest.last ?? 0
            timing.streamP99.sort()
            timing.kernelTimed = media.callerTimed != nil
            timing.untimed = media.untimed
            timing.sendFailures = media.sendFailures
            return timing
        }
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
              let sequence = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self),
              let ssrc = buffer.getInteger(at: buffer.readerIndex + 8, as: UInt32.self) else { return }
        let sent = buffer.readableBytes >= 20 ? buffer.getInteger(at: buffer.readerIndex + 12, as: UInt64.self) ?? 0 : 0
        farm.receivedRTP(ssrc: ssrc, sequence: sequence, sentNanos: sent, on: side, from: envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// Arrival timing over all received packets, in ms.
struct MediaTiming {
    var p50 = 0.0
    var p99 = 0.0
    var max = 0.0
    var samples = 0
    /// Playback: lateness against the grid anchored at each stream's earliest packet.
    var earliestP50 = 0.0
    var earliestP99 = 0.0
    var earliestMax = 0.0
    /// Each receiving stream's own p99, sorted.
    var streamP99: [Double] = []
    var playbackStreams = 0
    var windowExpected = 0
    var windowReceived = 0
    /// Relayed RTP was timed by the kernel (SO_TIMESTAMPNS) on dedicated receive threads.
    var kernelTimed = false
    var untimed = 0
    var sendFailures = 0

    var windowLossPercent: Double {
        windowExpected == 0 ? 0 : Double(windowExpected - windowReceived) / Double(windowExpected) * 100
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
