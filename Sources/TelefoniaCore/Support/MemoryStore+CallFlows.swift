/// `CallFlowStore` in memory, with the same rules as `SQLStore`.
extension MemoryStore: CallFlowStore {
    public func timeProfiles(tenantID: String) throws -> [TimeProfile] {
        withState { state in (state.timeProfiles[tenantID] ?? [:]).values.sorted { $0.name < $1.name } }
    }

    public func timeProfile(tenantID: String, name: String) throws -> TimeProfile? {
        withState { $0.timeProfiles[tenantID]?[name] }
    }

    public func save(_ profile: TimeProfile) throws {
        if let problem = profile.problem() { throw StoreError(.invalid, problem) }
        try withState { state in
            guard state.tenants[profile.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(profile.tenantID)") }
            state.timeProfiles[profile.tenantID, default: [:]][profile.name] = profile
        }
    }

    @discardableResult
    public func removeTimeProfile(tenantID: String, name: String) throws -> TimeProfile {
        try withState { state in
            guard let profile = state.timeProfiles[tenantID]?[name] else {
                throw StoreError(.notFound, "tenant \(tenantID) has no time profile \(name)")
            }
            if let user = (state.ivrMenus[tenantID] ?? [:]).values.sorted(by: { $0.number < $1.number }).first(where: { $0.timeProfile == name }) {
                throw StoreError(.invalid, "IVR \(user.number) uses time profile \(name)")
            }
            state.timeProfiles[tenantID]?[name] = nil
            return profile
        }
    }

    public func ivrMenus(tenantID: String) throws -> [IVRMenu] {
        withState { state in (state.ivrMenus[tenantID] ?? [:]).values.sorted { IVRMenu.precedes($0, $1) } }
    }

    public func ivrMenu(tenantID: String, number: String) throws -> IVRMenu? {
        withState { $0.ivrMenus[tenantID]?[number] }
    }

    public func save(_ menu: IVRMenu) throws {
        try withState { state in
            guard state.tenants[menu.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(menu.tenantID)") }
            if let problem = CallFlowRules.problem(
                with: menu,
                menuExists: { state.ivrMenus[menu.tenantID]?[$0] != nil },
                profileExists: { state.timeProfiles[menu.tenantID]?[$0] != nil },
                lineExists: { state.lines[LineKey(tenantID: menu.tenantID, extensionNumber: $0)] != nil },
                groupExists: { state.callGroups[menu.tenantID]?[$0] != nil },
                queueExists: { state.callQueues[menu.tenantID]?[$0] != nil }) {
                throw StoreError(.invalid, problem)
            }
            state.ivrMenus[menu.tenantID, default: [:]][menu.number] = menu
        }
    }

    @discardableResult
    public func removeIVRMenu(tenantID: String, number: String) throws -> IVRMenu {
        try withState { state in
            guard let menu = state.ivrMenus[tenantID]?[number] else {
                throw StoreError(.notFound, "tenant \(tenantID) has no IVR \(number)")
            }
            let others = (state.ivrMenus[tenantID] ?? [:]).values.sorted { IVRMenu.precedes($0, $1) }
            if let user = CallFlowRules.menu(leadingTo: number, among: others) {
                throw StoreError(.invalid, "IVR \(user.number) leads to IVR \(number)")
            }
            if let did = state.dids.values.sorted(by: { $0.number < $1.number })
                .first(where: { $0.tenantID == tenantID && $0.route == .ivr(number) }) {
                throw StoreError(.invalid, "DID \(did.number) is routed to IVR \(number)")
            }
            if let group = (state.callGroups[tenantID] ?? [:]).values.sorted(by: { $0.name < $1.name })
                .first(where: { $0.noAnswer == .menu(number) }) {
                throw StoreError(.invalid, "group \(group.name) overflows to IVR \(number)")
            }
            state.ivrMenus[tenantID]?[number] = nil
            return menu
        }
    }

    public func record(_ visit: IVRVisit) throws {
        withState { state in
            state.ivrVisits.removeAll { $0.callID == visit.callID }
            state.ivrVisits.append(visit)
        }
    }

    public func ivrVisits(tenantID: String, from: Int64?, to: Int64?, menu: String?) throws -> [IVRVisit] {
        withState { state in
            state.ivrVisits.filter { visit in
                visit.tenantID == tenantID && from.map { visit.startedAt >= $0 } != false && to.map { visit.startedAt < $0 } != false
                    && menu.map { m in visit.menu == m || visit.path.contains { $0.menu == m } } != false
            }.sorted { ($0.startedAt, $0.callID) < ($1.startedAt, $1.callID) }
        }
    }

    public func callGroups(tenantID: String) throws -> [CallGroup] {
        withState { state in (state.callGroups[tenantID] ?? [:]).values.sorted { $0.name < $1.name } }
    }

    public func callGroup(tenantID: String, name: String) throws -> CallGroup? {
        withState { $0.callGroups[tenantID]?[name] }
    }

    public func save(_ group: CallGroup) throws {
        try withState { state in
            guard state.tenants[group.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(group.tenantID)") }
            if let problem = CallFlowRules.problem(
                with: group,
                lineExists: { state.lines[LineKey(tenantID: group.tenantID, extensionNumber: $0)] != nil },
                groupExists: { state.callGroups[group.tenantID]?[$0] != nil },
                menuExists: { state.ivrMenus[group.tenantID]?[$0] != nil },
                queueExists: { state.callQueues[group.tenantID]?[$0] != nil }) {
                throw StoreError(.invalid, problem)
            }
            state.callGroups[group.tenantID, default: [:]][group.name] = group
        }
    }

    @discardableResult
    public func removeCallGroup(tenantID: String, name: String) throws -> CallGroup {
        try withState { state in
            guard let group = state.callGroups[tenantID]?[name] else {
                throw StoreError(.notFound, "tenant \(tenantID) has no call group \(name)")
            }
            let menus = (state.ivrMenus[tenantID] ?? [:]).values.sorted { IVRMenu.precedes($0, $1) }
            let groups = (state.callGroups[tenantID] ?? [:]).values.sorted { $0.name < $1.name }
            if let user = CallFlowRules.user(ofGroup: name, menus: menus, groups: groups) {
                throw StoreError(.invalid, "\(user) leads to group \(name)")
            }
            if let did = state.dids.values.sorted(by: { $0.number < $1.number })
                .first(where: { $0.tenantID == tenantID && $0.route == .group(name) }) {
                throw StoreError(.invalid, "DID \(did.number) is routed to group \(name)")
            }
            state.callGroups[tenantID]?[name] = nil
            return group
        }
    }

    public func lineFeatures(tenantID: String, extensionNumber: String) throws -> LineFeatures {
        withState { $0.lineFeatures[LineKey(tenantID: tenantID, extensionNumber: extensionNumber)] }
            ?? LineFeatures(tenantID: tenantID, extensionNumber: extensionNumber)
    }

    public func save(_ features: LineFeatures) throws {
        if let problem = CallFlowRules.problem(with: features) { throw StoreError(.invalid, problem) }
        try withState { state in
            let key = LineKey(tenantID: features.tenantID, extensionNumber: features.extensionNumber)
            guard state.lines[key] != nil else {
                throw StoreError(.notFound, "tenant \(features.tenantID) has no line \(features.extensionNumber)")
            }
            state.lineFeatures[key] = features.isDefault ? nil : features
        }
    }

    public func pickupGroups(tenantID: String) throws -> [PickupGroup] {
        withState { state in (state.pickupGroups[tenantID] ?? [:]).values.sorted { $0.name < $1.name } }
    }

    public func save(_ group: PickupGroup) throws {
        if let problem = group.problem() { throw StoreError(.invalid, problem) }
        try withState { state in
            guard state.tenants[group.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(group.tenantID)") }
            for ext in group.pickers + group.pickable where state.lines[LineKey(tenantID: group.tenantID, extensionNumber: ext)] == nil {
                throw StoreError(.invalid, "tenant \(group.tenantID) has no line \(ext)")
            }
            state.pickupGroups[group.tenantID, default: [:]][group.name] = group
        }
    }

    @discardableResult
    public func removePickupGroup(tenantID: String, name: String) throws -> PickupGroup {
        try withState { state in
            guard let group = state.pickupGroups[tenantID]?.removeValue(forKey: name) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no pickup group \(name)")
            }
            return group
        }
    }

    public func voicemailMessages(tenantID: String, extensionNumber: String) throws -> [VoicemailMessage] {
        withState { state in
            state.voicemail.values.filter { $0.tenantID == tenantID && $0.extensionNumber == extensionNumber }
                .sorted { ($0.isNew ? 0 : 1, $0.receivedAt, $0.id) < ($1.isNew ? 0 : 1, $1.receivedAt, $1.id) }
        }
    }

    public func save(_ message: VoicemailMessage) throws {
        try withState { state in
            guard state.lines[LineKey(tenantID: message.tenantID, extensionNumber: message.extensionNumber)] != nil else {
                throw StoreError(.notFound, "tenant \(message.tenantID) has no line \(message.extensionNumber)")
            }
            state.voicemail[message.id] = message
        }
    }

    public func removeVoicemailMessage(id: String) throws {
        try withState { state in
            guard state.voicemail.removeValue(forKey: id) != nil else { throw StoreError(.notFound, "no voicemail message \(id)") }
        }
    }

    public func removeVoicemailMessages(receivedBefore before: Int64) throws -> [VoicemailMessage] {
        withState { state in
            let old = state.voicemail.values.filter { $0.receivedAt < before }.sorted { $0.id < $1.id }
            for message in old { state.voicemail[message.id] = nil }
            return old
        }
    }
}
