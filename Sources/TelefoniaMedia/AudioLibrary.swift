import Foundation
import Logging
import TelefoniaCore

/// Tenants' audio files (F2) and the default prompts, as 8 kHz mono PCM ready to play.
///
/// Files live under `folder/<tenant>/` as WAV (8 kHz mono 16-bit) named by a random
/// id, with a row per file in the `AudioStore`; a tenant sees only its own rows and
/// folder. Adding decodes first (a damaged or non-audio file is refused before anything
/// is written), then writes the PCM to a temporary name, syncs and renames it, and only
/// then inserts the row; if the row cannot be inserted the file is removed. So a
/// failure never leaves a row without its file, and at worst (a crash between the
/// rename and the insert) an unlisted file, which `removeOrphans` clears.
///
/// Prompts are looked up by name: the tenant's own file of that name, else the default
/// prompt `defaultPrompts/<name>.wav` (see `Prompts`). Decoded PCM is cached by file
/// (a replaced file has a new id, so the cache is never stale, even across processes).
public final class AudioLibrary: @unchecked Sendable {
    /// The folder holding one folder per tenant (`<data.dir>/audio`).
    public let folder: URL
    /// The default prompt set (`prompts/pt-BR`), if any.
    public let defaultPrompts: URL?
    private let store: any AudioStore
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let cache: PCMCache

    /// A library on `folder` with rows in `store`; `cacheSeconds` of audio are kept
    /// decoded in memory (default one hour: 57 MB).
    public init(
        folder: URL, store: any AudioStore, defaultPrompts: URL? = nil, cacheSeconds: Int = 3600,
        logger: Logger = Logger(label: "telefonia.audio"),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.folder = folder
        self.defaultPrompts = defaultPrompts
        self.store = store
        self.logger = logger
        self.now = now
        cache = PCMCache(capacity: cacheSeconds * AudioDecoder.sampleRate)
    }

    // MARK: - Managing files

    /// Adds a file from disk (MP3 or WAV); see `add(tenantID:name:kind:bytes:)`.
    @discardableResult
    public func add(tenantID: String, name: String, kind: AudioFile.Kind, contentsOf url: URL) throws -> AudioFile {
        try add(tenantID: tenantID, name: name, kind: kind, bytes: try AudioDecoder.read(url))
    }

    /// Decodes and stores a file under `name`. Refused, with nothing stored: an invalid
    /// name, a name the tenant already uses (`StoreError.duplicate`), an unknown tenant
    /// (`StoreError.notFound`), audio that cannot be decoded (`AudioError`).
    @discardableResult
    public func add(tenantID: String, name: String, kind: AudioFile.Kind, bytes: [UInt8]) throws -> AudioFile {
        try Self.checkName(name)
        let tenantFolder = try self.tenantFolder(tenantID)
        if try store.audioFile(tenantID: tenantID, name: name) != nil {
            throw StoreError(.duplicate, "tenant \(tenantID) already has an audio file named \(name); remove or rename it first")
        }
        let decoded = try AudioDecoder.decode(bytes)
        do {
            try FileManager.default.createDirectory(at: tenantFolder, withIntermediateDirectories: true)
        } catch {
            throw AudioError(.io, "cannot create the folder \(tenantFolder.path): \(error.localizedDescription)")
        }
        let fileName = UUID().uuidString.lowercased() + ".wav"
        let url = tenantFolder.appendingPathComponent(fileName)
        try WAVWriter.write(decoded.samples, to: url, durable: true)
        let file = AudioFile(
            tenantID: tenantID, name: name, kind: kind, fileName: fileName, samples: decoded.samples.count,
            sourceFormat: decoded.format.rawValue, sourceBytes: bytes.count, addedAt: now())
        do {
            try store.add(file)
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        cache.insert(decoded.samples, for: url.path)
        logger.debug("added audio file", metadata: [
            "tel.tenant": "\(tenantID)", "tel.audio": "\(name)", "tel.audio_file": "\(fileName)",
        ])
        return file
    }

    /// A tenant's files, by name.
    public func list(tenantID: String) throws -> [AudioFile] {
        try store.audioFiles(tenantID: tenantID)
    }

    /// One of a tenant's files, or nil.
    public func file(tenantID: String, name: String) throws -> AudioFile? {
        try store.audioFile(tenantID: tenantID, name: name)
    }

    /// Renames a file (only its row changes).
    public func rename(tenantID: String, from name: String, to newName: String) throws {
        try Self.checkName(newName)
        try store.renameAudioFile(tenantID: tenantID, from: name, to: newName)
    }

    /// Removes a file: its row, then the WAV.
    public func remove(tenantID: String, name: String) throws {
        let file = try store.removeAudioFile(tenantID: tenantID, name: name)
        let url = try tenantFolder(tenantID).appendingPathComponent(file.fileName)
        cache.remove(url.path)
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            // The row is gone, so the file is an orphan now; removeOrphans will take it.
            logger.debug("could not remove an audio file", metadata: ["tel.tenant": "\(tenantID)", "tel.audio_file": "\(url.path)"])
        }
    }

