import Foundation

/// One number of a campaign's mailing and where it stands (C1).
public struct CampaignNumber: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Not called yet, or to be called again at `nextAttemptAt`.
        case pending
        /// A call is being placed or is up: claimed, never dialled a second time at once.
        case dialing
        /// Reached a final result.
        case done
    }

    public var tenantID: String
    public var campaign: String
    /// Line of the mailing file (from 1), which identifies the number in the campaign.
    public var row: Int
    /// As imported (digits, optional leading +).
    public var number: String
    public var status: Status
    public var attempts: Int
    /// Unix ms before which it is not called again.
    public var nextAttemptAt: Int64?
    /// How the last attempt ended: answered, busy, no answer, failed, interrupted…
    public var result: String?
    /// The key pressed at each level reached (A1…A4).
    public var digits: [String]

    public init(tenantID: String, campaign: String, row: Int, number: String, status: Status = .pending, attempts: Int = 0,
                nextAttemptAt: Int64? = nil, result: String? = nil, digits: [String] = []) {
        self.tenantID = tenantID
        self.campaign = campaign
        self.row = row
        self.number = number
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.result = result
        self.digits = digits
    }

    /// `A1=1 A2=3 A3= A4=`: the keys per level, empty where none was pressed.
    public var keys: String {
        (0..<Campaign.maxLevels).map { "A\($0 + 1)=\($0 < digits.count ? digits[$0] : "")" }.joined(separator: " ")
    }
}

/// Reads a mailing file (C1): one number per row in column A (CSV; other columns are
/// ignored, and so is a first row whose column A has no digit: a header). Blank rows
/// are skipped. Every bad row is reported with its line number and why; when any row is
/// bad nothing is imported.
public enum MailingImport {
    public struct RowError: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The numbers of `text` with their line numbers, or every row's error.
    public static func parse(_ text: String) -> Result<[(line: Int, number: String)], MailingErrors> {
        var numbers: [(line: Int, number: String)] = []
        var errors: [RowError] = []
        var seen: [String: Int] = [:]
        // "\r\n" is one Character in Swift, and a newline like "\n".
        let rows = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, row) in rows.enumerated() {
            let line = index + 1
            guard !row.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            var cell = String(firstCell(of: String(row)))
            cell = cell.trimmingCharacters(in: .whitespaces)
            let compact = cell.filter { !" -.()".contains($0) }
            if line == 1, !compact.isEmpty, !compact.contains(where: \.isNumber) { continue }  // a header
            guard !compact.isEmpty else {
                errors.append(RowError(line: line, reason: "column A is empty"))
                continue
            }
            let digits = compact.hasPrefix("+") ? compact.dropFirst() : Substring(compact)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                errors.append(RowError(line: line, reason: "'\(cell)' is not a phone number (digits, an optional leading +)"))
                continue
            }
            guard (3...20).contains(digits.count) else {
                errors.append(RowError(line: line, reason: "'\(cell)' has \(digits.count) digits (3 to 20)"))
                continue
            }
            if let first = seen[compact] {
                errors.append(RowError(line: line, reason: "'\(cell)' is already on line \(first)"))
                continue
            }
            seen[compact] = line
            numbers.append((line, compact))
        }
        if !errors.isEmpty { return .failure(MailingErrors(rows: errors)) }
        if numbers.isEmpty { return .failure(MailingErrors(rows: [RowError(line: 1, reason: "the file has no numbers")])) }
        return .success(numbers)
    }

    /// Column A of a CSV row (a quoted cell may hold commas and doubled quotes).
    static func firstCell(of row: String) -> Substring {
        guard row.first == "\"" else { return row.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
        var cell = ""
        var index = row.index(after: row.startIndex)
        while index < row.endIndex {
            let character = row[index]
            if character == "\"" {
                let next = row.index(after: index)
                if next < row.endIndex, row[next] == "\"" {
                    cell.append("\"")
                    index = row.index(after: next)
                    continue
                }
                break
            }
            cell.append(character)
            index = row.index(after: index)
        }
        return Substring(cell)
    }
}

/// Why a mailing was refused: every bad row.
public struct MailingErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var rows: [MailingImport.RowError]
    public var description: String {
        "the mailing was not imported: \(rows.count) bad row\(rows.count == 1 ? "" : "s")\n" + rows.map { "  \($0)" }.joined(separator: "\n")
    }
}
