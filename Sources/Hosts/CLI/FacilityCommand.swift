import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// `telefonia facility click2call|disa|conference|test|list|show` (F4, F5, F1, F7): the
/// request is filed in the store and the running server places the calls within a second.
struct FacilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facility",
        abstract: "Have the server place calls: click2call, DISA, an ad-hoc conference, testing an application on a line.",
        subcommands: [Click2Call.self, DISA.self, Conference.self, Test.self, List.self, Show.self]
    )

    /// Options every request takes.
    struct Common: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Option(help: "Seconds to wait for the outcome (0: only file the request).") var wait = 60
    }

    struct Click2Call: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "click2call", abstract: "Call A; when A answers, call B and connect them (F4).")
        @OptionGroup var common: Common
        @Option(help: "The tenant's line the calls go through (its permissions, plan and credit).") var via: String
        @Argument(help: "A: the number or extension called first.") var first: String
        @Argument(help: "B: the number or extension A is connected to.") var second: String

        func run() throws {
            try FacilityCommand.file(.click2call, common: common, line: via, numbers: [first, second], target: nil)
        }
    }

    struct DISA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disa", abstract: "Call a number that then hears \"digite o número seguido de #\" and is connected to what it keys (F5).")
        @OptionGroup var common: Common
        @Option(help: "The tenant's line the calls go through.") var via: String
        @Argument(help: "The number or extension called.") var number: String

        func run() throws {
            try FacilityCommand.file(.disa, common: common, line: via, numbers: [number], target: nil)
        }
    }

    struct Conference: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call lines or numbers into a conference room; each hears how many are in the room, a beep, and joins (F1).")
        @OptionGroup var common: Common
        @Option(help: "Room number (see `telefonia room list`).") var room: String
        @Option(help: "The tenant's line the calls go through (default: the first extension listed).") var via: String?
        @Argument(help: "Lines or numbers to call.") var numbers: [String]

        func run() throws {
            guard let line = via ?? numbers.first(where: Line.isValidExtension) else {
                throw CLIError("give --via LINE: no extension among the numbers to pay for the calls")
            }
            try FacilityCommand.file(.conference, common: common, line: line, numbers: numbers, target: room)
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ring a line and, when it answers, run an application on it: ivr:N, queue:NAME, group:NAME, room:N, voicemail:EXT (F7).")
        @OptionGroup var common: Common
        @Argument(help: "The application: \(FacilityTarget.syntax).") var application: String
        @Argument(help: "The line to ring.") var line: String

        func run() throws {
            try FacilityCommand.file(.test, common: common, line: line, numbers: [line], target: application)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A tenant's latest requests and how they went.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Option(help: "How many.") var limit = 20

        func run() throws {
            let store = try global.openFacilityStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("ID", "KIND", "LINE", "NUMBERS", "TARGET", "STATE", "RESULT")
            for request in try store.facilityRequests(tenantID: owner.id, limit: max(1, min(limit, 1000))) {
                table.append([String(request.id), request.kind.rawValue, request.line, request.numbers.joined(separator: " "),
                              request.target ?? "", request.state.rawValue, request.result ?? ""])
            }
            table.print()
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One request, leg by leg.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Request id.") var id: Int64

        func run() throws {
            let store = try global.openFacilityStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard let request = try store.facilityRequest(id: id), request.tenantID == owner.id else {
                throw CLIError("tenant \(owner.id) has no facility request \(id)")
            }
            FacilityCommand.describe(request)
        }
    }

    static func file(_ kind: FacilityRequest.Kind, common: Common, line: String, numbers: [String], target: String?) throws {
        let store = try common.global.openFacilityStore()
        let owner = try TenantCommand.existing(common.tenant, store: store)
        let filed = try store.file(FacilityRequest(
            tenantID: owner.id, kind: kind, line: line, numbers: numbers, target: target, requestedBy: "cli",
            createdAt: Int64(Date().timeIntervalSince1970 * 1000)))
        print("filed \(kind.rawValue) request \(filed.id) of tenant \(owner.id)")
        guard common.wait > 0 else { return }
        let deadline = Date().addingTimeInterval(TimeInterval(common.wait))
        var shown = 0
        while Date() < deadline {
            if let now = try store.facilityRequest(id: filed.id) {
                for leg in now.legs.dropFirst(shown) { print("  \(leg.number): \(leg.outcome)") }
                shown = now.legs.count
                if now.state == .done || now.result != nil {
                    print("\(kind.rawValue) \(filed.id): \(now.result ?? now.state.rawValue)")
                    return
                }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        print("\(kind.rawValue) \(filed.id): no outcome yet; see `telefonia facility show \(owner.id) \(filed.id)` (is the server running?)")
    }

    static func describe(_ request: FacilityRequest) {
        print("request \(request.id): \(request.kind.rawValue) through line \(request.line), asked by \(request.requestedBy)")
        if let target = request.target { print("target: \(target)") }
        print("state: \(request.state.rawValue)" + (request.result.map { ", \($0)" } ?? ""))
        for leg in request.legs { print("  \(leg.number): \(leg.outcome)") }
    }
}

/// `telefonia portal add|list|remove`: the numbers the voice portal (F3) and its callback
/// (K1) serve, each with the line its calls go through.
struct PortalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "Voice portal numbers: callers allowed to dial out through a line (route a DID with `telefonia did route --portal`).",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Authorise a caller number (or change its line).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Caller number with country code, e.g. +55 31 99999-9999.") var number: String
        @Option(help: "The line its calls go through (its permissions, plan and credit).") var line: String
        @Flag(help: "Keep the number but refuse it for now.") var disabled = false

        func run() throws {
            let store = try global.openFacilityStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            let number = try Input.e164(number)
            try store.save(PortalNumber(tenantID: owner.id, number: number, line: line, enabled: !disabled))
            print("portal number \(number) of tenant \(owner.id) calls through line \(line)" + (disabled ? " (disabled)" : ""))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's portal numbers.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openFacilityStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("NUMBER", "LINE", "STATUS")
            for entry in try store.portalNumbers(tenantID: owner.id) {
                table.append([entry.number, entry.line, entry.enabled ? "enabled" : "disabled"])
            }
            table.print()
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop serving a caller number.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Caller number.") var number: String

        func run() throws {
            let store = try global.openFacilityStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            let number = try Input.e164(number)
            try store.removePortalNumber(tenantID: owner.id, number: number)
            print("removed portal number \(number) of tenant \(owner.id)")
        }
    }
}

extension GlobalOptions {
    func openFacilityStore() throws -> any Store & FacilityStore {
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
