/// A parsed SDP body (RFC 4566) of an audio offer or answer, as much of it as a
/// media-anchoring B2BUA needs: where the phone wants audio, with which payload
/// types, in which direction, and a way to rewrite it so media flows through the
/// server's relay (`anchored(address:port:sessionID:)`).
///
/// Parsing is strict about shape (every line is `<letter>=<value>`, the body
/// starts with `v=0`, there is an `m=audio` line with a valid port) and lenient
/// about content it does not need (unknown attributes are carried along). Input
/// longer than `maximumLength` is refused, so a hostile body costs little.
public struct SessionDescription: Sendable, Equatable {
    /// Longest body accepted, in UTF-8 bytes. An INVITE over UDP cannot carry
    /// more (RFC 3261 §18.1.1), and real audio offers are a few hundred bytes.
    public static let maximumLength = 65_536

    /// The address from the audio stream's `c=` line, or the session-level one
    /// when the stream has none (RFC 4566 §5.7). `"0.0.0.0"` is old-style hold
    /// (RFC 3264 §8.4).
    public let connectionAddress: String?
    /// The port of the first `m=audio` line (0 means the stream is disabled).
    public let audioPort: Int?
    /// Payload types of the first `m=audio` line, in the offerer's order of preference.
    public let payloadTypes: [Int]
    /// `a=rtpmap` values of the audio stream by payload type, e.g. `101: "telephone-event/8000"`.
    public let rtpmaps: [Int: String]
    /// `sendrecv`, `sendonly`, `recvonly` or `inactive`: the audio stream's
    /// attribute, else the session-level one, else nil (which means sendrecv).
    public let direction: String?

    private let sessionLines: [Line]
    private let media: [MediaSection]
    private let audioIndex: Int

    /// Parses `text`; nil when it is not SDP, has no audio stream or is malformed.
    public init?(_ text: String) {
        guard text.utf8.count <= Self.maximumLength else { return nil }

        var sessionLines: [Line] = []
        var media: [MediaSection] = []
        var sawVersion = false
        // "\r\n" is one Character in Swift, so split on newlines of any kind:
        // RFC 4566 §5 asks for CRLF but tells parsers to accept a bare LF too.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if raw.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            guard let line = Line(raw) else { return nil }
            if !sawVersion {
                // RFC 4566 §5: the body starts with "v=0".
                guard line.type == "v", line.value == "0" else { return nil }
                sawVersion = true
                continue
            }
            if line.type == "m" {
                guard let section = MediaSection(mLine: line.value) else { return nil }
                media.append(section)
            } else if media.isEmpty {
                sessionLines.append(line)
            } else {
                media[media.count - 1].lines.append(line)
            }
        }
        guard sawVersion,
            let audioIndex = media.firstIndex(where: { $0.kind == "audio" })
        else { return nil }
        for line in sessionLines + media.flatMap(\.lines) where line.type == "c" {
            guard Connection(line.value) != nil else { return nil }
        }

        let audio = media[audioIndex]
        self.sessionLines = sessionLines
        self.media = media
        self.audioIndex = audioIndex
        self.audioPort = audio.port
        self.payloadTypes = audio.formats.compactMap(Self.payloadType)
        self.connectionAddress = (audio.connection ?? Self.connection(in: sessionLines))?.address

