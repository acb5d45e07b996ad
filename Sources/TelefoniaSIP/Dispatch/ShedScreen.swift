/// The overload gate's fast path on raw datagrams: tells a new call or registration
/// without credentials (the requests the gate thins) from everything else by scanning
/// the start line and header names, and writes the 503 for a shed one by copying its
/// Via, From, To, Call-ID and CSeq lines. No libosip2 parse, no `SIPMessage`: at twice
/// the capacity half the INVITEs are shed, and parsing them in full kept the I/O thread
/// saturated, the socket queue long and clients retransmitting.
///
/// Anything unusual (folded lines, a To whose tag cannot be ruled out, a missing header)
/// answers `.other`, and the message takes the parsed path, where the same gate applies.
enum ShedScreen {
    enum Kind: Equatable {
        /// An INVITE without To tag or Proxy-Authorization, or a REGISTER without Authorization.
        case gated
        /// The ACK of a 503 sent by the gate (its To tag carries `OverloadGuard.statelessTagPrefix`).
        case shedACK
        /// Anything else: parse it.
        case other
    }

    static func classify(_ bytes: [UInt8]) -> Kind {
        let method: Method
        if starts(bytes, with: invite) { method = .invite } else if starts(bytes, with: register) { method = .register } else if starts(bytes, with: ack) { method = .ack } else { return .other }
        var credentials = false
        var toTag: TagState = .unknown
        guard forEachHeader(bytes, { name, value in
            switch name {
            case .to:
                toTag = tagState(bytes[value])
            case .proxyAuthorization where method == .invite, .authorization where method == .register:
                credentials = true
            default:
                break
            }
        }) else { return .other }
        switch method {
        case .ack:
            if case .tag(let tag) = toTag, starts(Array(bytes[tag]), with: shedPrefix) { return .shedACK }
            return .other
        case .invite:
            return toTag == .none && !credentials ? .gated : .other
        case .register:
            return credentials ? .other : .gated
        }
    }

