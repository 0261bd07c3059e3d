// Benchmarks and fuzzing for roost's template engine (not part of the tests).
//
//   roost-bench render CORPUS_DIR [ROUNDS]   parse every manifest.tsv template once, render all ROUNDS times
//   roost-bench fuzz [CORPUS_DIR] [COUNT]    parse and render COUNT mutated or random inputs; must not crash or hang
//   roost-bench fuzz-parsers [--target T] [--count N] [--seed S] [--replay I]
//                                            seeded fuzzing of the TOML decoder, JSON reader and template engine
#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Handlebars

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func loadCorpus(_ dir: String) -> [(template: String, path: String, data: Value)] {
    guard let manifest = FileSystem.readString(dir + "/manifest.tsv") else {
        print("no manifest.tsv in \(dir)")
        exit(2)
    }
    var cases: [(String, String, Value)] = []
    var contexts: [String: Value] = [:]
    for row in manifest.split(separator: "\n").dropFirst() {
        let c = row.split(separator: "\t").map(String.init)
        guard c.count >= 4, let source = FileSystem.readString(dir + "/" + c[1]) else { continue }
        if contexts[c[2]] == nil, let text = FileSystem.readString(dir + "/" + c[2]) { contexts[c[2]] = try? JSONCodec.parse(text) }
        if let data = contexts[c[2]] { cases.append((source, c[1], data)) }
    }
    return cases
}

let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "render":
    let dir = args.count > 2 ? args[2] : "../shared/corpus/core-plans"
    let rounds = args.count > 3 ? Int(args[3]) ?? 200 : 200
    let cases = loadCorpus(dir)
    let renderer = HabitatHelpers.makeRenderer()
    let t0 = now()
    let templates = cases.compactMap { c in (try? Template(source: c.template, name: c.path)).map { ($0, c.data) } }
    let parseTime = now() - t0
    var bytes = 0
    let t1 = now()
    for _ in 0..<rounds {
        for (t, data) in templates { bytes += (try? renderer.render(t, data))?.utf8.count ?? 0 }
    }
    let elapsed = now() - t1
    let renders = Double(templates.count * rounds)
    print("roost: \(templates.count) templates parsed in \(Int(parseTime * 1000)) ms; \(rounds) rounds: \(Int(renders / elapsed)) renders/s, \(Int(Double(bytes) / elapsed / 1e6)) MB/s output, \(Int(elapsed * 1000)) ms")
case "fuzz":
    let dir = args.count > 2 ? args[2] : "../shared/corpus/core-plans"
    let count = args.count > 3 ? Int(args[3]) ?? 100_000 : 100_000
    var seeds = loadCorpus(dir).map { Array($0.template.utf8) }
    if seeds.isEmpty { seeds = [Array("{{#if a}}{{b}}{{else}}{{#each c as |x|}}{{x}}{{/each}}{{/if}}".utf8)] }
    let data: Value = ["a": 1, "b": "s", "c": [1, 2], "cfg": ["x": ["y": 1]], "pkg": ["deps": []]]
    let renderer = HabitatHelpers.makeRenderer()
    let alphabet = Array("{}#/^>!~&@.[]()|=\"' \n\\as".utf8)
    var parsed = 0, rendered = 0
    var rng = SystemRandomNumberGenerator()
    let t0 = now()
    for n in 0..<count {
        var bytes: [UInt8]
        if n % 10 == 0 {
            bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        } else {
            bytes = seeds[n % seeds.count]
            for _ in 0..<Int.random(in: 1...10, using: &rng) {
                let i = Int.random(in: 0...bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where i < bytes.count: bytes.remove(at: i)
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                }
            }
        }
        if let t = try? Template(source: String(decoding: bytes, as: UTF8.self), name: "fuzz") {
            parsed += 1
            if (try? renderer.render(t, data)) != nil { rendered += 1 }
        }
    }
    print("fuzz: \(count) inputs in \(Int((now() - t0) * 1000)) ms, \(parsed) parsed, \(rendered) rendered, no crash or hang")
case "fuzz-parsers":
    exit(fuzzParsersCommand(Array(args.dropFirst(2))))
default:
    print("usage: roost-bench render CORPUS_DIR [ROUNDS] | roost-bench fuzz [CORPUS_DIR] [COUNT] | roost-bench fuzz-parsers --help")
    exit(2)
}