        var rtpmaps: [Int: String] = [:]
        for attribute in audio.attributes where attribute.name == "rtpmap" {
            if let (payloadType, rest) = Self.splitFormatAttribute(attribute.value), rtpmaps[payloadType] == nil {
                rtpmaps[payloadType] = rest
            }
        }
        self.rtpmaps = rtpmaps
        self.direction = Self.direction(in: audio.lines) ?? Self.direction(in: sessionLines)
    }

    /// The same session with media anchored at `address:port` (the relay port
    /// facing the other side), ready to send on the other leg; lines end in CRLF.
    ///
    /// - `o=` and every `c=` name `address` (a `c=` of `0.0.0.0`, old-style hold,
    ///   stays as it is). `sessionID`, when given, replaces the origin's sess-id so
    ///   the server keeps one identity per leg; the version is the offerer's, so
    ///   re-offers still increase it (RFC 3264 §8).
    /// - The audio stream keeps PCMU (0), PCMA (8) and telephone-event/8000 (RFC
    ///   4733), in the offerer's order, with their `a=rtpmap`/`a=fmtp`; other
    ///   codecs are dropped because the relay is the only media path and the
    ///   platform (recording, IVR, trunks) speaks G.711 only.
    /// - Transport attributes describing the phone's own sockets or keys (ICE,
    ///   `a=rtcp`, `a=crypto`, DTLS, rtcp-mux, BUNDLE) are dropped: the relay is
    ///   plain RTP/AVP on an even port with RTCP on port+1 (RFC 3550 §11).
    /// - Other streams (video, a second audio) are kept with port 0, which
    ///   rejects them (RFC 3264 §6, §8.2).
    ///
    /// Nil when no G.711 codec is left (the caller answers 488 Not Acceptable Here).
    /// `port` must be a real port (1-65535), as `MediaRelay` hands out.
    public func anchored(address: String, port: Int, sessionID: UInt64? = nil) -> String? {
        precondition((1...65_535).contains(port), "RTP port out of range: \(port)")
        let audio = media[audioIndex]

        var seen: Set<Int> = []
        let keptFormats = audio.formats.filter { format in
            guard let payloadType = Self.payloadType(format), seen.insert(payloadType).inserted else { return false }
            return Self.allowedPayloadTypes.contains(payloadType) || isTelephoneEvent(payloadType)
        }
        guard keptFormats.contains(where: { Self.payloadType($0).map(Self.allowedPayloadTypes.contains) == true })
        else { return nil }
        let keptPayloadTypes = Set(keptFormats.compactMap(Self.payloadType))

        let addressType = address.contains(":") ? "IP6" : "IP4"
        func connectionLine(replacing value: String) -> String {
            if let connection = Connection(value), connection.isHold { return "c=IN IP4 0.0.0.0" }
            return "c=IN \(addressType) \(address)"
        }

        // Session level, in RFC 4566 §5 order: v, o, s, then the rest as given.
        var origin: String?
        var name: String?
        var rest: [String] = []
        var sawTiming = false
        var sawConnection = false
        for line in sessionLines {
            switch line.type {
            case "o":
                if origin == nil { origin = originLine(line.value, address: address, addressType: addressType, sessionID: sessionID) }
            case "s":
                if name == nil { name = line.text }
            case "c":
                sawConnection = true
                rest.append(connectionLine(replacing: line.value))
            case "t":
                sawTiming = true
                rest.append(line.text)
            case "a" where Self.isTransportAttribute(line):
                continue
            default:
                rest.append(line.text)
            }
        }
        if !sawTiming {
            // t= is mandatory (RFC 4566 §5.9); repair rather than pass the omission on.
            let index = rest.firstIndex(where: { "rzka".contains($0.first ?? " ") }) ?? rest.endIndex
            rest.insert("t=0 0", at: index)
        }
        var out: [String] = [
            "v=0",
            origin ?? originLine("", address: address, addressType: addressType, sessionID: sessionID),
            name ?? "s=-",
        ]
        out += rest

        for (index, section) in media.enumerated() {
            if index != audioIndex {
                // A rejected stream needs only its m= line (RFC 3264 §6), plus a c=
                // where there is no session-level one (RFC 4566 §5.7).
                let formats = section.formats.isEmpty ? "0" : section.formats.joined(separator: " ")
                out.append("m=\(section.kind) 0 \(section.proto) \(formats)")
                if let connection = section.lines.first(where: { $0.type == "c" }) {
                    out.append(connectionLine(replacing: connection.value))
                } else if !sawConnection {
                    out.append("c=IN \(addressType) \(address)")
                }
                continue
            }
            let mediaPort = section.port == 0 ? 0 : port
            out.append("m=audio \(mediaPort) RTP/AVP \(keptFormats.joined(separator: " "))")
            var sectionOut: [String] = []
            var sawMediaConnection = false
            for line in section.lines {
                switch line.type {
                case "c":
                    sawMediaConnection = true
                    sectionOut.append(connectionLine(replacing: line.value))
                case "a":
                    if Self.isTransportAttribute(line) { continue }
                    let attribute = Attribute(line.value)
                    if attribute.name == "rtpmap" || attribute.name == "fmtp" {
                        guard let (payloadType, _) = Self.splitFormatAttribute(attribute.value),
                            keptPayloadTypes.contains(payloadType)
                        else { continue }
                    }
                    sectionOut.append(line.text)
                default:
                    sectionOut.append(line.text)
                }
            }
            if !sawConnection && !sawMediaConnection {
                // Without any c= the peer would not know where to send (RFC 4566
                // §5.7); it goes after the stream's i= line, if any.
                let index = sectionOut.firstIndex(where: { !$0.hasPrefix("i=") }) ?? sectionOut.endIndex
                sectionOut.insert("c=IN \(addressType) \(address)", at: index)
            }
            out += sectionOut
        }
        return out.joined(separator: "\r\n") + "\r\n"
    }

    // MARK: - Rules

    /// PCMU and PCMA (RFC 3551 §6).
    private static let allowedPayloadTypes: Set<Int> = [0, 8]

    /// DTMF events (RFC 4733) at the G.711 clock rate, on a dynamic payload type.
    private func isTelephoneEvent(_ payloadType: Int) -> Bool {
        guard (96...127).contains(payloadType), let map = rtpmaps[payloadType] else { return false }
        let parts = map.split(separator: "/")
        return parts.count >= 2
            && parts[0].lowercased() == "telephone-event"
            && parts[1] == "8000"
    }

    private static let transportAttributes: Set<String> = [
        "rtcp", "crypto", "candidate", "remote-candidates", "end-of-candidates",
        "fingerprint", "setup", "connection", "rtcp-mux", "rtcp-rsize", "rtcp-fb",
        "group", "zrtp-hash",
    ]

    private static func isTransportAttribute(_ line: Line) -> Bool {
        let name = Attribute(line.value).name.lowercased()
        return transportAttributes.contains(name) || name.hasPrefix("ice-")
    }

    private func originLine(_ value: String, address: String, addressType: String, sessionID: UInt64?) -> String {
        // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        let isNumber: (Substring) -> Bool = { !$0.isEmpty && $0.count <= 20 && $0.allSatisfy(\.isASCIIDigit) }
        let original = fields.count >= 3 && isNumber(fields[1]) ? String(fields[1]) : "0"
        let version = fields.count >= 3 && isNumber(fields[2]) ? String(fields[2]) : "0"
        // The phone's username would leak its identity to the other leg; "-" is
        // what RFC 4566 §5.2 allows when there is none to give.
        let id = sessionID.map(String.init) ?? original
        return "o=- \(id) \(version) IN \(addressType) \(address)"
    }

    // MARK: - Parsing helpers

    private static func payloadType(_ format: String) -> Int? {
        guard (1...3).contains(format.count), format.allSatisfy(\.isASCIIDigit),
            let value = Int(format), (0...127).contains(value)
        else { return nil }
        return value
    }

    /// Splits "101 telephone-event/8000" into (101, "telephone-event/8000").
    private static func splitFormatAttribute(_ value: String) -> (Int, String)? {
        guard let space = value.firstIndex(of: " ") else { return nil }
        guard let payloadType = payloadType(String(value[..<space])) else { return nil }
        return (payloadType, String(value[value.index(after: space)...]).trimmingSpaces())
    }

    private static func connection(in lines: [Line]) -> Connection? {
        lines.first(where: { $0.type == "c" }).flatMap { Connection($0.value) }
    }

    private static let directions: Set<String> = ["sendrecv", "sendonly", "recvonly", "inactive"]

    private static func direction(in lines: [Line]) -> String? {
        for line in lines where line.type == "a" {
            let name = Attribute(line.value).name.lowercased()
            if directions.contains(name) { return name }
        }
        return nil
    }
}

