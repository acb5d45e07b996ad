import Foundation

/// Writes a 16-bit PCM WAV file as audio arrives (call recordings): one channel, or
/// two (the caller on the left, the callee on the right).
///
/// Samples are buffered and written every `flushInterval` frames (one second by
/// default) or on `flush()`; each flush writes the samples first and then patches the
/// RIFF and data sizes in the header, so the file on disk is always a valid WAV of
/// everything flushed. A crash loses at most the unflushed part, never the file.
/// With `durable`, each flush is also `fsync`ed (survives a power cut, costs a disk sync).
///
/// Owns its file descriptor and closes it in `close()` or `deinit`. Safe to use from
/// several threads (calls are serialised), though one writer per recording is the rule.
public final class WAVWriter: @unchecked Sendable {
    public let url: URL
    public let channels: Int
    public let sampleRate: Int
    /// Frames buffered before they are written by themselves.
    public let flushInterval: Int
    public let durable: Bool

    private let lock = NSLock()
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var flushedDataBytes = 0
    private var bufferedFrames = 0

    /// Largest data chunk a RIFF file can describe (its sizes are 32-bit).
    static let maximumDataBytes = Int(UInt32.max) - 36 - 4096

    /// Creates (or truncates) the file and writes a header for no audio yet.
    public init(url: URL, channels: Int = 1, sampleRate: Int = 8000, flushInterval: Int? = nil, durable: Bool = false) throws(AudioError) {
        precondition(channels == 1 || channels == 2, "WAVWriter writes one or two channels")
        self.url = url
        self.channels = channels
        self.sampleRate = sampleRate
        self.flushInterval = max(1, flushInterval ?? sampleRate)
        self.durable = durable
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AudioError(.io, "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        do {
            try writeFully(header(dataBytes: 0), at: 0)
        } catch {
            Foundation.close(descriptor)
            descriptor = -1
            throw error
        }
    }

    deinit {
        try? close()
    }

    /// Frames written so far, flushed or not.
    public var frameCount: Int {
        lock.withLock { (flushedDataBytes + buffer.count) / (2 * channels) }
    }

    /// Appends samples: mono, or interleaved left/right for two channels.
    public func write(_ samples: [Int16]) throws(AudioError) {
        precondition(samples.count % channels == 0, "interleaved samples must fill whole frames")
        try locked { () throws(AudioError) in
            try append(samples)
        }
    }

    /// Appends one stretch of a two-channel file; the shorter side is padded with silence.
    public func write(left: [Int16], right: [Int16]) throws(AudioError) {
        precondition(channels == 2, "write(left:right:) needs a two-channel writer")
        let count = max(left.count, right.count)
        var interleaved = [Int16](repeating: 0, count: 2 * count)
        for index in left.indices { interleaved[2 * index] = left[index] }
        for index in right.indices { interleaved[2 * index + 1] = right[index] }
        try locked { () throws(AudioError) in
            try append(interleaved)
        }
    }

    /// Writes what is buffered and updates the header's sizes.
    public func flush() throws(AudioError) {
        try locked { () throws(AudioError) in
            try flushLocked()
        }
    }

    /// Flushes and closes the file; later writes fail. Safe to call twice.
    public func close() throws(AudioError) {
        try locked { () throws(AudioError) in
            guard descriptor >= 0 else { return }
            defer {
                Foundation.close(descriptor)
                descriptor = -1
            }
            try flushLocked()
        }
    }

    // MARK: - Under the lock

    private func locked<T>(_ body: () throws(AudioError) -> T) throws(AudioError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func append(_ samples: [Int16]) throws(AudioError) {
        guard descriptor >= 0 else { throw AudioError(.io, "\(url.path) is already closed") }
        guard flushedDataBytes + buffer.count + 2 * samples.count <= Self.maximumDataBytes else {
            throw AudioError(.tooLong, "\(url.path) reached the 4 GB limit of a WAV file")
        }
        buffer.reserveCapacity(buffer.count + 2 * samples.count)
        for sample in samples {
            let value = UInt16(bitPattern: sample)
            buffer.append(UInt8(value & 0xFF))
            buffer.append(UInt8(value >> 8))
        }
        bufferedFrames += samples.count / channels
        if bufferedFrames >= flushInterval { try flushLocked() }
    }

    private func flushLocked() throws(AudioError) {
        guard descriptor >= 0 else { return }
        if !buffer.isEmpty {
            // Samples first, sizes second: a crash in between leaves a shorter valid file.
            try writeFully(buffer, at: 44 + flushedDataBytes)
            flushedDataBytes += buffer.count
            buffer.removeAll(keepingCapacity: true)
            bufferedFrames = 0
        }
        try writeFully(Self.littleEndian(UInt32(36 + flushedDataBytes)), at: 4)
        try writeFully(Self.littleEndian(UInt32(flushedDataBytes)), at: 40)
        if durable && fsync(descriptor) != 0 {
            throw AudioError(.io, "cannot sync \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    private func writeFully(_ bytes: [UInt8], at offset: Int) throws(AudioError) {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw AudioError(.io, "cannot write \(url.path): \(String(cString: strerror(errno)))")
            }
            done += count
        }
    }

    private func header(dataBytes: Int) -> [UInt8] {
        let blockAlign = 2 * channels
        var header: [UInt8] = Array("RIFF".utf8) + Self.littleEndian(UInt32(36 + dataBytes)) + Array("WAVEfmt ".utf8)
        header += Self.littleEndian(UInt32(16)) + Self.littleEndian(UInt16(1)) + Self.littleEndian(UInt16(channels))
        header += Self.littleEndian(UInt32(sampleRate)) + Self.littleEndian(UInt32(sampleRate * blockAlign))
        header += Self.littleEndian(UInt16(blockAlign)) + Self.littleEndian(UInt16(16))
        header += Array("data".utf8) + Self.littleEndian(UInt32(dataBytes))
        return header
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Writes a whole file at once (through a temporary name and a rename, so readers
    /// never see half of it); `durable` syncs it to disk before the rename.
    public static func write(
        _ samples: [Int16], to url: URL, channels: Int = 1, sampleRate: Int = 8000, durable: Bool = false
    ) throws(AudioError) {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do throws(AudioError) {
            let writer = try WAVWriter(url: temporary, channels: channels, sampleRate: sampleRate, flushInterval: Int.max / 4, durable: durable)
            try writer.write(samples)
            try writer.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw AudioError(.io, "cannot rename \(temporary.path) to \(url.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
