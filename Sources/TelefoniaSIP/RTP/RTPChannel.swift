import CORTP
import Logging
import NIOConcurrencyHelpers
import TelefoniaCore

/// A call leg whose media the server terminates: an oRTP session sending G.711
/// frames every 20 ms on the media clock, receiving through oRTP's jitter buffer,
/// and taking digits from RFC 4733 events (decoded by oRTP) or SIP INFO.
/// Applications drive it through the `Channel` protocol.
///
/// Threading: oRTP objects are touched only on the media clock thread (and in
/// `init`); everything the async API shares with it is under `lock`.
final class RTPChannel: CallChannel, MediaClockParticipant, @unchecked Sendable {
    let tenantID: String
    let port: Int
    let law: G711
    let telephoneEventPayloadType: Int?
    private let prompts: any PromptProvider
    private let logger: Logger

    private let session: UnsafeMutablePointer<RtpSession>
    private let profile: UnsafeMutablePointer<RtpProfile>
    private var txTimestamp = UInt32.random(in: 0...UInt32.max)
    private var rxTimestamp: UInt32 = 0
    private var marker = true
    private var destroyed = false
    /// In-band DTMF for peers that negotiated no telephone-event (media clock thread only).
    private var inBand = DTMFDetector()

    private let lock = NIOLock()
    private var up = true
    private var closing = false
    private var pendingRemote: (host: String, port: Int)?
    private var playback: Playback?
    private var digits: [Character] = []
    private var recording: Recording?
    private var waiter: DigitWaiter?
    /// Called (once) when the application hangs up, so the signalling side sends BYE.
    var onServerHangUp: (@Sendable () -> Void)?
    /// A mixer the channel feeds (a conference), see `setFrameExchange`.
    private var frameExchange: FrameExchange?
    /// Listeners (C4) of a call bridged on the server: each hears what the channel
    /// receives and may add audio to what it sends (whisper, barge).
    private var monitors: [ObjectIdentifier: Monitor] = [:]

    /// Called on the media clock thread with what the channel just received (nil: nothing);
    /// returns audio to add to what it sends, or nil.
    typealias Monitor = @Sendable (_ received: [Int16]?) -> [Int16]?

    func addMonitor(_ owner: AnyObject, _ monitor: @escaping Monitor) {
        lock.withLock { monitors[ObjectIdentifier(owner)] = monitor }
    }

    func removeMonitor(_ owner: AnyObject) {
        _ = lock.withLock { monitors.removeValue(forKey: ObjectIdentifier(owner)) }
    }
    /// Monotonic ms of the last packet received (of the channel's start before any).
    private var lastHeardMillis = RTPChannel.nowMillis()
    /// Frames sent and received, for tests and the benchmark.
    private(set) var framesSent = 0
    private(set) var framesReceived = 0

    private struct Playback {
        var samples: [Int16]
        var position = 0
        var loop: Bool
        var bargeIn: Bool
        var continuation: CheckedContinuation<Character?, any Error>
    }

    private struct Recording {
        var options: RecordingOptions
        var samples: [Int16] = []
        var heardSound = false
        var silentFrames = 0
        var continuation: CheckedContinuation<RecordedAudio, any Error>
    }

    private struct DigitWaiter {
        var options: DigitCollection
        var collected = ""
        var deadline: Int64
        var continuation: CheckedContinuation<String, any Error>
    }

    private static let initialized: Bool = {
        tel_ortp_global_init()
        return true
    }()

    /// Binds `host:port` (RTCP on port+1). Nil when oRTP cannot bind.
    init?(tenantID: String, host: String, port: Int, law: G711, telephoneEventPayloadType: Int?,
          prompts: any PromptProvider, logger: Logger) {
        _ = Self.initialized
        self.tenantID = tenantID
        self.port = port
        self.law = law
        self.telephoneEventPayloadType = telephoneEventPayloadType
        self.prompts = prompts
        self.logger = logger
        guard let profile = tel_ortp_profile_new(Int32(telephoneEventPayloadType ?? -1)) else { return nil }
        guard let session = tel_ortp_session_new(host, Int32(port), profile, Int32(law.payloadType), 60) else {
            rtp_profile_destroy(profile)
            return nil
        }
        self.profile = profile
        self.session = session
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = tel_ortp_on_telephone_event(session, { _, arg1, arg2, _ in
            // oRTP emits event 0 (digit "0") as a NULL argument, which shifts the user
            // data into the first slot (rtp_signal_table_emit3); tell the cases apart.
            let (event, user): (Int, UnsafeMutableRawPointer?) = arg2 == nil ? (0, arg1) : (Int(bitPattern: arg1), arg2)
            guard let user else { return }
            Unmanaged<RTPChannel>.fromOpaque(user).takeUnretainedValue().receivedEvent(event)
        }, me)
    }

    deinit {
        if !destroyed {
            rtp_session_destroy(session)
            rtp_profile_destroy(profile)
        }
    }

    var isUp: Bool { lock.withLock { up } }

