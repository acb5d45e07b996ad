/// Portal numbers and facility requests in memory; the rules of `FacilityStore`.
extension MemoryStore: FacilityStore {
    public func portalNumbers(tenantID: String) throws -> [PortalNumber] {
        withState { state in (state.portalNumbers[tenantID] ?? [:]).values.sorted { $0.number < $1.number } }
    }

    public func save(_ number: PortalNumber) throws {
        try withState { state in
            guard state.tenants[number.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(number.tenantID)") }
            if let problem = number.problem() { throw StoreError(.invalid, problem) }
            guard state.lines[LineKey(tenantID: number.tenantID, extensionNumber: number.line)] != nil else {
                throw StoreError(.invalid, "tenant \(number.tenantID) has no line \(number.line)")
            }
            state.portalNumbers[number.tenantID, default: [:]][number.number] = number
        }
    }

    @discardableResult
    public func removePortalNumber(tenantID: String, number: String) throws -> PortalNumber {
        try withState { state in
            guard let removed = state.portalNumbers[tenantID]?.removeValue(forKey: number) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no portal number \(number)")
            }
            return removed
        }
    }

    public func file(_ request: FacilityRequest) throws -> FacilityRequest {
        try withState { state in
            guard state.tenants[request.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(request.tenantID)") }
            if let problem = request.problem() { throw StoreError(.invalid, problem) }
            guard state.lines[LineKey(tenantID: request.tenantID, extensionNumber: request.line)] != nil else {
                throw StoreError(.invalid, "tenant \(request.tenantID) has no line \(request.line)")
            }
            var filed = request
            filed.id = Int64(state.facilityRequests.count + 1)
            filed.state = .pending
            state.facilityRequests.append(filed)
            return filed
        }
    }

    public func facilityRequest(id: Int64) throws -> FacilityRequest? {
        withState { $0.facilityRequests.first { $0.id == id } }
    }

    public func facilityRequests(tenantID: String, limit: Int) throws -> [FacilityRequest] {
        withState { Array($0.facilityRequests.filter { $0.tenantID == tenantID }.reversed().prefix(limit)) }
    }

    public func pendingFacilityRequests() throws -> [FacilityRequest] {
        withState { $0.facilityRequests.filter { $0.state == .pending } }
    }

    public func claim(facilityRequest id: Int64, node: String) throws -> FacilityRequest? {
        withState { state in
            guard let index = state.facilityRequests.firstIndex(where: { $0.id == id && $0.state == .pending }) else { return nil }
            state.facilityRequests[index].state = .running
            state.facilityRequests[index].node = node
            return state.facilityRequests[index]
        }
    }

    @discardableResult
    public func interruptFacilityRequests(node: String, at: Int64) throws -> Int {
        withState { state in
            var count = 0
            for index in state.facilityRequests.indices where state.facilityRequests[index].state == .running
                && state.facilityRequests[index].node == node {
                state.facilityRequests[index].state = .done
                state.facilityRequests[index].result = FacilityRequest.interrupted
                state.facilityRequests[index].doneAt = at
                count += 1
            }
            return count
        }
    }

    public func update(_ request: FacilityRequest) throws {
        try withState { state in
            guard let index = state.facilityRequests.firstIndex(where: { $0.id == request.id }) else {
                throw StoreError(.notFound, "no facility request \(request.id)")
            }
            state.facilityRequests[index] = request
        }
    }
}
