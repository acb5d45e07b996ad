import Logging
import Foundation
import Hummingbird
import NIOCore
import TelefoniaCore

/// A tenant's resource that the store keeps whole and validates on save (IVR menus, time
/// profiles, call and pickup groups, queues, campaigns, rooms): the API lists it, reads
/// one, saves one whole with PUT (create or replace) and deletes one, each under the
/// feature's permission, audited. The body of a PUT is the model's own JSON; its tenant
/// and its name or number come from the session and the path, never from the body.
struct TenantResource<Model: Codable & Sendable>: Sendable {
    /// The path segment: `/api/v1/<path>` and `/api/v1/<path>/{id}`.
    var path: String
    /// The model's key that holds the id (`number`, `name`).
    var idKey: String
    var feature: PanelFeature
    /// The audit action's prefix (`ivr` → `ivr.list`, `ivr.save`, `ivr.delete`).
    var action: String
    var list: @Sendable (any PBXStore, String) throws -> [Model]
    var read: @Sendable (any PBXStore, String, String) throws -> Model?
    var save: @Sendable (any PBXStore, Model, _ existed: Bool) throws -> Void
    var remove: @Sendable (any PBXStore, String, String) throws -> Void
}

/// A request body that must be a JSON object, as a dictionary to complete before decoding.
func jsonObject(_ body: Data) throws -> [String: Any] {
    guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
        throw Problem.invalid("the body must be a JSON object")
    }
    return object
}

/// `object` (a body completed with what the session and path say) as a model; 422 naming
/// the field when it is not one.
func decode<Model: Decodable>(_ type: Model.Type, from object: [String: Any], what: String) throws -> Model {
    do {
        return try JSONDecoder().decode(Model.self, from: JSONSerialization.data(withJSONObject: object))
    } catch let error as DecodingError {
        throw Problem.invalid("the body is not \(what): \(ProblemMiddleware<PanelContext>.describe(error))")
    }
}

extension PanelServer {
    func addResource<Model>(_ resource: TenantResource<Model>, to router: Router<PanelContext>) {
        let collection = RouterPath("/api/v1/\(resource.path)")
        let item = RouterPath("/api/v1/\(resource.path)/:id")
        router.get(collection) { [self] request, context in
            let user = try await require(context, .view, resource.feature, action: "\(resource.action).list")
            let tenant = try tenant(of: user, request)
            let all = try await db { try resource.list($0, tenant) }
            return try json(Page(all, request: request))
        }
        router.get(item) { [self] request, context in
            let id = try context.pathParameter("id")
            let user = try await require(context, .view, resource.feature, action: "\(resource.action).read", object: id)
            let tenant = try tenant(of: user, request)
            guard let model = try await db({ try resource.read($0, tenant, id) }) else {
                throw Problem.notFound("no \(resource.action) \(id)")
            }
            return try json(model)
        }
        router.put(item) { [self] request, context in
            let id = try context.pathParameter("id")
            let user = try await require(context, .change, resource.feature, action: "\(resource.action).save", object: id)
            let tenant = try tenant(of: user, request)
            let body = try await request.body.collect(upTo: 256 * 1024)
            var object = try jsonObject(Data(body.readableBytesView))
            object["tenantID"] = tenant
            object[resource.idKey] = id
            let model = try decode(Model.self, from: object, what: "a \(resource.action)")
            let existed = try await db { store -> Bool in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                let existed = try resource.read(store, tenant, id) != nil
                try resource.save(store, model, existed)
                return existed
            }
            await audit(context, "\(resource.action).save", "\(resource.action) \(id)", tenantID: tenant, outcome: .ok,
                        detail: existed ? "changed" : "created")
            return try json(model, status: existed ? .ok : .created)
        }
        router.delete(item) { [self] request, context in
            let id = try context.pathParameter("id")
            let user = try await require(context, .change, resource.feature, action: "\(resource.action).delete", object: id)
            let tenant = try tenant(of: user, request)
            try await db { store in
                guard try resource.read(store, tenant, id) != nil else { throw Problem.notFound("no \(resource.action) \(id)") }
                try resource.remove(store, tenant, id)
            }
            await audit(context, "\(resource.action).delete", "\(resource.action) \(id)", tenantID: tenant, outcome: .ok)
            return Response(status: .noContent)
        }
    }

