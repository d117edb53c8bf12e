import Glibc

/// An error from the runtime: a failed system call (with its `errno`) or a rejected input such as an address text.
public struct RuntimeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was being done: "bind", "listen", "connect", "socket", "epoll_ctl", "parse address", ...
    public var operation: String
    /// The address (or text) involved, if any.
    public var address: String?
    /// The `errno` value of a failed system call; 0 when the error is not a system call error.
    public var errno: Int32
    /// A human-readable reason for errors that are not system call errors.
    public var detail: String?

    /// Creates an error. `errno` 0 means "not a system call error"; then `detail` should say what went wrong.
    public init(operation: String, address: String? = nil, errno: Int32 = 0, detail: String? = nil) {
        self.operation = operation
        self.address = address
        self.errno = errno
        self.detail = detail
    }

    /// For example "bind 0.0.0.0:8888: Address already in use".
    public var description: String {
        var text = operation
        if let address { text += " " + address }
        if errno != 0 {
            text += ": " + Self.errnoText(errno)
        }
        if let detail { text += ": " + detail }
        return text
    }

    /// True for `EAFNOSUPPORT` and `EADDRNOTAVAIL`: e.g. binding "::" on a host without IPv6.
    /// The daemon skips a default `[::]` listener then.
    public var isAddressFamilyUnsupported: Bool {
        errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL
    }

    /// The `strerror` text for an errno value.
    static func errnoText(_ code: Int32) -> String {
        guard let cString = strerror(code) else { return "errno \(code)" }
        return String(cString: cString)
    }
}
