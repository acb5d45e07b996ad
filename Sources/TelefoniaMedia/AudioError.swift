/// Why an audio file could not be read, written or stored; `message` says it to the user.
public struct AudioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for code that reacts to it.
    public enum Code: String, Sendable {
        /// The file has no bytes, or no samples.
        case empty
        /// Neither MP3 nor WAV (a text file, an image, another audio format).
        case notAudio
        /// MP3 or WAV whose data is damaged.
        case corrupt
        /// A WAV cut short (the header promises more audio than the file has).
        case truncated
        /// A WAV encoding or layout this decoder does not read.
        case unsupported
        /// Longer than the library accepts.
        case tooLong
        /// The disk (reading, writing, renaming a file).
        case io
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
