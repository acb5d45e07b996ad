import Logging
import NIOCore
import NIOPosix
import TelefoniaCore

/// The web phone (M2) gateway: each page's phone is a SIP user agent of this server
/// (`WebPhoneAgent`) whose media is bridged between the browser's WebRTC (ICE-lite,
/// DTLS-SRTP, G.711) and plain RTP. The server host makes one and gives it to the panel.
public final class WebRTCPhones: WebPhoneService {
    public struct Configuration: Sendable, Equatable {
        /// The SIP server the agents register with and call through (this server's port).
        public var sipHost: String
        public var sipPort: Int
        /// The address browsers send media to (announced as the ICE candidate).
        public var mediaAddress: String
        /// Where the browser-facing media sockets bind.
        public var mediaBindHost: String

        public init(sipHost: String = "127.0.0.1", sipPort: Int, mediaAddress: String, mediaBindHost: String = "0.0.0.0") {
            self.sipHost = sipHost
            self.sipPort = sipPort
            self.mediaAddress = mediaAddress
            self.mediaBindHost = mediaBindHost
        }
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let dtls: DTLSContext
    private let logger: Logger

    public init(configuration: Configuration, group: any EventLoopGroup, logger: Logger) throws {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        dtls = try DTLSContext()
    }

    public func connect(_ line: WebPhoneLine, events: @escaping @Sendable (WebPhoneEvent) -> Void) async throws -> any WebPhoneConnection {
        let server = try SocketAddress(ipAddress: configuration.sipHost, port: configuration.sipPort)
        let settings = WebPhoneAgent.Settings(
            tenantID: line.tenantID, line: line.line, domain: line.domain, ha1: line.ha1MD5, server: server,
            mediaAddress: configuration.mediaAddress, mediaBindHost: configuration.mediaBindHost)
        var logger = self.logger
        logger[metadataKey: "tel.tenant"] = "\(line.tenantID)"
        return try await WebPhoneAgent.start(settings: settings, loop: group.next(), dtls: dtls, logger: logger, events: events).get()
    }
}
