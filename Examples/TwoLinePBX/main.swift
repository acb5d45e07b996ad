import Foundation
import Logging
import TelefoniaCore
import TelefoniaSIP

// A PBX with two lines configured in code, embedded in a program of its own:
// no files, an in-memory store. Register two phones as 2001 and 2002 (passwords
// below, domain 127.0.0.1, port 5062) and call one from the other.

let store = MemoryStore()
let domain = "127.0.0.1"
try store.save(Tenant(id: "office", domain: domain, name: "Office", areaCode: "11"))
for (ext, password) in [("2001", "secret2001"), ("2002", "secret2002")] {
    try store.save(Line(
        tenantID: "office", extensionNumber: ext,
        ha1MD5: Digest.ha1(username: ext, realm: domain, password: password, algorithm: .md5),
        ha1SHA256: Digest.ha1(username: ext, realm: domain, password: password, algorithm: .sha256)))
}

var configuration = ServerConfiguration()
configuration.sipPort = Int(ProcessInfo.processInfo.environment["PORT"] ?? "5062") ?? 5062
configuration.rtpPortMin = 30000
configuration.rtpPortMax = 30999
configuration.defaultTenant = "office"

let server = TelefoniaServer(configuration: configuration, store: store)
try await server.start()
print("two-line PBX on udp/tcp \(server.sipPort): lines 2001/secret2001 and 2002/secret2002")
let seconds = Int(ProcessInfo.processInfo.environment["RUN_SECONDS"] ?? "0") ?? 0
if seconds > 0 {
    try await Task.sleep(for: .seconds(seconds))
} else {
    while true { try await Task.sleep(for: .seconds(3600)) }
}
await server.shutdown()
