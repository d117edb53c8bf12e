import CSodium

/// One-time libsodium initialisation.
///
/// `sodium_init` is safe to call more than once, but calling it through a `static let` makes the
/// first use thread-safe and every later use free. Every entry point in this module that calls
/// libsodium touches ``ready`` first.
enum Sodium {
    /// `true` once libsodium is initialised. Initialisation failing means the process cannot get
    /// secure randomness, which is not recoverable, so it stops the process.
    static let ready: Bool = {
        let rc = sodium_init()
        precondition(rc >= 0, "libsodium failed to initialise (sodium_init returned \(rc))")
        return true
    }()

    /// Ensures libsodium is initialised.
    @inline(__always)
    static func ensureInitialized() {
        _ = ready
    }
}
