import CoretexProtocol
import Foundation
import Testing

/// `JSONValue` reads every JSON shape as itself: the decoder guesses the common shapes first,
/// and a guess must never turn one kind into another (a numeric string into a number, 1 into true).
struct JSONValueTests {
    @Test func everyShapeDecodesAsItself() throws {
        let text =
            #"{"s":"1","t":"true","n":1,"f":2.5,"neg":-3,"b":true,"z":false,"nil":null,"a":[1,"x",[],{}],"o":{"k":{"deep":["v"]}},"e":""}"#
        let value = try #require(JSONValue.parse(Data(text.utf8)))
        #expect(
            value
                == .object([
                    "s": .string("1"), "t": .string("true"), "n": .number(1), "f": .number(2.5), "neg": .number(-3),
                    "b": .bool(true), "z": .bool(false), "nil": .null,
                    "a": .array([.number(1), .string("x"), .array([]), .object([:])]),
                    "o": .object(["k": .object(["deep": .array([.string("v")])])]),
                    "e": .string(""),
                ]))
    }

    /// Lenient decoders (YAML) take the careful order; on JSON both orders must agree.
    @Test func bothDecodingOrdersAgreeOnJSON() throws {
        let text = Data(#"{"s":"1","n":1,"b":true,"a":[1,"x",false,null],"o":{"k":2.5}}"#.utf8)
        let careful = try JSONDecoder().decode(JSONValue.self, from: text)
        let quick = try JSONValue.decoder().decode(JSONValue.self, from: text)
        #expect(careful == quick)
        #expect(quick["n"] == .number(1) && quick["s"] == .string("1") && quick["b"] == .bool(true))
    }

    @Test func topLevelScalarsAndArrays() throws {
        #expect(JSONValue.parse(Data("true".utf8)) == .bool(true))
        #expect(JSONValue.parse(Data("0".utf8)) == .number(0))
        #expect(JSONValue.parse(Data(#""0""#.utf8)) == .string("0"))
        #expect(JSONValue.parse(Data("null".utf8)) == .null)
        #expect(JSONValue.parse(Data("[true,0]".utf8)) == .array([.bool(true), .number(0)]))
        #expect(JSONValue.parse(Data("{nope".utf8)) == nil)
    }

    @Test func encodingRoundTripsAndKeepsIntegers() throws {
        let value: JSONValue = .object(["i": .number(3), "f": .number(0.5), "s": .string("x"), "a": .array([.bool(false), .null])])
        let text = String(decoding: try JSONEncoder.sortedForTests.encode(value), as: UTF8.self)
        #expect(text == #"{"a":[false,null],"f":0.5,"i":3,"s":"x"}"#)
        #expect(JSONValue.parse(Data(text.utf8)) == value)
    }
}

extension JSONEncoder {
    fileprivate static var sortedForTests: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