    /// The call-flow resources: IVR menus and time profiles (L5, L6), call and pickup
    /// groups (G1, G2), queues (C1), campaigns (C5), conference rooms (F6).
    func addCallFlowResources(_ router: Router<PanelContext>) {
        addResource(TenantResource<IVRMenu>(
            path: "ivrs", idKey: "number", feature: .ivr, action: "ivr",
            list: { try $0.ivrMenus(tenantID: $1) }, read: { try $0.ivrMenu(tenantID: $1, number: $2) },
            save: { store, menu, _ in try store.save(menu) }, remove: { try $0.removeIVRMenu(tenantID: $1, number: $2) }), to: router)
        addResource(TenantResource<TimeProfile>(
            path: "schedules", idKey: "name", feature: .ivr, action: "schedule",
            list: { try $0.timeProfiles(tenantID: $1) }, read: { try $0.timeProfile(tenantID: $1, name: $2) },
            save: { store, profile, _ in try store.save(profile) }, remove: { try $0.removeTimeProfile(tenantID: $1, name: $2) }), to: router)
        addResource(TenantResource<CallGroup>(
            path: "groups", idKey: "name", feature: .groups, action: "group",
            list: { try $0.callGroups(tenantID: $1) }, read: { try $0.callGroup(tenantID: $1, name: $2) },
            save: { store, group, _ in try store.save(group) }, remove: { try $0.removeCallGroup(tenantID: $1, name: $2) }), to: router)
        addResource(TenantResource<PickupGroup>(
            path: "pickup-groups", idKey: "name", feature: .groups, action: "pickup-group",
            list: { try $0.pickupGroups(tenantID: $1) },
            read: { store, tenant, name in try store.pickupGroups(tenantID: tenant).first { $0.name == name } },
            save: { store, group, _ in try store.save(group) }, remove: { try $0.removePickupGroup(tenantID: $1, name: $2) }), to: router)
        addResource(TenantResource<CallQueue>(
            path: "queues", idKey: "name", feature: .queues, action: "queue",
            list: { try $0.callQueues(tenantID: $1) }, read: { try $0.callQueue(tenantID: $1, name: $2) },
            save: { store, queue, _ in try store.save(queue) }, remove: { try $0.removeCallQueue(tenantID: $1, name: $2) }), to: router)
        addResource(TenantResource<Campaign>(
            path: "campaigns", idKey: "name", feature: .campaigns, action: "campaign",
            list: { try $0.campaigns(tenantID: $1) }, read: { try $0.campaign(tenantID: $1, name: $2) },
            save: { store, campaign, _ in
                // The state moves as the CLI's start / pause / cancel do; running needs a mailing.
                let was = try store.campaign(tenantID: campaign.tenantID, name: campaign.name)?.state ?? .draft
                guard was.mayBecome(campaign.state) else {
                    throw Problem.invalid("campaign \(campaign.name) is \(was.rawValue); it cannot become \(campaign.state.rawValue)")
                }
                if campaign.state == .running, was != .running, try store.mailing(tenantID: campaign.tenantID, campaign: campaign.name).isEmpty {
                    throw Problem.invalid("campaign \(campaign.name) has no mailing; send one first (PUT …/mailing)")
                }
                try store.save(campaign)
            },
            remove: { try $0.removeCampaign(tenantID: $1, name: $2) }), to: router)
        addResource(TenantResource<ConferenceRoom>(
            path: "rooms", idKey: "number", feature: .rooms, action: "room",
            list: { try $0.rooms(tenantID: $1) }, read: { try $0.room(tenantID: $1, number: $2) },
            save: { store, room, existed in
                // A room is only its name: replacing it is removing and adding it.
                if existed { try store.removeRoom(tenantID: room.tenantID, number: room.number) }
                try store.add(room)
            },
            remove: { try $0.removeRoom(tenantID: $1, number: $2) }), to: router)
    }
}
