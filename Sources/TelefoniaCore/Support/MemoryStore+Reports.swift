/// The reports computed in Swift over the records in memory, with the same results
/// as `SQLStore`'s SQL (checked by the storage tests on the same data).
extension MemoryStore: ReportStore {
    public func reportCalls(_ filter: ReportFilter, limit: Int?, offset: Int) throws -> (total: Int, records: [CDR]) {
        withState { state in
            // Records are kept in start order, then id: the report's order.
            let matching = state.cdrs.filter(filter.matches)
            let records = matching.dropFirst(max(offset, 0)).prefix(limit.map { max($0, 0) } ?? Int.max)
            return (matching.count, Array(records))
        }
    }

    public func lineUsage(_ filter: ReportFilter) throws -> [LineUsage] {
        withState { state in
            var groups: [String?: LineUsage] = [:]
            for cdr in state.cdrs where filter.matches(cdr) {
                groups[cdr.line, default: LineUsage(line: cdr.line)].add(cdr)
            }
            // SQLite sorts NULL before any text, and text by bytes.
            return groups.values.sorted { a, b in
                switch (a.line, b.line) {
                case (nil, _): return b.line != nil
                case (_, nil): return false
                case (let x?, let y?): return x.utf8.lexicographicallyPrecedes(y.utf8)
                }
            }
        }
    }

    public func prefixUsage(_ filter: ReportFilter) throws -> [PrefixUsage] {
        withState { state in
            var groups: [String: PrefixUsage] = [:]
            for cdr in state.cdrs where filter.matches(cdr) {
                let prefix = ReportPrefix.of(normalized: cdr.normalized, numberClass: cdr.numberClass)
                groups[prefix, default: PrefixUsage(prefix: prefix)].add(cdr)
            }
            return groups.values.sorted { a, b in
                a.total != b.total ? a.total > b.total : a.prefix.utf8.lexicographicallyPrecedes(b.prefix.utf8)
            }
        }
    }

    public func hourlyCalls(_ filter: ReportFilter) throws -> [HourlyCalls] {
        guard let from = filter.from else { throw StoreError(.invalid, "hourly calls need the start of the day") }
        return withState { state in
            var hours = (0..<24).map { HourlyCalls(hour: $0) }
            for cdr in state.cdrs where filter.matches(cdr) {
                let hour = Int((cdr.startedAt - from) / 3_600_000)
                guard hours.indices.contains(hour), let numberClass = cdr.numberClass else { continue }
                if numberClass.isMobile { hours[hour].mobile += 1 }
                if numberClass.isFixed { hours[hour].fixed += 1 }
            }
            return hours
        }
    }

    public func reportPageSize(tenantID: String) throws -> Int {
        withState { $0.reportPageSizes[tenantID] ?? ReportSettings.defaultPageSize }
    }

    public func setReportPageSize(_ rows: Int, tenantID: String) throws {
        try ReportSettings.validate(pageSize: rows)
        try withState { state in
            guard state.tenants[tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(tenantID)") }
            state.reportPageSizes[tenantID] = rows
        }
    }

    @discardableResult
    public func purgeCDRs(olderThan cutoff: Int64) throws -> Int {
        withState { state in
            let before = state.cdrs.count
            state.cdrs.removeAll { $0.startedAt < cutoff }
            state.cdrIDs = Set(state.cdrs.map(\.id))
            return before - state.cdrs.count
        }
    }
}
