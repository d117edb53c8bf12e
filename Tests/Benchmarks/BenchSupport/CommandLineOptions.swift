import Glibc

/// The load clients' command line: `--name value` pairs, `--self-test`, `--help`.
public enum CommandLineOptions {
    /// The `--name value` pairs of `arguments` (without the program name). `--self-test` runs `selfTest` and exits
    /// with its result; `--help`, `-h` or a flag without a value calls `usage`.
    public static func parse(_ arguments: [String], selfTest: () -> Bool, usage: () -> Never) -> [String: String] {
        var rest = arguments[...]
        var options: [String: String] = [:]
        while let argument = rest.popFirst() {
            if argument == "--self-test" { exit(selfTest() ? 0 : 1) }
            if argument == "--help" || argument == "-h" { usage() }
            guard argument.hasPrefix("--"), let value = rest.popFirst() else { usage() }
            options[String(argument.dropFirst(2))] = value
        }
        return options
    }

    /// Prints `tool: message` and exits with 2.
    public static func fail(_ tool: String, _ message: String) -> Never {
        print("\(tool): \(message)")
        exit(2)
    }
}
