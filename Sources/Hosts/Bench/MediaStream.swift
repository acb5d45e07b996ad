import NIOCore

/// Which end of a call a media socket or stream belongs to.
enum MediaSide { case caller, callee }

/// The RTP side of the farm: one socket for all callers, one for all callees.
/// Streams are told apart by SSRC, so a few sockets carry hundreds of calls;
/// the relay sees one source address per leg, as with real phones.
final class MediaState: @unchecked Sendable {
    let callerChannel: any Channel
    let calleeChannel: any Channel
    /// Relayed calls: blocking sockets with kernel receive timestamps, read by their
    /// own threads (see `KernelTimedSocket`); nil for playback, which uses the channels.
    var callerTimed: KernelTimedSocket?
    var calleeTimed: KernelTimedSocket?
    var callerPort: Int { callerTimed?.port ?? callerChannel.localAddress?.port ?? 0 }
    var calleePort: Int { calleeTimed?.port ?? calleeChannel.localAddress?.port ?? 0 }
    /// Packets the kernel-timed receive threads got without a timestamp.
    var untimed = 0
    /// sendto calls that failed (kernel-timed sockets).
    var sendFailures = 0
    var streams: [UInt32: MediaStream] = [:]
    var sending: [MediaStream] = []
    var ticker: RepeatedTask?
    var totals = MediaTotals()
    /// Playback streams (server → caller), by the server's RTP port from its SDP.
    var playbackBySource: [Int: MediaStream] = [:]
    /// Packets per playback stream that count (`--seconds` × 50, from the first packet).
    var playbackWindow = 0
    /// Every stream that received packets, for the timing figures.
    var received: [MediaStream] = []

    init(callerChannel: any Channel, calleeChannel: any Channel) {
        self.callerChannel = callerChannel
        self.calleeChannel = calleeChannel
    }
}

/// Packet counts of a run.
struct MediaTotals {
    var sent = 0
    var received = 0
    /// Packets that came from another address than the one the SDP gave that end.
    var wrongSource = 0
    /// Packets that arrived at the end that sent them (or an unknown SSRC).
    var misrouted = 0
    var streams = 0

    var lossPercent: Double { sent == 0 ? 0 : Double(sent - received) / Double(sent) * 100 }
}

/// One direction of a call's audio: G.711 µ-law, 20 ms packets of 160 bytes.
final class MediaStream: @unchecked Sendable {
    static let packetMillis: Int64 = 20
    static let payloadBytes = 160

    let ssrc: UInt32
    let side: MediaSide
    let channel: any Channel
    let destination: SocketAddress
    /// The kernel-timed socket this stream sends on, if the run uses them.
    var timedSocket: KernelTimedSocket?
    let startedAt: NIODeadline = .now()
    var sequence = UInt16.random(in: 0...UInt16.max)
    var timestamp = UInt32.random(in: 0...UInt32.max)
    var sent = 0
    var received = 0
    var active = true
    /// Arrival timing (receiving end): the first packet's arrival and sequence number.
    var firstArrival: NIODeadline?
    var firstSequence: UInt16 = 0
    /// Packets inside the playback window (playback streams only).
    var inWindow = 0
    /// |arrival − (first arrival + index × 20 ms)| per packet, ms (playback), or
    /// arrival − send time per packet, ms (relayed streams: the relay's transit time).
    var timing: [Double] = []
    /// The stream the other way: its destination is where ours must come from at the far end.
    weak var peer: MediaStream?

    init(ssrc: UInt32, side: MediaSide, channel: any Channel, destination: SocketAddress) {
        self.ssrc = ssrc
        self.side = side
        self.channel = channel
        self.destination = destination
    }
}
