import Foundation
import Hummingbird
import Logging
import TelefoniaCore

/// The cost simulator (P9): what a call from one of the tenant's lines to a number would
/// cost, as the engine would rate it.
extension PanelServer {
    struct SimulationRequest: Decodable {
        var line: String
        var number: String
        var seconds: Int?
    }

    struct SimulationView: Encodable {
        var number: String
        var kind: String
        var region: String?
        var permitted: Bool
        var sold: Bool
        var seconds: Int
        var billedSeconds: Int
        var costCents: Int64
        var cost: String
        var plan: String

        enum CodingKeys: String, CodingKey {
            case number, kind, region, permitted, sold, seconds, plan, cost
            case billedSeconds = "billed_seconds", costCents = "cost_cents"
        }
    }

    func addSimulatorRoutes(_ router: Router<PanelContext>) {
        router.post("/api/v1/simulator") { [self] request, context in
            let user = try await require(context, .view, .simulator, action: "simulator.run")
            let tenant = try tenant(of: user, request)
            let body = try await request.decode(as: SimulationRequest.self, context: context)
            let seconds = body.seconds ?? 300
            guard (0...86_400).contains(seconds) else { throw Problem.invalid("seconds must be 0 to 86400") }
            guard body.number.count <= 32, body.line.count <= 16 else { throw Problem.invalid("line or number too long") }
            let result = try await db { store -> CostSimulation in
                do {
                    return try CostSimulator(store: store, tariffs: store).simulate(tenantID: tenant, line: body.line, dialled: body.number,
                                                                                   seconds: seconds)
                } catch let error as RatingError {
                    throw error.code == .notFound ? Problem.notFound(error.message) : Problem.invalid(error.message)
                }
            }
            return try json(SimulationView(
                number: result.normalized, kind: result.numberClass.rawValue, region: result.region.map { "\($0.city) (\($0.state)), DDD \($0.areaCode)" },
                permitted: result.permitted, sold: result.sold, seconds: result.seconds, billedSeconds: result.billedSeconds,
                costCents: result.costCents, cost: Money.format(cents: result.costCents), plan: result.plan.name))
        }
    }
}
