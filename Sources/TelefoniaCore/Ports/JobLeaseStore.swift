/// Jobs one server at a time must run, when several share a database (issue 13): the
/// campaign dialler (its pacing counts the calls in flight, which only the server
/// placing them knows), the daily retention purge and the keep-alive probes. A job's lease names the server
/// holding it until a time; the holder renews it well before then, and when it dies
/// another server takes the job over once the lease has run out.
///
/// A lease is an advisory lock kept in the database rather than in a connection
/// (PostgreSQL's `pg_advisory_lock` dies with its session, and the store reconnects on
/// its own; SQLite has none): it works the same on every store and a dead server's
/// lease frees itself.
public protocol JobLeaseStore: AnyObject, Sendable {
    /// Takes the lease on `job` for `node` until `until` (unix ms) when it is free,
    /// expired at `now`, or already `node`'s (then renewed). True when `node` holds it.
    func acquireLease(job: String, node: String, now: Int64, until: Int64) throws -> Bool
    /// Lets the lease go if `node` holds it (a server stopping).
    func releaseLease(job: String, node: String) throws
}

/// The jobs that take a lease.
public enum LeasedJob {
    public static let campaigns = "campaigns"
    public static let retention = "retention"
    /// The OPTIONS keep-alive probes of registered phones (each phone probed by one server).
    public static let keepAlive = "keep-alive"
}
