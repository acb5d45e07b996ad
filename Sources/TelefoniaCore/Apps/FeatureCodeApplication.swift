import Logging

/// A feature code dialled by a line (`FeatureCodes`: *26 DND, *21N forward…): changes
/// the line's features in the store, then says "serviço ativado" or "serviço
/// desativado" and hangs up. Free, like every application code.
public struct FeatureCodeApplication: CallApplication {
    public let name: String
    private let tenantID: String
    private let extensionNumber: String
    private let request: FeatureCodes.Request
    private let store: any CallFlowStore

    /// The application for an engine's name ("feature:acme:201:*26"); nil for other names.
    public init?(named name: String, store: any CallFlowStore) {
        guard name.hasPrefix(FeatureCodes.applicationPrefix) else { return nil }
        let parts = name.dropFirst(FeatureCodes.applicationPrefix.count).split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, let request = FeatureCodes.request(dialled: parts[2]) else { return nil }
        self.name = name
        self.tenantID = parts[0]
        self.extensionNumber = parts[1]
        self.request = request
        self.store = store
    }

    public func run(on channel: any CallChannel, logger: Logger) async {
        do {
            let features = try store.lineFeatures(tenantID: tenantID, extensionNumber: extensionNumber)
            try store.save(request.applied(to: features))
            logger.info("line features changed", metadata: ["tel.tenant": "\(tenantID)", "line": "\(extensionNumber)", "request": "\(request)"])
            _ = try? await channel.beep()
            _ = try? await channel.play(.prompt(request.turnsOn ? Prompts.serviceOn : Prompts.serviceOff), bargeIn: false)
        } catch {
            logger.warning("feature code refused", metadata: ["line": "\(extensionNumber)", "error": "\(error)"])
            _ = try? await channel.play(.prompt(Prompts.invalidOption), bargeIn: false)
        }
        _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
    }
}
