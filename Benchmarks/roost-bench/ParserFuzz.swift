// Seeded, replayable fuzzing of the three parsers PID 1 feeds with input it
// does not control: the TOML decoder, the JSON reader and the template
// engine. Every input is derived from (seed, index) alone, so one index can
// be replayed without the millions before it.
#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Handlebars
import SeededRandom
import TOML

enum FuzzTarget: String, CaseIterable {
    case toml, json, template
}

/// Seeds, the bytes mutations like to insert, and structure-aware deep
/// nesting for one target.
struct FuzzCorpus {
    var seeds: [[UInt8]]
    var alphabet: [UInt8]
    /// Nested structures: a prefix, an opening piece repeated, the middle,
    /// then (when closed) the closing piece repeated as often and a suffix.
    var nesters: [(prefix: String, open: String, middle: String, close: String, suffix: String)]

    static func load(_ target: FuzzTarget, shared: String, project: String) -> FuzzCorpus {
        func read(_ path: String) -> [UInt8]? { FileSystem.readBytes(path).flatMap { $0.count <= 65536 ? $0 : nil } }
        let suite = shared + "/toml-test/tests"
        let listing = FileSystem.readString(suite + "/files-toml-1.1.0")?.split(separator: "\n").map(String.init) ?? []
        let corpus = shared + "/corpus/core-plans"
        let packages = FileSystem.list(corpus).filter { FileSystem.isDirectory(corpus + "/" + $0) }
        switch target {
        case .toml:
            var seeds = [project + "/default.toml"].compactMap(read)
            seeds += listing.filter { $0.hasPrefix("valid/") && $0.hasSuffix(".toml") }.compactMap { read(suite + "/" + $0) }
            seeds += packages.compactMap { read(corpus + "/" + $0 + "/default.toml") }
            if seeds.isEmpty { seeds = [Array("a = 1\n[t]\nx = \"s\"\n[[b]]\nc = [1, {d = 2}]\n".utf8)] }
            return FuzzCorpus(seeds: seeds, alphabet: Array("[]{}=\"'.,#\n\r\t \\xeu01-_:+Tz".utf8),
                              nesters: [("a = ", "[", "1", "]", ""), ("a = ", "{b=", "1", "}", ""), ("a = ", "[{b=", "1", "}]", ""),
                                        ("a = ", "{\n b = [\n", "1", "],\n}", ""), ("[", "a.", "a]\nx = 1", "", ""),
                                        ("", "a.", "b = 1", "", ""), ("[[", "a.", "a]]\nx = 1", "", "")])
        case .json:
            var seeds = listing.filter { $0.hasPrefix("valid/") && $0.hasSuffix(".json") }.compactMap { read(suite + "/" + $0) }
            seeds += packages.compactMap { read(corpus + "/" + $0 + "/context.json") }
            if seeds.isEmpty { seeds = [Array(#"{"a": [1, 2.5, "s\u00e9"], "b": {"c": null, "d": true}}"#.utf8)] }
            return FuzzCorpus(seeds: seeds, alphabet: Array("[]{}:,\"\\u0123456789.eE+-tfn \n".utf8),
                              nesters: [("", "[", "1", "]", ""), ("", "{\"a\":", "1", "}", ""), ("", "[{\"a\":", "[]", "}]", "")])
        case .template:
            var seeds: [[UInt8]] = []
            if let manifest = FileSystem.readString(corpus + "/manifest.tsv") {
                for row in manifest.split(separator: "\n").dropFirst() {
                    let c = row.split(separator: "\t")
                    if c.count >= 2, let t = read(corpus + "/" + c[1]) { seeds.append(t) }
                }
            }
            if seeds.isEmpty { seeds = [Array("{{#if a}}{{b}}{{else}}{{#each c as |x|}}{{x}}{{/each}}{{/if}}".utf8)] }
            return FuzzCorpus(seeds: seeds, alphabet: Array("{}#/^>!~&@.[]()|=\"' \n\\as".utf8),
                              nesters: [("", "{{#if a}}", "{{b}}", "{{/if}}", ""), ("", "{{#each c}}", "{{this}}", "{{/each}}", ""),
                                        ("", "{{#with cfg}}", "{{x.y}}", "{{/with}}", ""), ("{{x ", "(concat ", "a", ")", "}}")])
        }
    }
}

/// What one run found.
struct FuzzReport {
    var inputs = 0
    var accepted = 0
    var failures = 0
}

/// The index and seed of the input being run, readable from a signal
/// handler: a crash cannot be caught, so the handler prints them.
nonisolated(unsafe) var fuzzCurrentIndex: Int = -1
nonisolated(unsafe) var fuzzCurrentSeed: UInt64 = 0
nonisolated(unsafe) var fuzzCurrentTarget: UInt8 = 0

/// Writes `n` in decimal with write(2) and a stack buffer only (async-signal-safe).
func signalSafeWrite(_ n: UInt64) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
        var k = 20
        var v = n
        repeat {
            k -= 1
            digits[k] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        } while v > 0
        _ = write(2, digits.baseAddress! + k, 20 - k)
    }
}

func signalSafeWrite(_ s: StaticString) {
    _ = write(2, s.utf8Start, s.utf8CodeUnitCount)
}

/// On SIGSEGV (a stack overflow runs the handler on an alternate stack),
/// SIGILL/SIGTRAP (a Swift trap), SIGBUS, SIGFPE, SIGABRT, or SIGALRM from the
/// per-input watchdog (a hang): print the input's target, seed and index for
/// `--replay`, then die of the same signal.
func installCrashReporter() {
    let size = 1 << 16
    var stack = stack_t()
    stack.ss_sp = malloc(size)
    stack.ss_size = size
    sigaltstack(&stack, nil)
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { signal in
        // SIGALRM is the per-input watchdog: the input hangs.
        signalSafeWrite(signal == SIGALRM ? "\nfuzz: HANG (one input ran 10 s; signal " : "\nfuzz: CRASH (signal ")
        signalSafeWrite(UInt64(signal))
        signalSafeWrite(") replay with: roost-bench fuzz-parsers --target ")
        signalSafeWrite(fuzzCurrentTarget == 0 ? "toml" : fuzzCurrentTarget == 1 ? "json" : "template")
        signalSafeWrite(" --seed ")
        signalSafeWrite(fuzzCurrentSeed)
        signalSafeWrite(" --replay ")
        signalSafeWrite(UInt64(max(0, fuzzCurrentIndex)))
        signalSafeWrite("\n")
        Glibc.signal(signal, SIG_DFL)
        raise(signal)
    }
    action.sa_flags = Int32(SA_ONSTACK)
    for s in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT, SIGALRM] { sigaction(s, &action, nil) }
}