// MARK: - Lines

extension SessionDescription {
    /// One `<type>=<value>` line.
    fileprivate struct Line: Sendable, Equatable {
        var type: Character
        var value: String

        init?(_ raw: Substring) {
            guard raw.count >= 2, let type = raw.first, type.isASCII, type.isLetter, type.isLowercase,
                raw[raw.index(after: raw.startIndex)] == "="
            else { return nil }
            self.type = type
            self.value = String(raw.dropFirst(2))
        }

        var text: String { "\(type)=\(value)" }
    }

    /// An `a=<name>[:<value>]` attribute.
    fileprivate struct Attribute {
        var name: Substring
        var value: String

        init(_ text: String) {
            if let colon = text.firstIndex(of: ":") {
                name = text[..<colon]
                value = String(text[text.index(after: colon)...])
            } else {
                name = Substring(text)
                value = ""
            }
        }
    }

    /// `c=<nettype> <addrtype> <address>[/ttl]`.
    fileprivate struct Connection {
        var address: String

        init?(_ value: String) {
            let fields = value.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, fields[0] == "IN", !fields[2].isEmpty else { return nil }
            // Multicast addresses carry /ttl[/count]; the address is what precedes.
            address = String(fields[2].prefix(while: { $0 != "/" }))
            guard !address.isEmpty else { return nil }
        }

        var isHold: Bool { address == "0.0.0.0" }
    }

    /// An `m=` line and the lines after it, up to the next `m=`.
    fileprivate struct MediaSection: Sendable, Equatable {
        var kind: String
        var port: Int
        var proto: String
        var formats: [String]
        var lines: [Line] = []

        /// `m=<media> <port>[/<count>] <proto> <fmt> ...`
        init?(mLine value: String) {
            let fields = value.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3 else { return nil }
            let portField = fields[1].prefix(while: { $0 != "/" })
            guard portField.count <= 5, let port = Int(portField), (0...65_535).contains(port) else { return nil }
            kind = String(fields[0]).lowercased()
            self.port = port
            proto = String(fields[2])
            formats = fields.dropFirst(3).map(String.init)
        }

        var connection: Connection? { lines.first(where: { $0.type == "c" }).flatMap { Connection($0.value) } }
        var attributes: [Attribute] { lines.filter { $0.type == "a" }.map { Attribute($0.value) } }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " || slice.first == "\t" { slice = slice.dropFirst() }
        while slice.last == " " || slice.last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
