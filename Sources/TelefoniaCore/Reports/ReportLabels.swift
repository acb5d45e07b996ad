import Foundation

/// Portuguese words and local times the subscriber sees in exported reports.
public enum ReportLabels {
    /// "Móvel DDD" for a mobile in another area.
    public static func label(_ numberClass: NumberClass?) -> String {
        switch numberClass {
        case .internalCall?: "Ramal"
        case .fixedLocal?: "Fixo local"
        case .fixedLongDistance?: "Fixo DDD"
        case .mobileLocal?: "Móvel local"
        case .mobileLongDistance?: "Móvel DDD"
        case .international?: "Internacional"
        case .tollFree?: "0800"
        case .emergency?: "Emergência"
        case nil: ""
        }
    }

    /// "Atendida" for ANSWERED.
    public static func label(_ disposition: Disposition) -> String {
        switch disposition {
        case .answered: "Atendida"
        case .busy: "Ocupado"
        case .noAnswer: "Não atendida"
        case .cancelled: "Cancelada"
        case .failed: "Falhou"
        case .denied: "Bloqueada"
        }
    }

    /// "Ligação" for a call's debit.
    public static func label(_ kind: CreditMovement.Kind) -> String {
        switch kind {
        case .call: "Ligação"
        case .recharge: "Recarga"
        case .adjustment: "Ajuste"
        }
    }

    /// "2025-03-01 09:00:00" in `timeZone` for unix ms (what a spreadsheet reads as a date and time).
    public static func localTime(millis: Int64, timeZone: TimeZone) -> String {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(millis) / 1000)))
        let iso = CDRCSV.iso8601(millis: millis + offset * 1000)
        return String(iso.dropLast()).replacingOccurrences(of: "T", with: " ")
    }
}
