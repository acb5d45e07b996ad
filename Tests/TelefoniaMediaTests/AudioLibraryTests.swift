import Foundation
import Testing
import TelefoniaCore
import TelefoniaMedia
import TelefoniaStorage

/// The two stores the library runs on.
enum StoreKind: String, CaseIterable, Sendable {
    case memory, sqlite

    /// A store with tenants acme and beta.
    func make(in folder: URL) throws -> any AudioStore & Store {
        let store: any AudioStore & Store = switch self {
        case .memory: MemoryStore()
        case .sqlite: try SQLStore(path: folder.appendingPathComponent("telefonia.sqlite").path)
        }
        try store.save(Tenant(id: "acme", domain: "acme.example", name: "Acme"))
        try store.save(Tenant(id: "beta", domain: "beta.example", name: "Beta"))
        return store
    }
}

@Suite struct AudioLibraryTests {
    /// Files in the library's folder (relative paths), for "nothing half-stored" checks.
    private func storedFiles(_ folder: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isFolder)
            if !isFolder.boolValue { files.append(path) }
        }
        return files.sorted()
    }

    /// Add (MP3 and WAV), list, fetch PCM, rename and remove, on both stores.
    @Test(arguments: StoreKind.allCases)
    func managesATenantsFiles(kind: StoreKind) throws {
        try withTemporaryFolder { folder in
            let store = try kind.make(in: folder)
            let audio = folder.appendingPathComponent("audio")
            let library = AudioLibrary(folder: audio, store: store, now: { 1_700_000_000_000 })
            let mp3 = folder.appendingPathComponent("welcome.mp3")
            try Tools.mp3Tone(mp3, frequency: 1000, seconds: 2)
            let wav = folder.appendingPathComponent("moh.wav")
            try Tools.soxTone(wav, frequency: 500, seconds: 3, rate: 44100, channels: 2)

            let welcome = try library.add(tenantID: "acme", name: "boas-vindas", kind: .prompt, contentsOf: mp3)
            #expect(welcome.sourceFormat == "mp3" && abs(welcome.milliseconds - 2000) <= 30)
            try library.add(tenantID: "acme", name: "musica", kind: .musicOnHold, contentsOf: wav)
            #expect(try library.list(tenantID: "acme").map(\.name) == ["boas-vindas", "musica"])
            #expect(try library.list(tenantID: "acme").map(\.kind) == [.prompt, .musicOnHold])
            #expect(try library.list(tenantID: "acme").first?.addedAt == 1_700_000_000_000)
            let pcm = try library.pcm(tenantID: "acme", name: "musica")
            #expect(pcm.count == 24000 && Measure.toneShare(pcm, 500) > 0.97)
            // Stored as 8 kHz mono WAV under audio/acme/.
            let stored = storedFiles(audio)
            #expect(stored.count == 2 && stored.allSatisfy { $0.hasPrefix("acme/") && $0.hasSuffix(".wav") })

            try library.rename(tenantID: "acme", from: "boas-vindas", to: "bem-vindo")
            #expect(try library.list(tenantID: "acme").map(\.name) == ["bem-vindo", "musica"])
            #expect(Measure.toneShare(try library.pcm(tenantID: "acme", name: "bem-vindo"), 1000) > 0.95)
            #expect(storedFiles(audio) == stored)

            try library.remove(tenantID: "acme", name: "musica")
            #expect(try library.list(tenantID: "acme").map(\.name) == ["bem-vindo"])
            #expect(storedFiles(audio).count == 1)
            #expect(throws: StoreError(.notFound, "tenant acme has no audio file named musica")) {
                try library.pcm(tenantID: "acme", name: "musica")
            }
        }
    }

    /// A damaged, empty or non-audio file is refused with a clear error, and neither a
    /// row nor a file is left behind; so are bad names, taken names and unknown tenants.
    @Test(arguments: StoreKind.allCases)
    func refusesBadUploadsStoringNothing(kind: StoreKind) throws {
        try withTemporaryFolder { folder in
            let store = try kind.make(in: folder)
            let audio = folder.appendingPathComponent("audio")
            let library = AudioLibrary(folder: audio, store: store)
            #expect(throws: AudioError(.empty, "the file is empty")) {
                try library.add(tenantID: "acme", name: "x", kind: .prompt, bytes: [])
            }
            #expect(throws: AudioError(.notAudio, "the file is text, not MP3 or WAV audio")) {
                try library.add(tenantID: "acme", name: "x", kind: .prompt, bytes: Array("not audio\n".utf8))
            }
            let mp3 = folder.appendingPathComponent("t.mp3")
            try Tools.mp3Tone(mp3, seconds: 3)
            var damaged = [UInt8](try Data(contentsOf: mp3))
            for index in damaged.count / 4..<damaged.count * 3 / 4 { damaged[index] = UInt8(truncatingIfNeeded: index &* 7919) }
            #expect(throws: AudioError.self) { try library.add(tenantID: "acme", name: "x", kind: .prompt, bytes: damaged) }
            #expect(throws: StoreError(.notFound, "unknown tenant nope")) {
                try library.add(tenantID: "nope", name: "x", kind: .prompt, contentsOf: mp3)
            }
            #expect(throws: StoreError.self) { try library.add(tenantID: "../etc", name: "x", kind: .prompt, contentsOf: mp3) }
            for name in ["", ".hidden", "-x", "a/b", "nome com espaço", String(repeating: "a", count: 65)] {
                #expect(throws: StoreError.self, "\(name)") { try library.add(tenantID: "acme", name: name, kind: .prompt, contentsOf: mp3) }
            }
            #expect(try library.list(tenantID: "acme").isEmpty)
            #expect(storedFiles(audio).isEmpty)

            try library.add(tenantID: "acme", name: "x", kind: .prompt, contentsOf: mp3)
            #expect(throws: StoreError(.duplicate, "tenant acme already has an audio file named x; remove or rename it first")) {
                try library.add(tenantID: "acme", name: "x", kind: .musicOnHold, contentsOf: mp3)
            }
            try library.add(tenantID: "acme", name: "y", kind: .prompt, contentsOf: mp3)
            #expect(throws: StoreError(.duplicate, "tenant acme already has an audio file named y")) {
                try library.rename(tenantID: "acme", from: "x", to: "y")
            }
            #expect(throws: StoreError(.notFound, "tenant acme has no audio file named z")) {
                try library.rename(tenantID: "acme", from: "z", to: "w")
            }
            #expect(throws: StoreError(.notFound, "tenant acme has no audio file named z")) {
                try library.remove(tenantID: "acme", name: "z")
            }
            #expect(storedFiles(audio).count == 2)
        }
    }

    /// Tenants never see each other's files, even with the same names.
    @Test(arguments: StoreKind.allCases)
    func keepsTenantsApart(kind: StoreKind) throws {
        try withTemporaryFolder { folder in
            let store = try kind.make(in: folder)
            let library = AudioLibrary(folder: folder.appendingPathComponent("audio"), store: store)
            let low = folder.appendingPathComponent("low.wav"), high = folder.appendingPathComponent("high.wav")
            try Tools.soxTone(low, frequency: 400, seconds: 1)
            try Tools.soxTone(high, frequency: 1600, seconds: 1)
            try library.add(tenantID: "acme", name: "saudacao", kind: .prompt, contentsOf: low)
            try library.add(tenantID: "beta", name: "saudacao", kind: .prompt, contentsOf: high)
            try library.add(tenantID: "beta", name: "so-da-beta", kind: .prompt, contentsOf: high)
            #expect(try library.list(tenantID: "acme").map(\.name) == ["saudacao"])
            #expect(Measure.toneShare(try library.pcm(tenantID: "acme", name: "saudacao"), 400) > 0.97)
            #expect(Measure.toneShare(try library.pcm(tenantID: "beta", name: "saudacao"), 1600) > 0.97)
            #expect(throws: StoreError.self) { try library.pcm(tenantID: "acme", name: "so-da-beta") }
            #expect(throws: StoreError.self) { try library.remove(tenantID: "acme", name: "so-da-beta") }
            #expect(try library.audio(named: "so-da-beta", tenantID: "acme") == nil)
            try library.remove(tenantID: "acme", name: "saudacao")
            #expect(Measure.toneShare(try library.pcm(tenantID: "beta", name: "saudacao"), 1600) > 0.97)
            // Removing a tenant removes its rows.
            try store.removeTenant(id: "beta")
            #expect(try library.list(tenantID: "beta").isEmpty)
        }
    }

    /// A prompt is the tenant's file of that name, else the default prompt; other tenants
    /// keep hearing the default.
    @Test func tenantFilesReplaceDefaultPrompts() throws {
        try withTemporaryFolder { folder in
            let store = try StoreKind.memory.make(in: folder)
            let defaults = folder.appendingPathComponent("prompts")
            try FileManager.default.createDirectory(at: defaults, withIntermediateDirectories: true)
            try Tools.soxTone(defaults.appendingPathComponent("opcao-invalida.wav"), frequency: 700, seconds: 1)
            try Tools.soxTone(defaults.appendingPathComponent("beep.wav"), frequency: 1000, seconds: 0.25, rate: 16000)
            let library = AudioLibrary(folder: folder.appendingPathComponent("audio"), store: store, defaultPrompts: defaults)
            let own = folder.appendingPathComponent("own.wav")
            try Tools.soxTone(own, frequency: 1300, seconds: 1)
            try library.add(tenantID: "acme", name: "opcao-invalida", kind: .prompt, contentsOf: own)

            #expect(Measure.toneShare(try #require(library.prompt(named: "opcao-invalida", tenantID: "acme")), 1300) > 0.97)
            #expect(Measure.toneShare(try #require(library.prompt(named: "opcao-invalida", tenantID: "beta")), 700) > 0.97)
            // A default WAV that is not 8 kHz is converted.
            #expect(try library.prompt(named: "beep", tenantID: "acme")?.count == 2000)
            #expect(library.prompt(named: "nao-existe", tenantID: "acme") == nil)
            #expect(library.prompt(named: "../prompts/beep", tenantID: "acme") == nil)
            #expect(library.defaultPromptNames() == ["beep", "opcao-invalida"])
            try library.remove(tenantID: "acme", name: "opcao-invalida")
            #expect(Measure.toneShare(try #require(library.prompt(named: "opcao-invalida", tenantID: "acme")), 700) > 0.97)
        }
    }

    /// Files no row names (a crash between writing and recording) are swept once old enough.
    @Test func removesOrphans() throws {
        try withTemporaryFolder { folder in
            let store = try StoreKind.memory.make(in: folder)
            let audio = folder.appendingPathComponent("audio")
            let library = AudioLibrary(folder: audio, store: store)
            let wav = folder.appendingPathComponent("t.wav")
            try Tools.soxTone(wav, seconds: 0.5)
            try library.add(tenantID: "acme", name: "kept", kind: .prompt, contentsOf: wav)
            let orphan = audio.appendingPathComponent("acme/0000.wav")
            try WAVWriter.write([1, 2, 3], to: orphan)
            #expect(try library.removeOrphans(tenantID: "acme") == 0) // too young: may be an upload in progress
            #expect(try library.removeOrphans(tenantID: "acme", minimumAge: 0) == 1)
            #expect(!FileManager.default.fileExists(atPath: orphan.path))
            #expect(try library.pcm(tenantID: "acme", name: "kept").count == 4000)
        }
    }
}
