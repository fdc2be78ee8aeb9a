import CoretexCore
import Foundation
import Testing

@Suite struct ContextPayloadTests {
    func user(_ json: String) -> String { ContextPayload.userMessage(Data(json.utf8)) }

    @Test func theUserTurnFollowsTheContractsOrder() {
        #expect(user("") == "")
        #expect(user("plain text") == "plain text")
        #expect(user(#"{"prompt":"p","message":"m"}"#) == "p")
        #expect(user(#"{"prompt":"","message":"m"}"#) == "m")
        #expect(user(#"{"instruction":"Fix it"}"#) == "Fix it")
        #expect(user(#"{"instruction":"Fix it","code_snippet":"x = 1"}"#) == "Instruction: Fix it\nCode:\nx = 1")
        #expect(user(#"{"other":1}"#) == #"{"other":1}"#)
    }
}

@Suite struct TokenBudgetTests {
    @Test func estimatesRoundUp() {
        #expect(TokenBudget.estimate("") == 0)
        #expect(TokenBudget.estimate("a") == 1)
        #expect(TokenBudget.estimate("abcd") == 1)
        #expect(TokenBudget.estimate("abcde") == 2)
    }

    @Test func dropsTheOldestMessagesFirst() {
        let messages: [ChatMessage] = [
            .user(String(repeating: "a", count: 40)), .assistant(String(repeating: "b", count: 40)), .user("now"),
        ]
        #expect(TokenBudget.fit(messages, budget: 100) == messages)
        #expect(TokenBudget.fit(messages, budget: 15) == Array(messages.suffix(2)))
        #expect(TokenBudget.fit(messages, budget: 0) == messages)  // no limit
    }

    @Test func cutsALastMessageThatAloneIsTooLong() {
        let fitted = TokenBudget.fit([.user("old"), .user(String(repeating: "é", count: 500))], budget: 50)
        #expect(fitted.count == 1)
        #expect(TokenBudget.estimate(fitted) <= 50)
        #expect(fitted[0].content.hasSuffix("[… truncated to fit the model's input budget]"))
        #expect(fitted[0].content.hasPrefix("éééé"))
    }

    @Test func flattensAsRoleColonContentLines() {
        #expect(ChatMessage.flatten([.user("hi"), .assistant("hello")]) == "user: hi\nassistant: hello")
    }
}

@Suite struct CodeTaskTests {
    func task(_ json: String) -> CodeTask { CodeTask.parse(Data(json.utf8)) }

    @Test func topLevelFieldsWin() {
        let t = task(#"{"file_path":"main.go","code_snippet":"package main\n","instruction":"Add logging","prompt":"ignored"}"#)
        #expect(t.filePath == "main.go")
        #expect(t.code == "package main\n")
        #expect(t.instruction == "Add logging")
    }

    @Test func theGatewayEnvelopeIsUnwrapped() {
        let t = task(#"{"prompt":"Fix it","context":{"file_path":"x.go","code_snippet":"package main"}}"#)
        #expect(t.filePath == "x.go")
        #expect(t.instruction == "Fix it")
        #expect(ContextPayload.string("file_path", in: t.payload) == "x.go")
    }

    @Test func aBarePromptBecomesTheInstruction() {
        let t = task(#"{"prompt":"do the thing","topic":"job.code.llm"}"#)
        #expect(t.instruction == "do the thing")
        #expect(t.filePath == "" && t.code == "")
        #expect(String(decoding: t.payload, as: UTF8.self) == #"{"prompt":"do the thing","topic":"job.code.llm"}"#)
    }
}
