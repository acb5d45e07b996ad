import COSIP
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Routes libosip2's own trace (its complaints about messages it parses, e.g.
/// "No space allowed here") into swift-log at debug level instead of stderr.
///
/// libosip2 keeps one process-wide trace function; it is installed once, before the
/// first parse (`SIPParser.initialized`). The C callback cannot capture context, so
/// the logger is a static.
enum OSIPTrace {
    static let logger = Logger(label: "telefonia.sip.osip")

    static func install() {
        // Fatal, bug, error and warning only (levels below INFO1): libosip2's INFO levels
        // would call back for every header it parses.
        osip_trace_initialize_func(TRACE_LEVEL4, { file, line, level, format, arguments in
            guard let format, let arguments, OSIPTrace.logger.logLevel <= .debug else { return }
            var buffer = [CChar](repeating: 0, count: 512)
            _ = vsnprintf(&buffer, buffer.count, format, arguments)
            var text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            while text.last == "\n" || text.last == "\r" { text.removeLast() }
            OSIPTrace.logger.debug("\(text)", metadata: [
                "osip.file": "\(file.map { String(cString: $0) } ?? "?"):\(line)",
                "osip.level": "\(level.rawValue)",
            ])
        })
    }
}