    /// Milliseconds since the peer last sent RTP (since the channel started when it never
    /// did), for the media timeout.
    var idleMillis: Int64 { Self.nowMillis() - lock.withLock { lastHeardMillis } }

    /// Called on the media clock thread at every tick with the audio just received
    /// (decoded PCM; nil when nothing arrived) and `nowMillis`; returns 20 ms (160
    /// samples) to mix into what the channel sends, or nil for nothing.
    typealias FrameExchange = @Sendable (_ inbound: [Int16]?, _ nowMillis: Int64) -> [Int16]?

    /// Connects the channel to a mixer (a conference room), or disconnects it (nil).
    /// What the channel plays itself is still heard, summed with the mixer's audio.
    func setFrameExchange(_ exchange: FrameExchange?) {
        lock.withLock { frameExchange = exchange }
    }

    /// Where to send: from the peer's SDP; oRTP then follows the address RTP really
    /// comes from (symmetric RTP).
    func setRemote(host: String, port: Int) {
        lock.withLock { pendingRemote = (host, port) }
    }

    // MARK: - CallChannel

    @discardableResult
    func play(_ audio: AudioSource, bargeIn: Bool) async throws -> Character? {
        let samples = try resolve(audio)
        return try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                guard up else { return continuation.resume(throwing: ChannelError.hungUp) }
                if bargeIn, let digit = digits.first { return continuation.resume(returning: digit) }
                playback?.continuation.resume(returning: nil)
                playback = Playback(samples: samples, loop: false, bargeIn: bargeIn, continuation: continuation)
            }
        }
    }

    func playLoop(_ audio: AudioSource) async throws {
        let samples = try resolve(audio)
        guard !samples.isEmpty else { return }
        _ = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Character?, any Error>) in
            lock.withLock {
                guard up else { return continuation.resume(throwing: ChannelError.hungUp) }
                playback?.continuation.resume(returning: nil)
                playback = Playback(samples: samples, loop: true, bargeIn: false, continuation: continuation)
            }
        }
    }

    func stop() {
        lock.withLock {
            playback?.continuation.resume(returning: nil)
            playback = nil
        }
    }

    func collectDigits(_ options: DigitCollection) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                guard up else { return continuation.resume(throwing: ChannelError.hungUp) }
                waiter?.continuation.resume(returning: waiter?.collected ?? "")
                var w = DigitWaiter(options: options, deadline: Self.nowMillis() + Int64(options.firstDigitTimeout),
                                    continuation: continuation)
                if drain(&w) {
                    w.continuation.resume(returning: w.collected)
                } else {
                    waiter = w
                }
            }
        }
    }

    func record(_ options: RecordingOptions) async throws -> RecordedAudio {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                guard up else { return continuation.resume(throwing: ChannelError.hungUp) }
                recording?.continuation.resume(returning: RecordedAudio(samples: recording?.samples ?? [], ending: .maxLength))
                if options.stopOnPound { digits.removeAll { $0 == "#" } }
                recording = Recording(options: options, continuation: continuation)
            }
        }
    }

    /// Adds a received frame to the recording in progress; ends it on length or silence.
    private func recordLocked(_ frame: [Int16]) {
        guard var r = recording else { return }
        r.samples += frame
        let loud = frame.contains { abs(Int($0)) > 1000 }
        if loud {
            r.heardSound = true
            r.silentFrames = 0
        } else {
            r.silentFrames += 1
        }
        if r.samples.count >= r.options.maxSeconds * 8000 {
            recording = nil
            r.continuation.resume(returning: RecordedAudio(samples: Array(r.samples.prefix(r.options.maxSeconds * 8000)), ending: .maxLength))
        } else if let silence = r.options.silenceSeconds, r.heardSound, r.silentFrames >= silence * 50 {
            recording = nil
            r.continuation.resume(returning: RecordedAudio(samples: Array(r.samples.dropLast(r.silentFrames * 160)), ending: .silence))
        } else {
            recording = r
        }
    }

    func hangUp() async {
        let callback: (@Sendable () -> Void)? = lock.withLock {
            guard up else { return nil }
            shutDownLocked()
            return onServerHangUp
        }
        callback?()
    }

    /// The far end hung up (BYE) or the call was released: everything waiting ends with `hungUp`.
    func close() {
        lock.withLock { if up { shutDownLocked() } }
    }

    /// A digit from SIP INFO (or any source other than RTP).
    func deliver(digit: Character) {
        lock.withLock { receivedLocked(digit) }
    }

    // MARK: - Media clock

    func tick(nowMillis: Int64) -> Bool {
        let (remote, isClosing) = lock.withLock { () -> ((host: String, port: Int)?, Bool) in
            defer { pendingRemote = nil }
            return (pendingRemote, closing)
        }
        if isClosing {
            destroyed = true
            rtp_session_destroy(session)
            rtp_profile_destroy(profile)
            return false
        }
        if let remote {
            rtp_session_set_remote_addr_and_port(session, remote.host, Int32(remote.port), Int32(remote.port + 1))
        }
        // Receive: one frame due at this tick (oRTP's jitter buffer orders them);
        // RFC 4733 events surface through the telephone-event callback meanwhile.
        var payload = [UInt8](repeating: 0, count: 512)
        var payloadType: Int32 = 0
        let received = payload.withUnsafeMutableBufferPointer {
            tel_ortp_recv_frame(session, rxTimestamp, $0.baseAddress, 512, &payloadType)
        }
        if received > 0 { framesReceived += 1 }
        rxTimestamp &+= 160
        var mixed: [Int16]?
        let (exchange, watching) = lock.withLock {
            if received > 0 { lastHeardMillis = nowMillis }
            return (frameExchange, monitors.isEmpty ? [] : Array(monitors.values))
        }
        let audio = received > 0 && Int(payloadType) == law.payloadType ? law.decode(payload.prefix(Int(received))) : nil
        if let exchange {
            mixed = exchange(audio, nowMillis)
        }
        for monitor in watching {
            if let extra = monitor(audio) { mixed = ConferenceMixer.sum([mixed, extra].compactMap { $0 }) }
        }
        if let audio {
            lock.withLock { recordLocked(audio) }
        }
        // Peers that negotiated neither RFC 4733 nor use SIP INFO send their keys as tones.
        if telephoneEventPayloadType == nil, let audio {
            for digit in inBand.process(audio) {
                lock.withLock { receivedLocked(digit.rawValue) }
            }
        }

        // Send: the next 20 ms of what is playing, else silence.
        var frame = [Int16](repeating: 0, count: 160)
        lock.withLock {
            guard var p = playback else { return }
            var filled = 0
            while filled < 160 {
                let take = min(160 - filled, p.samples.count - p.position)
                if take > 0 {
                    frame.replaceSubrange(filled..<filled + take, with: p.samples[p.position..<p.position + take])
                    filled += take
                    p.position += take
                }
                if p.position >= p.samples.count {
                    if p.loop, !p.samples.isEmpty {
                        p.position = 0
                    } else {
                        p.continuation.resume(returning: nil)
                        playback = nil
                        return
                    }
                }
            }
            playback = p
        }
        if let mixed {
            for index in 0..<min(frame.count, mixed.count) {
                frame[index] = ConferenceMixer.saturate(Int32(frame[index]) + Int32(mixed[index]))
            }
        }
        let bytes = law.encode(frame)
        _ = bytes.withUnsafeBufferPointer { tel_ortp_send_frame(session, $0.baseAddress, 160, txTimestamp, marker ? 1 : 0) }
        marker = false
        txTimestamp &+= 160
        framesSent += 1

        lock.withLock {
            if let w = waiter, nowMillis >= w.deadline || Self.nowMillis() >= w.deadline {
                waiter = nil
                w.continuation.resume(returning: w.collected)
            }
        }
        return true
    }

    // MARK: - Internals

    private func receivedEvent(_ event: Int) {
        guard let digit = DTMFDigit(event: event) else { return }
        lock.withLock { receivedLocked(digit.rawValue) }
    }

    private func receivedLocked(_ digit: Character) {
        guard up else { return }
        logger.debug("digit", metadata: ["digit": "\(digit)", "tel.rtp_port": "\(port)"])
        if digit == "#", let r = recording, r.options.stopOnPound {
            recording = nil
            r.continuation.resume(returning: RecordedAudio(samples: r.samples, ending: .pound))
            return
        }
        digits.append(digit)
        if var w = waiter {
            if drain(&w) {
                waiter = nil
                w.continuation.resume(returning: w.collected)
            } else {
                waiter = w
            }
        } else if let p = playback, p.bargeIn {
            playback = nil
            p.continuation.resume(returning: digit)
        }
    }

    /// Moves queued digits into the waiter; true when collection is complete.
    private func drain(_ w: inout DigitWaiter) -> Bool {
        while !digits.isEmpty {
            let digit = digits.removeFirst()
            if let terminator = w.options.terminator, digit == terminator { return true }
            w.collected.append(digit)
            if w.collected.count >= w.options.maxDigits { return true }
            w.deadline = Self.nowMillis() + Int64(w.options.interDigitTimeout)
        }
        return false
    }

    private func shutDownLocked() {
        up = false
        closing = true
        frameExchange = nil
        playback?.continuation.resume(throwing: ChannelError.hungUp)
        playback = nil
        waiter?.continuation.resume(throwing: ChannelError.hungUp)
        waiter = nil
        if let r = recording {
            recording = nil
            r.continuation.resume(returning: RecordedAudio(samples: r.samples, ending: .hangUp))
        }
    }

    private func resolve(_ audio: AudioSource) throws -> [Int16] {
        switch audio {
        case .pcm(let samples): return samples
        case .silence(let ms): return [Int16](repeating: 0, count: max(0, ms) * 8)
        case .prompt(let name):
            guard let samples = prompts.prompt(named: name, tenantID: tenantID) else { throw ChannelError.unknownPrompt(name) }
            return samples
        }
    }

    static func nowMillis() -> Int64 { MediaClock.monotonicNanos() / 1_000_000 }
}
