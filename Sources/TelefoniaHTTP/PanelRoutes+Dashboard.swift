import Foundation
import Hummingbird
import Logging
import TelefoniaCore

/// The dashboard (P2): money owed, prepaid balance, today's placed calls per hour split
/// mobile / fixed (the page draws the chart).
extension PanelServer {
    struct DashboardView: Encodable {
        struct Hour: Encodable {
            var hour: Int
            var mobile: Int
            var fixed: Int
        }

        var overdue: String
        var unpaid: String
        var balance: String
        var hours: [Hour]
    }

    func addDashboardRoutes(_ router: Router<PanelContext>) {
        router.get("/api/v1/dashboard") { [self] request, context in
            let user = try await require(context, .view, .reports, action: "dashboard.read")
            let tenant = try tenant(of: user, request)
            let now = now()
            let dashboard = try await db { store in
                guard try store.tenant(id: tenant) != nil else { throw Problem.notFound("no tenant \(tenant)") }
                return try Reports(store: store, rating: store, timeZone: .current).dashboard(tenantID: tenant, now: now)
            }
            return try json(DashboardView(
                overdue: Money.format(cents: dashboard.overdueCents), unpaid: Money.format(cents: dashboard.unpaidCents),
                balance: Money.format(cents: dashboard.balanceCents),
                hours: dashboard.hours.map { DashboardView.Hour(hour: $0.hour, mobile: $0.mobile, fixed: $0.fixed) }))
        }
    }
}
