/// A tenant's call-centre queues (C2) and their event log, implemented by `SQLStore`
/// and `MemoryStore` with the same rules:
/// - a queue's name is unique per tenant; `save` inserts or replaces, refusing what
///   `CallQueue.problem()` refuses and members or an overflow the tenant does not have
///   (`invalid`), or an unknown tenant (`notFound`);
/// - a queue an IVR option, a group's or another queue's overflow or a DID leads to
///   cannot be removed (`invalid`);
/// - events are appended in order and read back by tenant and time, oldest first.
public protocol QueueStore: AnyObject, Sendable {
    func callQueues(tenantID: String) throws -> [CallQueue]
    func callQueue(tenantID: String, name: String) throws -> CallQueue?
    func save(_ queue: CallQueue) throws
    @discardableResult func removeCallQueue(tenantID: String, name: String) throws -> CallQueue
    /// Appends queue events (the log the KPIs, consoles and reports read).
    func record(_ events: [QueueEvent]) throws
    /// A tenant's events in `from..<to` (unix ms), of `queue` when set, oldest first.
    func queueEvents(tenantID: String, from: Int64?, to: Int64?, queue: String?) throws -> [QueueEvent]

    /// Replaces what server `node` last wrote of its tenants' queues (the consoles' live view).
    func replaceQueueSnapshots(node: String, snapshots: [QueueSnapshot]) throws
    /// The newest snapshot of a tenant's queues, from whichever node wrote one.
    func queueSnapshot(tenantID: String) throws -> QueueSnapshot?
    /// Files a supervisor's command for the server; returns it with its id.
    func file(_ command: SupervisorCommand) throws -> SupervisorCommand
    /// Commands not carried out yet, oldest first.
    func pendingQueueCommands() throws -> [SupervisorCommand]
    /// Marks a command carried out, with what came of it.
    func complete(queueCommand id: Int64, at: Int64, result: String) throws
    func queueCommand(id: Int64) throws -> SupervisorCommand?
}

extension CallFlowRules {
    /// Why `queue` cannot be saved given the tenant's lines, groups, menus and queues, or nil.
    public static func problem(with queue: CallQueue, lineExists: (String) throws -> Bool, groupExists: (String) throws -> Bool,
                               menuExists: (String) throws -> Bool, queueExists: (String) throws -> Bool) rethrows -> String? {
        if let problem = queue.problem() { return problem }
        for member in queue.members where try !lineExists(member.extensionNumber) {
            return "tenant \(queue.tenantID) has no line \(member.extensionNumber)"
        }
        if let line = queue.callbackLine, try !lineExists(line) { return "tenant \(queue.tenantID) has no line \(line)" }
        switch queue.overflow {
        case .line(let ext), .voicemail(let ext):
            if try !lineExists(ext) { return "tenant \(queue.tenantID) has no line \(ext)" }
        case .group(let name):
            if try !groupExists(name) { return "tenant \(queue.tenantID) has no call group \(name)" }
        case .menu(let number):
            if try !menuExists(number) { return "tenant \(queue.tenantID) has no IVR \(number)" }
        case .queue(let name):
            if try !queueExists(name) { return "tenant \(queue.tenantID) has no queue \(name)" }
        default:
            break
        }
        return nil
    }

    /// What leads to queue `name` among menus, groups and other queues (so it cannot be removed), if anything.
    public static func user(ofQueue name: String, menus: [IVRMenu], groups: [CallGroup], queues: [CallQueue]) -> String? {
        if let menu = menus.first(where: { $0.destinations.contains(.queue(name)) }) { return "IVR \(menu.number)" }
        if let group = groups.first(where: { $0.noAnswer == .queue(name) }) { return "group \(group.name)" }
        if let other = queues.first(where: { $0.name != name && $0.overflow == .queue(name) }) { return "queue \(other.name)" }
        return nil
    }
}
