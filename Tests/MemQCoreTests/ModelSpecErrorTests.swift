import Foundation
import Testing
@testable import MemQCore

/// Every bad spec gets a clear message naming the node and field; nothing crashes.
@Suite struct ModelSpecErrorTests {
    private func error(_ json: String) -> ModelError? {
        do {
            _ = try ModelAnalysis(try ModelSpec.graph(from: Data(json.utf8)))
            return nil
        } catch {
            return error
        }
    }

    private func expectError(_ json: String, mentions parts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e = error(json) else {
            Issue.record("expected an error for \(json)", sourceLocation: sourceLocation)
            return
        }
        for part in parts {
            #expect(e.description.contains(part), "'\(e.description)' should mention \(part)", sourceLocation: sourceLocation)
        }
    }

    private let input = #""input": {"shape": [3, 32, 32]}"#

    @Test func unknownOp() {
        expectError(#"{\#(input), "nodes": [{"name": "c1", "op": "convolution", "out_channels": 4, "kernel": 3}]}"#,
                    mentions: ["'c1'", "unknown op 'convolution'", "conv2d"])
    }

    @Test func missingField() {
        expectError(#"{\#(input), "nodes": [{"name": "c1", "op": "conv2d", "kernel": 3}]}"#, mentions: ["'c1'", "out_channels"])
        expectError(#"{\#(input), "nodes": [{"name": "c1", "kernel": 3}]}"#, mentions: ["'c1'", "'op'"])
        expectError(#"{"nodes": [{"name": "c1", "op": "relu"}]}"#, mentions: ["input"])
    }

    @Test func wrongType() {
        expectError(#"{\#(input), "nodes": [{"name": "c1", "op": "conv2d", "out_channels": "four", "kernel": 3}]}"#,
                    mentions: ["'c1'", "out_channels", "integer", "string"])
        expectError(#"{\#(input), "nodes": [{"name": "c1", "op": "conv2d", "out_channels": 4, "kernel": 3, "bias": 1}]}"#,
                    mentions: ["'c1'", "bias", "true or false"])
        expectError(#"{\#(input), "nodes": [{"name": "fc", "op": "linear", "out_features": 2.5}]}"#,
                    mentions: ["'fc'", "out_features"])
    }

    @Test func unknownFieldIsATypo() {
        expectError(#"{\#(input), "nodes": [{"name": "c1", "op": "conv2d", "out_channels": 4, "kernal": 3}]}"#,
                    mentions: ["'c1'", "kernel"])
        expectError(#"{\#(input), "nodes": [{"name": "c1", "op": "conv2d", "out_channels": 4, "kernel": 3, "strid": 2}]}"#,
                    mentions: ["'c1'", "strid", "unknown field"])
    }

    @Test func kernelLargerThanPaddedInput() {
        expectError(#"{"input": {"shape": [3, 4, 4]}, "nodes": [{"name": "big", "op": "conv2d", "out_channels": 4, "kernel": 7, "padding": 1}]}"#,
                    mentions: ["'big'", "kernel", "7", "6"])
        expectError(#"{"input": {"shape": [3, 2, 2]}, "nodes": [{"name": "pool", "op": "maxpool2d", "kernel": 3}]}"#,
                    mentions: ["'pool'", "kernel"])
    }

    /// `roll`: one shift per dimension, dimensions in range (the batch is 0), none twice; a good one keeps the shape.
    @Test func rollFields() throws {
        expectError(#"{\#(input), "nodes": [{"name": "r", "op": "roll", "shifts": [1, 2], "dims": [1]}]}"#,
                    mentions: ["'r'", "shifts", "2 shifts for 1 dims"])
        expectError(#"{\#(input), "nodes": [{"name": "r", "op": "roll", "shifts": [1], "dims": [4]}]}"#,
                    mentions: ["'r'", "dims", "out of range"])
        expectError(#"{\#(input), "nodes": [{"name": "r", "op": "roll", "shifts": [1, 1], "dims": [3, -1]}]}"#,
                    mentions: ["'r'", "dims", "twice"])
        expectError(#"{\#(input), "nodes": [{"name": "r", "op": "roll", "dims": [1]}]}"#, mentions: ["'r'", "shifts"])
        let good = #"{\#(input), "nodes": [{"name": "r", "op": "roll", "shifts": [-3, 5], "dims": [2, 3]}]}"#
        let analysis = try ModelAnalysis(try ModelSpec.graph(from: Data(good.utf8)))
        #expect(analysis.layers.last?.outputShape.dims == [3, 32, 32])
        #expect(analysis.layers.last?.op == .roll(shifts: [-3, 5], dims: [2, 3]))
    }

    @Test func channelMismatchAtAdd() {
        expectError(#"""
        {"input": {"shape": [3, 8, 8]}, "nodes": [
          {"name": "a", "op": "conv2d", "out_channels": 8, "kernel": 1},
          {"name": "b", "op": "conv2d", "out_channels": 16, "kernel": 1, "inputs": ["input"]},
          {"name": "sum", "op": "add", "inputs": ["a", "b"]}]}
        """#, mentions: ["'sum'", "broadcast"])
        expectError(#"{\#(input), "nodes": [{"name": "c1", "op": "conv2d", "in_channels": 4, "out_channels": 4, "kernel": 3}]}"#,
                    mentions: ["'c1'", "in_channels", "4", "3"])
    }

    @Test func groupsNotDividingChannels() {
        expectError(#"{\#(input), "nodes": [{"name": "g", "op": "conv2d", "out_channels": 8, "kernel": 3, "groups": 2}]}"#,
                    mentions: ["'g'", "groups", "in_channels = 3"])
        expectError(#"{"input": {"shape": [4, 8, 8]}, "nodes": [{"name": "g", "op": "conv2d", "out_channels": 6, "kernel": 3, "groups": 4}]}"#,
                    mentions: ["'g'", "groups", "out_channels = 6"])
    }

    @Test func cycle() {
        expectError(#"""
        {"input": {"shape": [4]}, "nodes": [
          {"name": "a", "op": "add", "inputs": ["input", "c"]},
          {"name": "b", "op": "relu", "inputs": ["a"]},
          {"name": "c", "op": "relu", "inputs": ["b"]}]}
        """#, mentions: ["cycle", "'a'", "'b'", "'c'"])
    }

    @Test func danglingInput() {
        expectError(#"{\#(input), "nodes": [{"name": "r", "op": "relu", "inputs": ["nowhere"]}]}"#,
                    mentions: ["'r'", "inputs", "'nowhere'"])
    }

    @Test func negativeAndAbsurdSizes() {
        expectError(#"{\#(input), "nodes": [{"name": "c", "op": "conv2d", "out_channels": -4, "kernel": 3}]}"#,
                    mentions: ["'c'", "out_channels", "positive"])
        expectError(#"{"input": {"shape": [3, -1, 32]}, "nodes": [{"name": "r", "op": "relu"}]}"#,
                    mentions: ["'input'", "shape[1]"])
        expectError(#"{\#(input), "nodes": [{"name": "c", "op": "conv2d", "out_channels": 4, "kernel": 99999999999}]}"#,
                    mentions: ["'c'", "kernel", "too large"])
        // Each dimension is allowed, but their product overflows 64 bits.
        expectError(#"{"input": {"shape": [1073741824, 1073741824, 1073741824]}, "nodes": [{"name": "r", "op": "relu"}]}"#,
                    mentions: ["'input'", "overflow"])
        expectError(#"{"input": {"shape": [1073741824, 1073741824]}, "nodes": [{"name": "e", "op": "linear", "out_features": 1073741824}]}"#,
                    mentions: ["'e'", "overflow"])
    }

    @Test func notJSONAndWrongShapes() {
        expectError("{ this is not json", mentions: ["not valid JSON"])
        expectError("[1, 2]", mentions: ["object"])
        expectError(#"{\#(input), "nodes": {"a": 1}}"#, mentions: ["nodes", "array"])
        expectError(#"{\#(input), "nodes": []}"#, mentions: ["empty"])
        expectError(#"{\#(input), "nodes": [{"name": "x", "op": "relu"}, {"name": "x", "op": "relu"}]}"#,
                    mentions: ["'x'", "unique"])
    }
}

/// The JSON reader: values, escapes, and errors with their line and column.
@Suite struct JSONParserTests {
    @Test func values() throws {
        let v = try JSONValue.parse(Data(#"{"a": [1, -2.5, 3e2, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}}"#.utf8))
        #expect(v["a"] == .array([.int(1), .double(-2.5), .double(300), .bool(true), .bool(false), .null, .string("x\né😀")]))
        #expect(v["b"] == .object([:]))
        #expect(try JSONValue.parse(Data("9223372036854775807".utf8)) == .int(Int.max))
        #expect(try JSONValue.parse(Data("92233720368547758070".utf8)) == .double(9.223372036854775807e19))
    }

    @Test(arguments: [
        ("{\"a\": 1,\n \"b\" 2}", "line 2"), ("[1, 2", "end of input"), ("{\"a\": tru}", "literal"),
        ("\"abc", "unterminated"), ("[01]", "expected"), ("{} x", "after the JSON value"), ("", "end of input"),
        (String(repeating: "[", count: 600), "nesting"),
    ])
    func errors(text: String, mentions: String) {
        do {
            _ = try JSONValue.parse(Data(text.utf8))
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description.contains(mentions), "\(error.description)")
        }
    }
}

/// The writer's own integer formatting against Swift's, at the edges, and keys in sorted order.
@Suite struct JSONWriterTests {
    @Test(arguments: [0, 7, -7, 10, -10, 999, 1000, 1_234_567_890, Int.max, Int.min, Int.min + 1])
    func integers(value: Int) {
        #expect(JSONValue.int(value).text(pretty: false) == String(value))
    }

    @Test func objectsSortKeys() {
        let value: JSONValue = ["b": 1, "a": ["d": -2, "c": [3, "x\"y"]]]
        #expect(value.text(pretty: false) == #"{"a":{"c":[3,"x\"y"],"d":-2},"b":1}"#)
    }

    @Test func escapes() {
        let value: JSONValue = ["k": "tab\there\\ \u{1} plain é"]
        #expect(value.text(pretty: false) == #"{"k":"tab\there\\ \u0001 plain é"}"#)
    }
}
