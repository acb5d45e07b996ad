import Testing
import TelefoniaCore

@Suite struct MemoryStoreTests {
    /// Every rule of the Store contract holds in memory too, so tests on it predict SQLite.
    @Test(arguments: StoreContract.all)
    func followsTheStoreContract(_ check: StoreCheck) throws {
        try check.run(MemoryStore())
    }

    /// The convenience initialiser saves configuration in dependency order.
    @Test func startsWithGivenConfiguration() throws {
        let store = try MemoryStore(
            trunks: [Fixtures.trunk], tenants: [Fixtures.acme], lines: [Fixtures.line("acme", "1001")],
            dids: [DID(number: "+551130001000", tenantID: "acme", extensionNumber: "1001")]
        )
        #expect(try store.did(number: "+551130001000")?.extensionNumber == "1001")
        #expect(try store.tenant(domain: "acme.pbx.example")?.trunkID == "carrier1")
    }
}