    /// The 503 for a gated request: its Via, From, To (with `tag` added), Call-ID and CSeq
    /// lines, Retry-After and the reason; nil when a line is missing or odd.
    static func refusal(_ bytes: [UInt8], reason: String, retryAfter: Int, tag: String) -> [UInt8]? {
        var out = Array("SIP/2.0 503 \(reason)\r\n".utf8)
        var seen: Set<Name> = []
        let ok = forEachHeader(bytes) { name, value in
            guard let name, name != .proxyAuthorization, name != .authorization else { return }
            seen.insert(name)
            out.append(contentsOf: name.text)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: bytes[value])
            if name == .to { out.append(contentsOf: ";tag=\(tag)".utf8) }
            out.append(contentsOf: "\r\n".utf8)
        }
        guard ok, seen.isSuperset(of: [.via, .from, .to, .callID, .cseq]) else { return nil }
        out.append(contentsOf: "Retry-After: \(retryAfter)\r\nContent-Length: 0\r\n\r\n".utf8)
        return out
    }

    // MARK: - Scanning

    private enum Method { case invite, register, ack }

    enum Name: Hashable {
        case via, from, to, callID, cseq, proxyAuthorization, authorization

        /// The header's name as written in the 503 (made once, not per shed request).
        var text: [UInt8] { Self.texts[self]! }

        private static let texts: [Name: [UInt8]] = [
            .via: Array("Via".utf8), .from: Array("From".utf8), .to: Array("To".utf8), .callID: Array("Call-ID".utf8),
            .cseq: Array("CSeq".utf8), .proxyAuthorization: Array("Proxy-Authorization".utf8),
            .authorization: Array("Authorization".utf8),
        ]
    }

    private enum TagState: Equatable {
        case unknown
        case none
        case tag(Range<Int>)
    }

    private static let invite = Array("INVITE ".utf8)
    private static let register = Array("REGISTER ".utf8)
    private static let ack = Array("ACK ".utf8)
    private static let shedPrefix = Array(OverloadGuard.statelessTagPrefix.utf8)
    private static let names: [(String, Name)] = [
        ("via", .via), ("v", .via), ("from", .from), ("f", .from), ("to", .to), ("t", .to),
        ("call-id", .callID), ("i", .callID), ("cseq", .cseq),
        ("proxy-authorization", .proxyAuthorization), ("authorization", .authorization),
    ]

    private static func starts(_ bytes: [UInt8], with prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && bytes[0..<prefix.count].elementsEqual(prefix)
    }

    /// Calls `body` with each header line's name (nil for names not listed) and value
    /// range, trimmed; false when the head is not plain (no end, folded lines, no colon).
    private static func forEachHeader(_ bytes: [UInt8], _ body: (Name?, Range<Int>) -> Void) -> Bool {
        guard let end = SIPParser.headerEnd(bytes) else { return false }
        var i = 0
        while i < end, bytes[i] != 13 { i += 1 }  // past the start line
        i += 2
        while i < end {
            var lineEnd = i
            while lineEnd < end, bytes[lineEnd] != 13 { lineEnd += 1 }
            guard lineEnd > i, bytes[i] != 32, bytes[i] != 9 else { return false }  // empty or folded
            guard let colon = bytes[i..<lineEnd].firstIndex(of: UInt8(ascii: ":")) else { return false }
            var nameEnd = colon
            while nameEnd > i, bytes[nameEnd - 1] == 32 || bytes[nameEnd - 1] == 9 { nameEnd -= 1 }
            var valueStart = colon + 1
            while valueStart < lineEnd, bytes[valueStart] == 32 || bytes[valueStart] == 9 { valueStart += 1 }
            var valueEnd = lineEnd
            while valueEnd > valueStart, bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9 { valueEnd -= 1 }
            body(name(bytes[i..<nameEnd]), valueStart..<valueEnd)
            i = lineEnd + 2
        }
        return true
    }

    private static func name(_ raw: ArraySlice<UInt8>) -> Name? {
        for (text, name) in names where text.utf8.count == raw.count
            && zip(raw, text.utf8).allSatisfy({ ($0 | 0x20) == $1 || ($0 == $1) }) {
            return name
        }
        return nil
    }

    /// Whether a To value has a tag parameter: `.none` only when sure there is none
    /// (a `;` outside the `<…>` and quotes never starts `tag`), the tag's range when found.
    private static func tagState(_ value: ArraySlice<UInt8>) -> TagState {
        var inQuotes = false
        var inBrackets = false
        var i = value.startIndex
        while i < value.endIndex {
            let byte = value[i]
            if byte == UInt8(ascii: "\"") { inQuotes.toggle() }
            if !inQuotes {
                if byte == UInt8(ascii: "<") { inBrackets = true }
                if byte == UInt8(ascii: ">") { inBrackets = false }
                if byte == UInt8(ascii: ";"), !inBrackets {
                    var j = i + 1
                    while j < value.endIndex, value[j] == 32 || value[j] == 9 { j += 1 }
                    let word = Array("tag".utf8)
                    if value.endIndex - j >= 3, zip(value[j..<(j + 3)], word).allSatisfy({ ($0 | 0x20) == $1 }) {
                        var k = j + 3
                        while k < value.endIndex, value[k] == 32 || value[k] == 9 { k += 1 }
                        guard k < value.endIndex, value[k] == UInt8(ascii: "=") else { return .unknown }
                        k += 1
                        while k < value.endIndex, value[k] == 32 || value[k] == 9 { k += 1 }
                        var tagEnd = k
                        while tagEnd < value.endIndex, value[tagEnd] != UInt8(ascii: ";"), value[tagEnd] != 32 { tagEnd += 1 }
                        return .tag(k..<tagEnd)
                    }
                }
            }
            i += 1
        }
        return inQuotes || inBrackets ? .unknown : .none
    }
}
