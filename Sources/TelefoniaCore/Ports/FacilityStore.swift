/// The facilities that place calls (issue 12): the voice portal's authorised numbers
/// and the requests the panel and the CLI file for the server. Implemented by
/// `SQLStore` and `MemoryStore` with the same rules:
/// - a portal number is unique per tenant; `save` inserts or replaces, refusing what
///   `PortalNumber.problem()` refuses or a line the tenant does not have (`invalid`), or
///   an unknown tenant (`notFound`);
/// - a request is filed `pending` with a new id, refused as `FacilityRequest.problem()`
///   refuses or when its line does not exist (`invalid`); exactly one `claim` of a
///   pending request succeeds (another node's gets nil), and only the claimer updates it.
public protocol FacilityStore: AnyObject, Sendable {
    func portalNumbers(tenantID: String) throws -> [PortalNumber]
    func save(_ number: PortalNumber) throws
    @discardableResult func removePortalNumber(tenantID: String, number: String) throws -> PortalNumber

    /// Files a request; returns it with its id.
    func file(_ request: FacilityRequest) throws -> FacilityRequest
    func facilityRequest(id: Int64) throws -> FacilityRequest?
    /// A tenant's newest requests first.
    func facilityRequests(tenantID: String, limit: Int) throws -> [FacilityRequest]
    /// Requests no server took yet, oldest first.
    func pendingFacilityRequests() throws -> [FacilityRequest]
    /// Takes pending request `id` for server `node` to carry out (state `running`); nil
    /// when it is not pending any more (another node took it).
    func claim(facilityRequest id: Int64, node: String) throws -> FacilityRequest?
    /// Ends the requests `node` was running as interrupted (it restarted: their calls are
    /// gone with it) at `at`; returns how many.
    @discardableResult func interruptFacilityRequests(node: String, at: Int64) throws -> Int
    /// Writes what came of a request (legs, result, state).
    func update(_ request: FacilityRequest) throws
}
