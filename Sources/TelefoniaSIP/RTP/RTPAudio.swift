import NIOCore
import TelefoniaCore

/// The G.711 audio of an RTP packet (RFC 3550 §5.1: fixed header, CSRCs, extension,
/// padding), and a copy of the packet with other audio of the same length.
struct RTPAudio {
    let bytes: [UInt8]
    let payload: Range<Int>
    let law: G711

    init?(_ packet: ByteBuffer) {
        guard let bytes = packet.getBytes(at: packet.readerIndex, length: packet.readableBytes), bytes.count >= 12 else { return nil }
        let csrcCount = Int(bytes[0] & 0x0F)
        var offset = 12 + 4 * csrcCount
        if bytes[0] & 0x10 != 0 {
            guard bytes.count >= offset + 4 else { return nil }
            offset += 4 + 4 * (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
        }
        var end = bytes.count
        if bytes[0] & 0x20 != 0, let padding = bytes.last { end -= Int(padding) }
        guard offset < end, let law = G711(payloadType: Int(bytes[1] & 0x7F)) else { return nil }
        self.bytes = bytes
        self.payload = offset..<end
        self.law = law
    }

    var samples: [Int16] { law.decode(bytes[payload]) }

    /// The packet with its payload replaced by `samples` (same count), headers untouched.
    func replacing(samples: [Int16], allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = bytes
        let encoded = law.encode(samples)
        for (i, byte) in encoded.prefix(payload.count).enumerated() { out[payload.lowerBound + i] = byte }
        var buffer = allocator.buffer(capacity: out.count)
        buffer.writeBytes(out)
        return buffer
    }
}
