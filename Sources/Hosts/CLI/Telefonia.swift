import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia`: administers tenants, lines, DIDs and trunks and reads call records
/// in the SQLite database the server uses (both may run at the same time).
@main
struct Telefonia: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telefonia",
        abstract: "Administer a Telefonia PBX: tenants, lines, DIDs, trunks, registrations and call records.",
        discussion: """
            The database is the server's; both may use it at the same time. Its path is --db, else \
            $TELEFONIA_DB, else $TELEFONIA_DATA_DIR/telefonia.sqlite, else ./telefonia-data/telefonia.sqlite.
            """,
        subcommands: [
            TenantCommand.self, LineCommand.self, DIDCommand.self, TrunkCommand.self,
            RegistrationsCommand.self, CDRCommand.self, CallsCommand.self, RecordingsCommand.self, FraudCommand.self,
            ReportCommand.self,
            PlanCommand.self, BalanceCommand.self, RechargeCommand.self, AdjustCommand.self, SimulateCommand.self,
            InvoiceCommand.self,
            AudioCommand.self,
            RoomCommand.self,
            ScheduleCommand.self, IVRCommand.self, GroupCommand.self, QueueCommand.self, ConsoleCommand.self, CampaignCommand.self, PickupCommand.self, VoicemailCommand.self, CodesCommand.self,
            SettingsCommand.self, UserCommand.self, AuditCommand.self, FacilityCommand.self, PortalCommand.self,
        ]
    )

    // Lets --db come before the subcommand too; each command reads its own copy.
    @OptionGroup var global: GlobalOptions

    /// Parses and runs. Every error goes to stderr as `error: …` with exit code 1;
    /// argument mistakes keep ArgumentParser's usage lines after the message.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            fail(error.message)
        } catch let error as StoreError {
            fail(error.message)
        } catch let error as RatingError {
            fail(error.message)
        } catch {
            // Help and --version are "errors" that exit cleanly; keep those as they are.
            guard exitCode(for: error) != .success else { exit(withError: error) }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message = String(message.dropFirst("Error: ".count)) }
            fail(message)
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
