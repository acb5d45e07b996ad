import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaMedia
import TelefoniaStorage

extension AudioFile.Kind: ExpressibleByArgument {}

/// `telefonia audio add|list|rename|get|remove`: tenants' music on hold and prompts (F2).
struct AudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Manage tenants' audio files: music on hold and prompts (MP3 or WAV).",
        discussion: """
            Files are decoded when added and kept as 8 kHz mono WAV under <data dir>/audio/<tenant>/; \
            a damaged or non-audio file is refused and nothing is stored. A prompt named like a default \
            prompt (e.g. opcao-invalida) replaces it for that tenant. The data dir is --data-dir, else \
            $TELEFONIA_DATA_DIR, else the folder of the database.
            """,
        subcommands: [Add.self, List.self, Rename.self, Get.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an MP3 or WAV file to a tenant's audio.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var audio: AudioOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Name to play it by (letters, digits, '-', '_', '.'), e.g. boas-vindas.") var name: String
        @Argument(help: "The MP3 or WAV file.") var file: String
        @Option(help: "moh (music on hold) or prompt.") var kind: AudioFile.Kind = .prompt

        func run() throws {
            let library = try audio.library(global, tenant: tenant)
            let added = try AudioOptions.attempt("cannot add \(file)") {
                try library.add(tenantID: tenant, name: name, kind: kind, contentsOf: URL(fileURLWithPath: file))
            }
            print("added \(AudioOptions.label(added.kind)) \(added.name) to tenant \(tenant) "
                + "(\(AudioOptions.seconds(added.samples)), from \(added.sourceFormat.uppercased()))")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's audio files.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var audio: AudioOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let library = try audio.library(global, tenant: tenant)
            var table = TextTable("NAME", "KIND", "DURATION", "SOURCE", "ADDED")
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone.current
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            for file in try library.list(tenantID: tenant) {
                table.append([
                    file.name, file.kind.rawValue, AudioOptions.seconds(file.samples),
                    "\(file.sourceFormat) \(AudioOptions.size(file.sourceBytes))",
                    formatter.string(from: Date(timeIntervalSince1970: Double(file.addedAt) / 1000)),
                ])
            }
            table.print()
        }
    }

    struct Rename: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename one of a tenant's audio files.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var audio: AudioOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Current name.") var old: String
        @Argument(help: "New name.") var new: String

        func run() throws {
            let library = try audio.library(global, tenant: tenant)
            try library.rename(tenantID: tenant, from: old, to: new)
            print("renamed audio \(old) to \(new) for tenant \(tenant)")
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write one of a tenant's audio files as 8 kHz mono WAV.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var audio: AudioOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Name of the audio file.") var name: String
        @Option(help: ArgumentHelp("Where to write the WAV.", valueName: "file.wav")) var out: String

        func run() throws {
            let library = try audio.library(global, tenant: tenant)
            let samples = try AudioOptions.attempt("cannot read \(name)") { try library.pcm(tenantID: tenant, name: name) }
            try AudioOptions.attempt("cannot write \(out)") {
                try WAVWriter.write(samples, to: URL(fileURLWithPath: out))
            }
            print("wrote \(name) (\(AudioOptions.seconds(samples.count)), 8000 Hz mono) to \(out)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one of a tenant's audio files.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var audio: AudioOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Name of the audio file.") var name: String

        func run() throws {
            let library = try audio.library(global, tenant: tenant)
            try library.remove(tenantID: tenant, name: name)
            print("removed audio \(name) from tenant \(tenant)")
        }
    }
}

/// Where the audio files are, and the shared helpers of the audio commands.
struct AudioOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp("Data folder holding audio/ (default: $TELEFONIA_DATA_DIR, else the database's folder).", valueName: "path")
    )
    var dataDirectory: String?

    /// The library of an existing tenant.
    func library(_ global: GlobalOptions, tenant: String) throws -> AudioLibrary {
        let store = try SQLStore(url: global.databasePath, logger: Logger(label: "telefonia.cli"))
        guard try store.tenant(id: tenant) != nil else {
            throw CLIError("unknown tenant \(tenant); see `telefonia tenant list`")
        }
        var folder: URL
        if let dataDirectory, !dataDirectory.isEmpty {
            folder = URL(fileURLWithPath: dataDirectory)
        } else if let environment = ProcessInfo.processInfo.environment["TELEFONIA_DATA_DIR"], !environment.isEmpty {
            folder = URL(fileURLWithPath: environment)
        } else if SQLStore.isPostgres(global.databasePath) {
            throw CLIError("the database is PostgreSQL: say where the server's audio files are with --data-dir or $TELEFONIA_DATA_DIR")
        } else {
            folder = URL(fileURLWithPath: global.databasePath).deletingLastPathComponent()
        }
        folder.appendPathComponent("audio", isDirectory: true)
        return AudioLibrary(folder: folder, store: store, logger: Logger(label: "telefonia.cli"))
    }

    /// Runs `body`, turning an `AudioError` into "<context>: <reason>".
    static func attempt<T>(_ context: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as AudioError {
            throw CLIError("\(context): \(error.message)")
        }
    }

    /// "2.5 s".
    static func seconds(_ samples: Int) -> String {
        String(format: "%.1f s", Double(samples) / Double(AudioDecoder.sampleRate))
    }

    /// "12 KB", "3.4 MB".
    static func size(_ bytes: Int) -> String {
        bytes < 1024 * 1024 ? "\(max(1, (bytes + 512) / 1024)) KB" : String(format: "%.1f MB", Double(bytes) / 1024 / 1024)
    }

    /// "prompt" or "music on hold".
    static func label(_ kind: AudioFile.Kind) -> String {
        kind == .prompt ? "prompt" : "music on hold"
    }
}
