/// A SIP or SIPS URI (RFC 3261 §19.1), enough of it for a B2BUA.
public struct SIPURI: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var user: String?
    public var host: String
    public var port: Int?
    /// URI parameters in order, names as received.
    public var parameters: [(name: String, value: String?)]
    /// The rest of an absolute URI of another scheme (`http://…`, `isbn:…`), which
    /// has no user or host; nil for SIP and SIPS URIs.
    public var opaque: String?

    public init(scheme: String = "sip", user: String?, host: String, port: Int? = nil, parameters: [(name: String, value: String?)] = [], opaque: String? = nil) {
        self.opaque = opaque
        self.scheme = scheme
        self.user = user
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    public static func == (lhs: SIPURI, rhs: SIPURI) -> Bool {
        lhs.description == rhs.description
    }

    /// A parameter's value by case-insensitive name; "" for a flag.
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name.lowercased() == name }.map { $0.value ?? "" }
    }

    public var description: String {
        var s = scheme + ":"
        if let opaque { return s + opaque }
        if let user { s += user + "@" }
        s += host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if let port { s += ":\(port)" }
        for p in parameters {
            s += ";" + p.name
            if let v = p.value { s += "=" + v }
        }
        return s
    }
}

/// A From / To / Contact header: display name, URI and parameters.
public struct NameAddress: Sendable, Equatable, CustomStringConvertible {
    public var displayName: String?
    public var uri: SIPURI
    public var parameters: [(name: String, value: String?)]

    public init(displayName: String? = nil, uri: SIPURI, parameters: [(name: String, value: String?)] = []) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    public static func == (lhs: NameAddress, rhs: NameAddress) -> Bool {
        lhs.description == rhs.description
    }

    public var tag: String? { parameter("tag") }

    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name.lowercased() == name }.map { $0.value ?? "" }
    }

    /// A copy with the tag set (To of a response).
    public func withTag(_ tag: String) -> NameAddress {
        var copy = self
        copy.parameters.removeAll { $0.name.lowercased() == "tag" }
        copy.parameters.append(("tag", tag))
        return copy
    }

    public var description: String {
        var s = ""
        if let displayName, !displayName.isEmpty {
            let quoted = displayName.hasPrefix("\"") ? displayName : "\"\(displayName.replacingQuotes())\""
            s += quoted + " "
        }
        s += "<\(uri)>"
        for p in parameters {
            s += ";" + p.name
            if let v = p.value { s += "=" + v }
        }
        return s
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for c in self where c != "\"" && c != "\\" && c != "\r" && c != "\n" { out.append(c) }
        return out
    }
}

/// One Via header (RFC 3261 §20.42).
public struct Via: Sendable, Equatable, CustomStringConvertible {
    public var transport: String
    public var host: String
    public var port: Int?
    public var parameters: [(name: String, value: String?)]

    public init(transport: String, host: String, port: Int?, parameters: [(name: String, value: String?)]) {
        self.transport = transport
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    public static func == (lhs: Via, rhs: Via) -> Bool { lhs.description == rhs.description }

    public var branch: String? { parameter("branch") }

    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name.lowercased() == name }.map { $0.value ?? "" }
    }

    /// RFC 3581: the response records where the request really came from.
    public mutating func stampReceived(host sourceHost: String, port sourcePort: Int) {
        let hadRport = parameter("rport") != nil
        parameters.removeAll { ["rport", "received"].contains($0.name.lowercased()) }
        if sourceHost != host || hadRport { parameters.append(("received", sourceHost)) }
        if hadRport { parameters.append(("rport", String(sourcePort))) }
    }

    public var description: String {
        var s = "SIP/2.0/\(transport.uppercased()) \(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host)"
        if let port { s += ":\(port)" }
        for p in parameters {
            s += ";" + p.name
            if let v = p.value { s += "=" + v }
        }
        return s
    }
}
