import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia codes`: the feature code table (P5), the same one the engine routes by.
struct CodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes", abstract: "Print the feature codes phones dial (DND, forwarding, tests, rooms, IVRs…).")

    func run() throws {
        var table = TextTable("CODE", "FEATURE", "WHAT IT DOES")
        for entry in FeatureCodes.table { table.append([entry.code, entry.feature, entry.description]) }
        table.print()
    }
}

extension LineCommand {
    /// `telefonia line features EXT --tenant T [changes]`: DND, forwarding and call
    /// waiting (T1), as the line's user sets them with feature codes.
    struct Features: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or change a line's do not disturb, call forwarding and call waiting.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Extension.") var ext: String
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "on or off.") var dnd: String?
        @Option(help: "Forward every call to this number, or off.") var forwardAlways: String?
        @Option(help: "Forward when busy to this number, or off.") var forwardBusy: String?
        @Option(help: "Forward when not answered to this number, or off.") var forwardNoAnswer: String?
        @Option(help: "on or off.") var callWaiting: String?
        @Option(help: "on or off: unanswered calls go to the line's voicemail box.") var voicemail: String?
        @Option(help: "The PIN (4-12 digits) the line keys at *98 to hear its messages.") var voicemailPin: String?
        @Option(help: "The longest voicemail message in seconds (10-600; default 120).") var voicemailMax: Int?

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.line(tenantID: owner.id, extensionNumber: ext) != nil else {
                throw CLIError("tenant \(owner.id) has no line \(ext); see `telefonia line list --tenant \(owner.id)`")
            }
            var features = try store.lineFeatures(tenantID: owner.id, extensionNumber: ext)
            func toggle(_ text: String, _ option: String) throws -> Bool {
                switch text.lowercased() {
                case "on": return true
                case "off": return false
                default: throw CLIError("--\(option) must be on or off, got '\(text)'")
                }
            }
            func target(_ text: String, _ option: String) throws -> String? {
                if text.lowercased() == "off" { return nil }
                guard LineFeatures.isValidTarget(text) else { throw CLIError("--\(option) must be a number or off, got '\(text)'") }
                return text
            }
            if let dnd { features.doNotDisturb = try toggle(dnd, "dnd") }
            if let callWaiting { features.callWaiting = try toggle(callWaiting, "call-waiting") }
            if let voicemail { features.voicemail = try toggle(voicemail, "voicemail") }
            if let voicemailPin { features.voicemailPIN = voicemailPin }
            if let voicemailMax { features.voicemailMaxSeconds = voicemailMax }
            if let forwardAlways { features.forwardAlways = try target(forwardAlways, "forward-always") }
            if let forwardBusy { features.forwardBusy = try target(forwardBusy, "forward-busy") }
            if let forwardNoAnswer { features.forwardNoAnswer = try target(forwardNoAnswer, "forward-no-answer") }
            let changed = [dnd, callWaiting, forwardAlways, forwardBusy, forwardNoAnswer, voicemail, voicemailPin].contains { $0 != nil }
                || voicemailMax != nil
            if let problem = CallFlowRules.problem(with: features) { throw CLIError(problem) }
            if changed { try store.save(features) }
            print("line \(ext) of tenant \(owner.id): do not disturb \(features.doNotDisturb ? "on" : "off"), "
                + "call waiting \(features.callWaiting ? "on" : "off"), forward always \(features.forwardAlways ?? "off"), "
                + "on busy \(features.forwardBusy ?? "off"), on no answer \(features.forwardNoAnswer ?? "off"), "
                + "voicemail \(features.voicemail ? "on" : "off")\(features.voicemailPIN == nil ? " (no PIN)" : "")"
                + " (messages up to \(features.voicemailMaxSeconds ?? LineFeatures.defaultVoicemailMaxSeconds) s; greetings: audio "
                + "\(VoicemailDeposit.greeting(extensionNumber: ext)) when unavailable, \(VoicemailDeposit.busyGreeting(extensionNumber: ext)) when busy)")
        }
    }
}

/// `telefonia voicemail TENANT EXT`: a line's voicemail messages (T5).
struct VoicemailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voicemail", abstract: "List a line's voicemail messages (the line hears them at *98).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tenant id.") var tenant: String
    @Argument(help: "Extension.") var ext: String

    func run() throws {
        let store = try global.openCallFlowStore()
        let owner = try TenantCommand.existing(tenant, store: store)
        guard try store.line(tenantID: owner.id, extensionNumber: ext) != nil else {
            throw CLIError("tenant \(owner.id) has no line \(ext); see `telefonia line list --tenant \(owner.id)`")
        }
        var table = TextTable("RECEIVED", "FROM", "SECONDS", "STATE", "ID")
        for message in try store.voicemailMessages(tenantID: owner.id, extensionNumber: ext) {
            table.append([ReportOutput.time(message.receivedAt), message.caller, String(format: "%.1f", message.seconds),
                          message.isNew ? "new" : "old", message.id])
        }
        table.print()
    }
}