    /// Removes files in the tenant's folder that no row names (left by a crash between
    /// writing a file and recording it) and stray temporary files, when older than
    /// `minimumAge` seconds (younger ones may belong to an upload in progress elsewhere).
    /// Returns how many were removed.
    @discardableResult
    public func removeOrphans(tenantID: String, minimumAge: TimeInterval = 3600) throws -> Int {
        let tenantFolder = try tenantFolder(tenantID)
        let known = Set(try store.audioFiles(tenantID: tenantID).map(\.fileName))
        let entries = (try? FileManager.default.contentsOfDirectory(
            at: tenantFolder, includingPropertiesForKeys: [.contentModificationDateKey], options: [])) ?? []
        var removed = 0
        for entry in entries where !known.contains(entry.lastPathComponent) {
            let modified = (try? entry.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            guard Date().timeIntervalSince(modified) >= minimumAge else { continue }
            if (try? FileManager.default.removeItem(at: entry)) != nil { removed += 1 }
        }
        return removed
    }

    // MARK: - Audio

    /// The PCM of one of a tenant's files (its own only; see `audio(named:tenantID:)`).
    public func pcm(tenantID: String, name: String) throws -> [Int16] {
        guard let file = try store.audioFile(tenantID: tenantID, name: name) else {
            throw StoreError(.notFound, "tenant \(tenantID) has no audio file named \(name)")
        }
        return try load(try tenantFolder(tenantID).appendingPathComponent(file.fileName))
    }

    /// The PCM of `name` for a tenant: its own file of that name, else the default
    /// prompt; nil when neither exists.
    public func audio(named name: String, tenantID: String) throws -> [Int16]? {
        if AudioFile.isValidName(tenantID), let file = try store.audioFile(tenantID: tenantID, name: name) {
            return try load(try tenantFolder(tenantID).appendingPathComponent(file.fileName))
        }
        guard let url = defaultPromptURL(name) else { return nil }
        return try load(url)
    }

    /// The same, for playing: errors are logged and give nil (a channel then reports an unknown prompt).
    /// Matches `PromptProvider.prompt(named:tenantID:)`.
    public func prompt(named name: String, tenantID: String) -> [Int16]? {
        do {
            return try audio(named: name, tenantID: tenantID)
        } catch {
            logger.debug("cannot load a prompt", metadata: [
                "tel.tenant": "\(tenantID)", "tel.audio": "\(name)", "error": "\(error)",
            ])
            return nil
        }
    }

    /// Names of the default prompts present on disk, sorted.
    public func defaultPromptNames() -> [String] {
        guard let defaultPrompts,
              let names = try? FileManager.default.contentsOfDirectory(atPath: defaultPrompts.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".wav") && !$0.hasPrefix(".") }.map { String($0.dropLast(4)) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    // MARK: - Helpers

    private func defaultPromptURL(_ name: String) -> URL? {
        guard let defaultPrompts, AudioFile.isValidName(name) else { return nil }
        let url = defaultPrompts.appendingPathComponent(name + ".wav")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// PCM of a WAV the library or the prompt script wrote (decoded again if it is not 8 kHz mono).
    private func load(_ url: URL) throws -> [Int16] {
        if let samples = cache.samples(for: url.path) { return samples }
        let file = try WAVFile(contentsOf: url)
        let samples = file.sampleRate == AudioDecoder.sampleRate && file.channels == 1
            ? file.samples
            : try AudioDecoder.decodeWAV(try AudioDecoder.read(url)).samples
        cache.insert(samples, for: url.path)
        return samples
    }

    private func tenantFolder(_ tenantID: String) throws -> URL {
        try Tenant.folder(under: folder, tenantID: tenantID)
    }

    static func checkName(_ name: String) throws {
        guard AudioFile.isValidName(name) else {
            throw StoreError(.invalid,
                "'\(name)' is not a valid audio name: use 1 to 64 letters, digits, '-', '_' and '.', not starting with '.' or '-'")
        }
    }
}
