/// The release version printed by `waystone version` and `--version`.
public enum WaystoneVersion {
    public static let current = "0.1.0"
}

extension WaystoneVersion {
    /// The Swift compiler that built this binary (major.minor), for `waystone_build_info{swift}`.
    public static let swiftCompiler: String = {
        #if compiler(>=6.4)
            return "6.4+"
        #elseif compiler(>=6.3)
            return "6.3"
        #elseif compiler(>=6.2)
            return "6.2"
        #elseif compiler(>=6.1)
            return "6.1"
        #else
            return "6.0"
        #endif
    }()
}
