import Foundation
import Logging
import TelefoniaCore

extension SignallingCore {
    /// Daily retention (R1–R8): CDRs older than `retention.cdr_days` and recordings
    /// (rows and files) older than `retention.recording_days` are removed, and the
    /// purge is logged. Runs at start and then once a day.
    func purgeExpiredRecords(now: Int64) {
        let day: Int64 = 86_400_000
        if let reports = store as? any ReportStore {
            do {
                let removed = try reports.purgeCDRs(olderThan: now - Int64(configuration.cdrRetentionDays) * day)
                logger.info("retention: call records purged", metadata: [
                    "count": "\(removed)", "older_than_days": "\(configuration.cdrRetentionDays)",
                ])
            } catch {
                logger.error("retention: CDR purge failed", metadata: ["error": "\(error)"])
            }
        }
        if let recordings = store as? any RecordingStore {
            do {
                let old = try recordings.removeRecordings(startedBefore: now - Int64(configuration.recordingRetentionDays) * day)
                var deleted = 0
                for recording in old where (try? FileManager.default.removeItem(atPath: recording.path)) != nil {
                    deleted += 1
                }
                logger.info("retention: recordings purged", metadata: [
                    "rows": "\(old.count)", "files": "\(deleted)", "older_than_days": "\(configuration.recordingRetentionDays)",
                ])
            } catch {
                logger.error("retention: recording purge failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
