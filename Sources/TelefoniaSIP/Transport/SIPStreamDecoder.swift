import NIOCore

/// Frames SIP messages on a stream (RFC 3261 §18.3): headers up to the blank
/// line, then exactly Content-Length bytes. A stream that cannot be framed is closed.
struct SIPStreamDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    /// Told after each read whether a message is begun and not finished (the transport
    /// closes a connection whose message stalls).
    var onPending: (Bool) -> Void = { _ in }

    init(onPending: @escaping (Bool) -> Void = { _ in }) {
        self.onPending = onPending
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        // Skip keep-alive CRLFs between messages.
        while let b = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), b == 13 || b == 10 {
            buffer.moveReaderIndex(forwardBy: 1)
        }
        guard let view = buffer.readableBytesView.firstRange(of: [13, 10, 13, 10]) else {
            if buffer.readableBytes > SIPParser.maxMessageSize { throw SIPParseError("headers too large on stream") }
            onPending(buffer.readableBytes > 0)
            return .needMoreData
        }
        let headerLength = view.lowerBound - buffer.readerIndex
        let head = buffer.getBytes(at: buffer.readerIndex, length: headerLength) ?? []
        let length: Int
        if let text = SIPParser.rawContentLength(head[...]) {
            guard let n = Int(text), n >= 0, n <= SIPParser.maxMessageSize else { throw SIPParseError("bad Content-Length on stream") }
            length = n
        } else {
            length = 0
        }
        let total = headerLength + 4 + length
        guard buffer.readableBytes >= total else {
            onPending(true)
            return .needMoreData
        }
        context.fireChannelRead(wrapInboundOut(buffer.readBytes(length: total)!))
        // A whole message: whatever follows starts a new one (timed from its own first byte).
        onPending(false)
        return .continue
    }
}
