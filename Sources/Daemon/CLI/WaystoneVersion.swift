/// The release version printed by `waystone version` and `--version`.
public enum WaystoneVersion {
    public static let current = "0.1.0"
}