struct ParserFuzzer {
    let target: FuzzTarget
    let seed: UInt64
    let corpus: FuzzCorpus
    let renderer = HabitatHelpers.makeRenderer()
    let data: Value = ["a": 1, "b": "s", "c": [1, 2], "cfg": ["x": ["y": 1]], "pkg": ["deps": []]]

    /// The input at `index`: a mutated seed (most), a spliced pair, deep
    /// nesting around and far past the bound, or random bytes.
    func input(_ index: Int) -> [UInt8] {
        var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD6E8_FEB8_6659_FD93))
        let kind = Int.random(in: 0..<100, using: &rng)
        var bytes: [UInt8]
        if kind < 5 {
            bytes = (0..<Int.random(in: 0...256, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        } else if kind < 15 {
            let n = corpus.nesters.randomElement(using: &rng)!
            // Mostly around the bound (128) and the template engine's block
            // limit (200); one in eight far past them, up to 20,000 levels.
            let depth = Int.random(in: 0..<8, using: &rng) != 0 ? Int.random(in: 1...300, using: &rng)
                : Int.random(in: 300...20_000, using: &rng)
            let closed = Int.random(in: 0..<4, using: &rng) != 0
            var s = n.prefix + String(repeating: n.open, count: depth) + n.middle
            if closed { s += String(repeating: n.close, count: depth) + n.suffix }
            bytes = Array(s.utf8)
            if Bool.random(using: &rng) { mutate(&bytes, edits: Int.random(in: 1...3, using: &rng), &rng) }
        } else {
            bytes = corpus.seeds.randomElement(using: &rng)!
            if kind < 25, let other = corpus.seeds.randomElement(using: &rng), !bytes.isEmpty, !other.isEmpty {
                let cut = Int.random(in: 0...bytes.count, using: &rng)
                let from = Int.random(in: 0...other.count, using: &rng)
                bytes = Array(bytes[..<cut]) + Array(other[from...])
            }
            mutate(&bytes, edits: Int.random(in: 1...8, using: &rng), &rng)
        }
        return bytes
    }

    func mutate(_ bytes: inout [UInt8], edits: Int, _ rng: inout SplitMix64) {
        for _ in 0..<edits {
            let i = Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where i < bytes.count: bytes.remove(at: i)
            case 1: bytes.insert(corpus.alphabet.randomElement(using: &rng)!, at: i)
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
            case 3 where i < bytes.count: bytes[i] = corpus.alphabet.randomElement(using: &rng)!
            case 4 where i < bytes.count:
                // Duplicate a short run (repeats brackets, quotes, keys).
                let end = min(bytes.count, i + Int.random(in: 1...16, using: &rng))
                bytes.insert(contentsOf: bytes[i..<end], at: i)
            default:
                if i < bytes.count { bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...16, using: &rng))) }
            }
        }
    }

    /// Runs one input. Returns (accepted, failure): a failure is a broken
    /// invariant, described for the report.
    func run(_ bytes: [UInt8]) -> (Bool, String?) {
        switch target {
        case .toml:
            guard let table = try? TOML.decode(bytes: bytes) else { return (false, nil) }
            let value = Value.object(Object(table: table))
            if Nesting.exceedsLimit(value) { return (true, "decoded value nests deeper than \(TOML.maxDepth)") }
            return (true, nil)
        case .json:
            guard let text = String(validating: bytes, as: UTF8.self), let value = try? JSONCodec.parse(text) else {
                return (false, nil)
            }
            if Nesting.exceedsLimit(value) { return (true, "parsed value nests deeper than \(Nesting.maxDepth)") }
            // Writing and reading back gives the same value.
            guard let again = try? JSONCodec.parse(JSONCodec.compact(value)) else { return (true, "compact output does not parse") }
            if again != value && !containsNaN(value) { return (true, "value changed through compact JSON") }
            return (true, nil)
        case .template:
            guard let t = try? Template(source: String(decoding: bytes, as: UTF8.self), name: "fuzz") else { return (false, nil) }
            _ = try? renderer.render(t, data)
            return (true, nil)
        }
    }

    func containsNaN(_ v: Value) -> Bool {
        switch v {
        case .float(let d): return d.isNaN
        case .array(let a): return a.contains(where: containsNaN)
        case .object(let o): return o.contains { containsNaN($0.value) }
        default: return false
        }
    }

    /// Runs `count` inputs; prints each failure with its index and input.
    func fuzz(count: Int) -> FuzzReport {
        var report = FuzzReport()
        fuzzCurrentSeed = seed
        fuzzCurrentTarget = UInt8(FuzzTarget.allCases.firstIndex(of: target)!)
        for index in 0..<count {
            fuzzCurrentIndex = index
            alarm(10)  // re-armed per input: only one input running 10 s fires it
            let bytes = input(index)
            let (accepted, failure) = run(bytes)
            report.inputs += 1
            if accepted { report.accepted += 1 }
            if let failure {
                report.failures += 1
                print("fuzz: FAIL \(target.rawValue) seed \(seed) index \(index): \(failure)")
                print("  input: \(describe(bytes))")
            }
        }
        return report
    }

    /// The input as a Swift-style escaped string (long inputs shortened in the middle).
    func describe(_ bytes: [UInt8]) -> String {
        var out = "\""
        let shown = bytes.count <= 4096 ? bytes[...] : bytes[..<2048] + bytes[(bytes.count - 2048)...]
        for (k, b) in shown.enumerated() {
            if bytes.count > 4096 && k == 2048 { out += "…(\(bytes.count - 4096) bytes)…" }
            switch b {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return out + "\" (\(bytes.count) bytes)"
    }
}

/// Peak resident memory of this process so far, in MiB (ru_maxrss is KiB on Linux).
func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// `roost-bench fuzz-parsers [--target toml|json|template|all] [--count N]
/// [--seed S] [--replay INDEX] [--shared DIR]`.
func fuzzParsersCommand(_ arguments: [String]) -> Int32 {
    var targets = FuzzTarget.allCases
    var count = 1_000_000
    var seed: UInt64?
    var replay: Int?
    var shared = "../shared"
    var k = 0
    func value() -> String? {
        k += 1
        return k < arguments.count ? arguments[k] : nil
    }
    while k < arguments.count {
        switch arguments[k] {
        case "--target":
            guard let v = value() else { return usage() }
            if v == "all" { targets = FuzzTarget.allCases } else if let t = FuzzTarget(rawValue: v) { targets = [t] } else { return usage() }
        case "--count": guard let v = value().flatMap({ Int($0) }), v >= 0 else { return usage() }; count = v
        case "--seed": guard let v = value().flatMap({ UInt64($0) }) else { return usage() }; seed = v
        case "--replay": guard let v = value().flatMap({ Int($0) }), v >= 0 else { return usage() }; replay = v
        case "--shared": guard let v = value() else { return usage() }; shared = v
        default: return usage()
        }
        k += 1
    }
    let chosenSeed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
    installCrashReporter()
    var status: Int32 = 0
    for target in targets {
        let corpus = FuzzCorpus.load(target, shared: shared, project: ".")
        let fuzzer = ParserFuzzer(target: target, seed: chosenSeed, corpus: corpus)
        if let replay {
            let bytes = fuzzer.input(replay)
            print("fuzz: \(target.rawValue) seed \(chosenSeed) index \(replay): \(fuzzer.describe(bytes))")
            fuzzCurrentSeed = chosenSeed
            fuzzCurrentIndex = replay
            fuzzCurrentTarget = UInt8(FuzzTarget.allCases.firstIndex(of: target)!)
            let (accepted, failure) = fuzzer.run(bytes)
            print("fuzz: \(accepted ? "accepted" : "rejected")\(failure.map { ", FAIL: \($0)" } ?? "")")
            if failure != nil { status = 1 }
            continue
        }
        print("fuzz: \(target.rawValue), seed \(chosenSeed), \(count) inputs from \(corpus.seeds.count) seed files")
        fflush(nil)  // the header is on record even if an input crashes the process
        let t0 = now()
        let report = fuzzer.fuzz(count: count)
        let elapsed = now() - t0
        print("fuzz: \(target.rawValue): \(report.inputs) inputs in \(String(Int(elapsed))) s (\(Int(Double(report.inputs) / max(elapsed, 1e-9))) inputs/s), \(report.accepted) accepted, \(report.failures) failures, peak RSS \(Int(peakMemoryMiB())) MiB")
        if report.failures > 0 { status = 1 }
    }
    return status
}

func usage() -> Int32 {
    print("usage: roost-bench fuzz-parsers [--target toml|json|template|all] [--count N] [--seed S] [--replay INDEX] [--shared DIR]")
    return 2
}
