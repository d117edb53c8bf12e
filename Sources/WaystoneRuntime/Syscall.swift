import Glibc

/// The outcome of a non-blocking system call that did not fail hard.
enum IOResult<Value> {
    /// The call completed with this value.
    case done(Value)
    /// The call would block (`EAGAIN` / `EWOULDBLOCK`, or `EINPROGRESS` for connect).
    case wouldBlock
}

/// A failed system call: just the `errno` value; callers attach the operation and address.
struct SyscallError: Error {
    var errno: Int32

    /// Converts to a `RuntimeError` naming the operation and address.
    func runtime(_ operation: String, _ address: String? = nil) -> RuntimeError {
        RuntimeError(operation: operation, address: address, errno: errno)
    }
}

/// The one wrapper every system call goes through: retries `EINTR`, maps `EAGAIN`/`EWOULDBLOCK` to `.wouldBlock`,
/// and throws the `errno` for everything else.
enum Syscall {
    /// Runs `body` (a call returning -1 on error with `errno` set) until it does not fail with `EINTR`.
    @inline(__always)
    static func call<T: BinaryInteger>(_ body: () -> T) throws(SyscallError) -> IOResult<T> {
        while true {
            let result = body()
            if result >= 0 { return .done(result) }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw SyscallError(errno: code)
        }
    }

    /// Like `call`, for calls that must not block (socket, bind, epoll_ctl, ...): `EAGAIN` is an error too.
    @inline(__always)
    static func blocking<T: BinaryInteger>(_ body: () -> T) throws(SyscallError) -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            throw SyscallError(errno: code)
        }
    }

    /// Closes a file descriptor. `EINTR` is not retried (Linux frees the descriptor anyway).
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Sets an integer socket option.
    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(SyscallError) {
        var value = value
        _ = try blocking {
            setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Reads and clears `SO_ERROR` (0 when there is no pending error).
    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0 { return Glibc.errno }
        return value
    }
}
