import ArgumentParser
import TelefoniaCore

/// `telefonia did add|list|remove`.
struct DIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "did",
        abstract: "Manage DIDs: public numbers that ring a line, or reach an IVR (--ivr).",
        subcommands: [Add.self, Route.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Route a public number to a line.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Number with country code, e.g. +55 11 3000-1000.") var number: String
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "Extension the number belongs to (and rings, without --ivr).") var line: String
        @Option(help: "IVR menu that answers the number instead of the line.") var ivr: String?
        @Option(help: "Call group that rings for the number instead of the line.") var group: String?

        func run() throws {
            let store = try global.openStore()
            let number = try Input.e164(number)
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.line(tenantID: owner.id, extensionNumber: line) != nil else {
                throw CLIError("tenant \(owner.id) has no line \(line); see `telefonia line list --tenant \(owner.id)`")
            }
            if let existing = try store.did(number: number) {
                throw CLIError(
                    "\(number) already rings line \(existing.extensionNumber) of tenant \(existing.tenantID); "
                        + "remove it first with `telefonia did remove \(number)`"
                )
            }
            guard ivr == nil || group == nil else { throw CLIError("give --ivr or --group, not both") }
            let route = try ivr.map { try DIDCommand.route(ivr: $0, tenantID: owner.id, global: global) }
                ?? group.map { try DIDCommand.route(group: $0, tenantID: owner.id, global: global) }
            try store.save(DID(number: number, tenantID: owner.id, extensionNumber: line, route: route))
            print("added DID \(number) to line \(line) of tenant \(owner.id)" + (route.map { ", answered by \($0)" } ?? ""))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List DIDs.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this tenant's.") var tenant: String?

        func run() throws {
            let store = try global.openStore()
            if let tenant { _ = try TenantCommand.existing(tenant, store: store) }
            var table = TextTable("NUMBER", "TENANT", "LINE", "ROUTE")
            for did in try store.dids(tenantID: tenant) {
                table.append([did.number, did.tenantID, did.extensionNumber, did.route?.description ?? "line"])
            }
            table.print()
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop routing a public number.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Number.") var number: String

        func run() throws {
            let store = try global.openStore()
            let number = try Input.e164(number)
            guard try store.did(number: number) != nil else {
                throw CLIError("unknown DID \(number); see `telefonia did list`")
            }
            try store.removeDID(number: number)
            print("removed DID \(number)")
        }
    }

    struct Route: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a DID's calls to an IVR menu, a call group, a queue, a line's voicemail, the voice portal or a callback, or back to its line.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Number.") var number: String
        @Option(help: "IVR menu that answers the number.") var ivr: String?
        @Option(help: "Call group that rings for the number.") var group: String?
        @Option(help: "Line whose voicemail box answers the number.") var voicemail: String?
        @Option(help: "Queue whose agents answer the number.") var queue: String?
        @Flag(help: "The voice portal answers authorised callers (`telefonia portal add`) and dials out through their line.")
        var portal = false
        @Option(help: "Refuse the call unanswered and call the caller back: portal, number:NUMBER@LINE or ivr:N@LINE.")
        var callback: String?
        @Flag(help: "Ring the DID's line again.") var line = false

        func run() throws {
            let store = try global.openStore()
            let number = try Input.e164(number)
            guard var did = try store.did(number: number) else {
                throw CLIError("unknown DID \(number); see `telefonia did list`")
            }
            guard [ivr != nil, group != nil, voicemail != nil, queue != nil, portal, callback != nil, line].filter({ $0 }).count == 1 else {
                throw CLIError("give one of --ivr N, --group NAME, --queue NAME, --voicemail EXT, --portal, --callback ROUTE or --line")
            }
            did.route = try ivr.map { try DIDCommand.route(ivr: $0, tenantID: did.tenantID, global: global) }
                ?? group.map { try DIDCommand.route(group: $0, tenantID: did.tenantID, global: global) }
                ?? voicemail.map { try DIDCommand.route(voicemail: $0, tenantID: did.tenantID, global: global) }
                ?? queue.map { try DIDCommand.route(queue: $0, tenantID: did.tenantID, global: global) }
                ?? callback.map { try DIDCommand.route(callback: $0, tenantID: did.tenantID, global: global) }
                ?? (portal ? .portal : nil)
            try store.save(did)
            print("DID \(number) now " + (did.route.map { "reaches \($0)" } ?? "rings line \(did.extensionNumber)"))
        }
    }

    /// The route to IVR `menu` of the tenant, checked.
    static func route(ivr menu: String, tenantID: String, global: GlobalOptions) throws -> DIDRoute {
        guard IVRMenu.isValidNumber(menu) else { throw CLIError("--ivr '\(menu)' must be a menu number (1 to 6 digits)") }
        guard try global.openCallFlowStore().ivrMenu(tenantID: tenantID, number: menu) != nil else {
            throw CLIError("tenant \(tenantID) has no IVR \(menu); see `telefonia ivr list \(tenantID)`")
        }
        return .ivr(menu)
    }

    /// The route to line `ext`'s voicemail box, checked.
    static func route(voicemail ext: String, tenantID: String, global: GlobalOptions) throws -> DIDRoute {
        guard Line.isValidExtension(ext), try global.openStore().line(tenantID: tenantID, extensionNumber: ext) != nil else {
            throw CLIError("tenant \(tenantID) has no line \(ext); see `telefonia line list --tenant \(tenantID)`")
        }
        return .voicemail(ext)
    }

    /// The route to queue `name` of the tenant, checked.
    static func route(queue name: String, tenantID: String, global: GlobalOptions) throws -> DIDRoute {
        guard try global.openQueueStore().callQueue(tenantID: tenantID, name: name) != nil else {
            throw CLIError("tenant \(tenantID) has no queue \(name); see `telefonia queue list \(tenantID)`")
        }
        return .queue(name)
    }

    /// A callback route, its line and menu checked.
    static func route(callback text: String, tenantID: String, global: GlobalOptions) throws -> DIDRoute {
        guard let route = CallbackRoute(parsing: text) else {
            throw CLIError("--callback '\(text)' must be portal, number:NUMBER@LINE or ivr:N@LINE")
        }
        switch route {
        case .portal:
            break
        case .number(_, let line), .ivr(_, let line):
            guard try global.openStore().line(tenantID: tenantID, extensionNumber: line) != nil else {
                throw CLIError("tenant \(tenantID) has no line \(line); see `telefonia line list --tenant \(tenantID)`")
            }
            if case .ivr(let menu, _) = route { _ = try DIDCommand.route(ivr: menu, tenantID: tenantID, global: global) }
        }
        return .callback(route)
    }

    /// The route to call group `name` of the tenant, checked.
    static func route(group name: String, tenantID: String, global: GlobalOptions) throws -> DIDRoute {
        guard try global.openCallFlowStore().callGroup(tenantID: tenantID, name: name) != nil else {
            throw CLIError("tenant \(tenantID) has no call group \(name); see `telefonia group list \(tenantID)`")
        }
        return .group(name)
    }
}
