import Foundation
import TelefoniaCore

extension Input {
    /// A price as typed ("0.35"), exactly, in ten-thousandths of the currency unit.
    static func price(_ text: String, option: String) throws -> Int64 {
        do {
            return try Money.price(text)
        } catch {
            throw CLIError("\(option) \(error.message)")
        }
    }

    /// An amount of money as typed ("10.50"), exactly, in cents.
    static func cents(_ text: String, allowNegative: Bool = false) throws -> Int64 {
        do {
            return try Money.cents(text, allowNegative: allowNegative)
        } catch {
            throw CLIError(error.message)
        }
    }

    /// A destination class by its name ("mobile-local").
    static func numberClass(_ text: String) throws -> NumberClass {
        let names = NumberClass.allCases.filter { $0 != .emergency }.map(\.rawValue)
        guard let value = NumberClass(rawValue: text.lowercased()), value != .emergency else {
            throw CLIError("unknown class '\(text)'; use one of \(names.joined(separator: ", "))")
        }
        return value
    }

    /// "30/6" → (30, 6).
    static func increments(_ text: String) throws -> (first: Int, next: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = Int(parts[0]), let next = Int(parts[1]),
              (1...3600).contains(first), (1...3600).contains(next)
        else {
            throw CLIError("--increments '\(text)' must be FIRST/NEXT in seconds, 1 to 3600 each, e.g. 30/6 or 60/60")
        }
        return (first, next)
    }

    /// A plan kind.
    static func planKind(_ text: String) throws -> TariffPlan.Kind {
        guard let kind = TariffPlan.Kind(rawValue: text.lowercased()) else {
            throw CLIError("--kind must be postpaid or prepaid, not '\(text)'")
        }
        return kind
    }
}

/// Dates and CSV for the money commands.
enum RatingFormat {
    /// "2025-03-01 12:00:00" in the local time zone (TZ).
    static func dateTime(_ millis: Int64) -> String {
        formatter("yyyy-MM-dd HH:mm:ss").string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    /// "2025-03-01" in the local time zone.
    static func date(_ millis: Int64) -> String {
        formatter("yyyy-MM-dd").string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    /// "0:30", "5:00", "1:02:03".
    static func clock(_ seconds: Int) -> String {
        CDRCommand.List.clock(seconds)
    }

    /// CSV (RFC 4180, UTF-8, CRLF) with a header row, written to standard output.
    static func writeCSV(_ header: [String], _ rows: [[String]]) {
        var text = header.map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
        for row in rows {
            text += row.map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Lines of "key  value" with the values aligned.
    static func printFields(_ fields: [(String, String)]) {
        let width = fields.map(\.0.count).max() ?? 0
        for (key, value) in fields {
            print(key + String(repeating: " ", count: width - key.count + 2) + value)
        }
    }

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = format
        return formatter
    }
}
