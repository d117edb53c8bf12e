/// A role of the node (STUN observer, Kademlia, relay, rendezvous, ...) as the daemon's lifecycle sees it.
///
/// The daemon binds every role before it reports ready, tells them to stop taking new work on SIGTERM/SIGINT or
/// SIGUSR1, waits up to `shutdown.drainSeconds` for ``activeWork`` to reach zero, then asks them to ``flush()``
/// their data (snapshots) before the process exits.
protocol DaemonRole: AnyObject {
    /// Short name for logs and metric labels (`stun`, `kademlia`, ...).
    var name: String { get }
    /// The addresses the role listens on, for the start log line.
    var boundAddresses: [String] { get }
    /// Stop accepting new work: close listeners, refuse new reservations. Existing work continues.
    func stopAcceptingWork()
    /// Work still in progress (open circuits, pending requests). Zero means the role is drained.
    var activeWork: Int { get }
    /// Persist what must survive a restart. Called once, after draining.
    func flush()
}
