import Foundation
import Logging
import NIOCore
import TelefoniaCore

/// Daily retention (R1–R8, P8): CDRs and audit entries older than `retention.cdr_days` and recordings
/// (rows and files) and voicemail messages older than `retention.recording_days` are removed, on the storage
/// thread, and the purge is logged. Runs 5 s after start, then once a day.
final class RetentionJob {
    private let context: SignallingContext

    init(context: SignallingContext) {
        self.context = context
    }

    func purge() {
        let day: Int64 = 86_400_000
        let now = context.clock.nowMillis()
        let (cdrDays, recordingDays) = (context.configuration.cdrRetentionDays, context.configuration.recordingRetentionDays)
        let logger = context.logger
        let voicemail = context.configuration.voicemailFolder
        let node = context.nodeID
        context.storage.submit(on: context.loop) { store in
            // One server purges a day: the first to take the day's lease (it lasts 23 h).
            do {
                guard try store.acquireLease(job: LeasedJob.retention, node: node, now: now, until: now + 23 * 3_600_000) else {
                    logger.info("retention: another server purges today")
                    return
                }
            } catch {
                logger.error("retention: lease unreadable; purge skipped", metadata: ["error": "\(error)"])
                return
            }
            do {
                let removed = try store.purgeCDRs(olderThan: now - Int64(cdrDays) * day)
                logger.info("retention: call records purged", metadata: ["count": "\(removed)", "older_than_days": "\(cdrDays)"])
                // The audit log (P8) is kept like call records.
                let entries = try store.purgeAudit(olderThan: now - Int64(cdrDays) * day)
                logger.info("retention: audit entries purged", metadata: ["count": "\(entries)", "older_than_days": "\(cdrDays)"])
            } catch {
                logger.error("retention: CDR purge failed", metadata: ["error": "\(error)"])
            }
            do {
                let old = try store.removeRecordings(startedBefore: now - Int64(recordingDays) * day)
                var deleted = 0
                for recording in old where (try? FileManager.default.removeItem(atPath: recording.path)) != nil {
                    deleted += 1
                }
                logger.info("retention: recordings purged", metadata: [
                    "rows": "\(old.count)", "files": "\(deleted)", "older_than_days": "\(recordingDays)",
                ])
            } catch {
                logger.error("retention: recording purge failed", metadata: ["error": "\(error)"])
            }
            // Voicemail is kept like recordings.
            do {
                let old = try store.removeVoicemailMessages(receivedBefore: now - Int64(recordingDays) * day)
                for message in old {
                    if let url = try? FileVoicemailBoxes.file(under: voicemail, message.tenantID, message.extensionNumber, message.id) {
                        try? FileManager.default.removeItem(at: url)
                    }
                }
                logger.info("retention: voicemail purged", metadata: ["count": "\(old.count)", "older_than_days": "\(recordingDays)"])
            } catch {
                logger.error("retention: voicemail purge failed", metadata: ["error": "\(error)"])
            }
        }.whenComplete { _ in }
    }
}
