import Foundation

/// SplitMix64: a small deterministic generator for property tests (shared by every test target).
/// The seed comes from `WAYSTONE_TEST_SEED` when set, else from the system generator, and is
/// printed so a failing run can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// A generator seeded from the environment or at random; prints the seed.
    public static func fromEnvironment(_ label: String) -> SeededGenerator {
        let seed =
            ProcessInfo.processInfo.environment["WAYSTONE_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: .min ... .max)
        print("[\(label)] seed \(seed) (replay with WAYSTONE_TEST_SEED=\(seed))")
        return SeededGenerator(seed: seed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func bytes(maxCount: Int) -> [UInt8] {
        let n = Int.random(in: 0...maxCount, using: &self)
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
