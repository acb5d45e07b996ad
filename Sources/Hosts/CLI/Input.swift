import Foundation
import TelefoniaCore

/// Checks and normalises what the user typed; every failure says how to fix it.
enum Input {
    /// Tenant and trunk ids: letters, digits, '-', '_' and '.'.
    static func identifier(_ text: String, kind: String) throws -> String {
        let allowed = text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
        guard !text.isEmpty, allowed else {
            throw CLIError("\(kind) id '\(text)' may only use letters, digits, '-', '_' and '.'")
        }
        return text
    }

    /// A SIP domain, lower-cased (domains ignore case, and it is the digest realm).
    static func domain(_ text: String) throws -> String {
        let domain = text.lowercased()
        guard Tenant.isValidDomain(domain) else {
            throw CLIError("'\(text)' is not a domain name (letters, digits, '-' and dots, e.g. acme.pbx.example.com)")
        }
        return domain
    }

    /// A Brazilian area code (DDD).
    static func areaCode(_ text: String) throws -> String {
        guard NumberPlan.isValidAreaCode(text) else {
            throw CLIError("'\(text)' is not an area code (DDD): two digits 11 to 99 without a zero, e.g. 11 or 21")
        }
        return text
    }

    /// An extension: the number other lines dial and the phone's SIP user name.
    static func extensionNumber(_ text: String) throws -> String {
        guard (1...15).contains(text.count), text.allSatisfy(Input.isDigit) else {
            throw CLIError("extension '\(text)' must be 1 to 15 digits (other lines dial it), e.g. 1001")
        }
        return text
    }

    /// A caller ID: digits with an optional leading '+'; empty clears it.
    static func callerID(_ text: String) throws -> String? {
        let cleaned = stripSeparators(text)
        if cleaned.isEmpty { return nil }
        let digits = cleaned.hasPrefix("+") ? cleaned.dropFirst() : Substring(cleaned)
        guard (2...15).contains(digits.count), digits.allSatisfy(Input.isDigit) else {
            throw CLIError("caller ID '\(text)' must be a phone number such as +551130001000 or 1130001000")
        }
        return cleaned
    }

    /// A public number in E.164: separators removed, '+' added when missing.
    static func e164(_ text: String) throws -> String {
        let cleaned = stripSeparators(text)
        let digits = cleaned.hasPrefix("+") ? cleaned.dropFirst() : Substring(cleaned)
        guard DID.isValidNumber("+" + digits) else {
            throw CLIError("'\(text)' is not a number in international form; write it with its country code, e.g. +551130001000")
        }
        return "+" + digits
    }

    /// "fixed,mobile,ldn" into permissions.
    static func permissions(_ text: String) throws -> Permissions {
        if let permissions = Permissions(names: text) { return permissions }
        let known = Permissions.names.map(\.0)
        let unknown = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !known.contains($0) } ?? text
        throw CLIError("unknown permission '\(unknown)' in --allow; use a comma-separated list of \(known.joined(separator: ", "))")
    }

    static func ringTimeout(_ seconds: Int) throws -> Int {
        guard (5...600).contains(seconds) else {
            throw CLIError("--ring-timeout must be between 5 and 600 seconds, not \(seconds)")
        }
        return seconds
    }

    static func port(_ port: Int) throws -> Int {
        guard (1...65535).contains(port) else { throw CLIError("--port must be between 1 and 65535, not \(port)") }
        return port
    }

    static func transport(_ text: String) throws -> String {
        let transport = text.lowercased()
        guard transport == "udp" || transport == "tcp" else {
            throw CLIError("--transport must be udp or tcp, not '\(text)'")
        }
        return transport
    }

    static func host(_ text: String) throws -> String {
        guard Trunk.isValidHost(text) else {
            throw CLIError("--host must be a host name or IPv4 address without port, e.g. sip.carrier.example")
        }
        return text
    }

    static func disposition(_ text: String) throws -> Disposition {
        let key = text.uppercased().replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
        guard let disposition = Disposition(rawValue: key) else {
            let names = Disposition.allCases.map(\.rawValue).map { $0.contains(" ") ? "\"\($0)\"" : $0 }
            throw CLIError("unknown disposition '\(text)'; use one of \(names.joined(separator: ", "))")
        }
        return disposition
    }

    /// The password, or the first line of standard input when it is "-" (keeps it
    /// out of the shell history and the process list).
    static func password(_ text: String) throws -> String {
        var password = text
        if text == "-" {
            password = readLine(strippingNewline: true) ?? ""
        }
        guard !password.isEmpty else { throw CLIError("the password must not be empty") }
        return password
    }

    /// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" in the local time zone (TZ) as unix ms.
    /// With `endOfDay`, a bare date means the end of that day (for --to).
    static func time(_ text: String, option: String, endOfDay: Bool = false) throws -> Int64 {
        let pieces = text.split(omittingEmptySubsequences: false) { $0 == "T" || $0 == " " }
        let date = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        let clock = pieces.count == 2 ? pieces[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) } : [0, 0]
        let wellFormed = pieces.count <= 2 && date.count == 3 && pieces[0].count == 10 && clock.count == 2
            && (pieces.count == 1 || pieces[1].count == 5) && !date.contains(nil) && !clock.contains(nil)
        var components = DateComponents()
        if wellFormed {
            components.year = date[0]
            components.month = date[1]
            components.day = date[2]
            components.hour = clock[0]
            components.minute = clock[1]
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        guard wellFormed, let instant = calendar.date(from: components),
              calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant).isSameMinute(as: components)
        else {
            throw CLIError("\(option) '\(text)' is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time), e.g. 2025-03-01T08:30")
        }
        var result = instant
        if endOfDay && pieces.count == 1, let next = calendar.date(byAdding: .day, value: 1, to: instant) {
            result = next
        }
        return Int64((result.timeIntervalSince1970 * 1000).rounded())
    }

    static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isWholeNumber
    }

    private static func stripSeparators(_ text: String) -> String {
        text.filter { !" -().\t".contains($0) }
    }
}

extension DateComponents {
    /// Whether the date was real: Calendar rolls 2025-02-30 over to March 2.
    fileprivate func isSameMinute(as other: DateComponents) -> Bool {
        year == other.year && month == other.month && day == other.day && hour == other.hour && minute == other.minute
    }
}
