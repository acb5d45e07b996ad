import Foundation

/// The reports as CSV for spreadsheets: UTF-8, a header row with the manual's column
/// names, RFC 4180 quoting and CRLF line ends (`CDRCSV.quoted`), money with a dot
/// (`CDRCSV.money`), times in the tenant's local time ("2025-03-01 09:00:00"),
/// durations in whole seconds.
public enum ReportCSV {
    /// R1 columns.
    public static let placedHeader = [
        "Data/Hora", "Origem", "Destino", "Tipo", "UF", "Cidade", "Tempo falado (s)", "Status", "Valor (R$)",
    ]
    /// R2 columns.
    public static let receivedHeader = [
        "Data/Hora", "Origem", "UF", "Cidade", "DID", "Linha", "Tempo falado (s)", "Status",
    ]
    /// R5 columns.
    public static let creditHeader = ["Data/Hora", "Tipo", "Valor (R$)", "Saldo (R$)", "Descrição", "Chamada"]
    /// R6 columns.
    public static let linesHeader = [
        "Linha IP", "Total de Chamadas", "Tempo Total (s)", "Fixo Nacional", "Móvel Nacional", "Total DDI", "Valor Total (R$)",
    ]
    /// R7 columns.
    public static let prefixHeader = [
        "Prefixo", "UF", "Cidade", "Total", "Atend.", "Descarte", "Tempo (s)", "ACD (s)", "Ocupadas", "Canceladas",
        "Não A.", "Congestionada", "ASR (%)",
    ]
    /// R3 columns.
    public static let ivrHeader = ["Data/Hora", "Origem", "URA", "Caminho", "Saída", "Nota", "Chamada"]
    /// R4 columns.
    public static let surveyHeader = ["URA", "Respostas", "Nota 1", "Nota 2", "Nota 3", "Nota 4", "Nota 5", "Média"]
    /// P2 chart columns.
    public static let hourlyHeader = ["Hora", "Móvel", "Fixo"]

    /// R1 fields of a row.
    public static func placedFields(_ row: CallReportRow, timeZone: TimeZone) -> [String] {
        let cdr = row.cdr
        return [
            ReportLabels.localTime(millis: cdr.startedAt, timeZone: timeZone), cdr.caller, cdr.normalized,
            ReportLabels.label(cdr.numberClass), row.region?.state ?? "", row.region?.city ?? "",
            String(cdr.billableSeconds), ReportLabels.label(cdr.disposition), cdr.costCents.map(CDRCSV.money(cents:)) ?? "",
        ]
    }

    /// R2 fields of a row.
    public static func receivedFields(_ row: CallReportRow, timeZone: TimeZone) -> [String] {
        let cdr = row.cdr
        return [
            ReportLabels.localTime(millis: cdr.startedAt, timeZone: timeZone), cdr.caller, row.region?.state ?? "",
            row.region?.city ?? "", cdr.normalized, cdr.line ?? "", String(cdr.billableSeconds),
            ReportLabels.label(cdr.disposition),
        ]
    }

    /// R5 fields of a movement.
    public static func creditFields(_ movement: CreditMovement, timeZone: TimeZone) -> [String] {
        [
            ReportLabels.localTime(millis: movement.at, timeZone: timeZone), ReportLabels.label(movement.kind),
            CDRCSV.money(cents: movement.amountCents), CDRCSV.money(cents: movement.balanceAfterCents), movement.note,
            movement.cdrID ?? "",
        ]
    }

    /// R3 fields of a call through the IVRs.
    public static func ivrFields(_ visit: IVRVisit, timeZone: TimeZone) -> [String] {
        [
            ReportLabels.localTime(millis: visit.startedAt, timeZone: timeZone), visit.caller, visit.menu,
            visit.path.map(\.description).joined(separator: " "), visit.exit, visit.surveyScore.map(String.init) ?? "", visit.callID,
        ]
    }

    /// R4 fields of a menu's survey.
    public static func surveyFields(_ summary: SurveySummary) -> [String] {
        [summary.menu, String(summary.answers)] + summary.counts.map(String.init) + [String(format: "%.2f", summary.average)]
    }

    /// R6 fields of a line.
    public static func lineFields(_ row: LineUsage) -> [String] {
        [
            row.line ?? "", String(row.calls), String(row.talkSeconds), String(row.fixed), String(row.mobile),
            String(row.international), CDRCSV.money(cents: row.costCents),
        ]
    }

    /// R7 fields of a prefix.
    public static func prefixFields(_ row: PrefixUsage) -> [String] {
        [
            row.prefix, row.region?.state ?? "", row.region?.city ?? "", String(row.total), String(row.answered),
            String(row.failed), String(row.talkSeconds), String(row.acdSeconds), String(row.busy), String(row.cancelled),
            String(row.noAnswer), String(row.congestion), row.asrText,
        ]
    }

    /// P2 fields of an hour ("09h").
    public static func hourlyFields(_ row: HourlyCalls) -> [String] {
        [(row.hour < 10 ? "0" : "") + "\(row.hour)h", String(row.mobile), String(row.fixed)]
    }

    /// A header and rows as one CSV text.
    public static func document(header: [String], rows: [[String]]) -> String {
        var text = header.map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
        for row in rows {
            text += row.map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
        }
        return text
    }
}
