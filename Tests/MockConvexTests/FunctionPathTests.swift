@testable import MockConvex
import Testing

@Suite(.timeLimit(.minutes(1))) struct FunctionPathTests {
    @Test(arguments: [
        ("messages:list", "messages.js:list", "messages:list"),
        ("messages.js:list", "messages.js:list", "messages:list"),
        ("dir/module:fn", "dir/module.js:fn", "dir/module:fn"),
        ("messages", "messages.js:default", "messages"),
        ("a//b:fn", "a/b.js:fn", "a/b:fn"),
    ])
    func canonicalisesAsTheBackend(text: String, canonical: String, stripped: String) throws {
        let path = try FunctionPath(parsing: text)
        #expect(path.canonical == canonical)
        #expect(path.stripped == stripped)
    }

    @Test(arguments: [
        ("", " is not a valid path to a Convex function. Module path  doesn't have a filename."),
        ("messages:", "messages: is not a valid path to a Convex function. Identifier cannot be empty"),
        ("messages:1x", "messages:1x is not a valid path to a Convex function. Invalid first character '1' in 1x: Identifiers must start with an alphabetic character or underscore"),
        ("messages:a-b", "messages:a-b is not a valid path to a Convex function. Identifier a-b has invalid character '-': Identifiers can only contain alphanumeric characters or underscores"),
        ("messages:__", "messages:__ is not a valid path to a Convex function. Identifier __ cannot have exclusively underscores"),
        ("foo.ts:bar", "foo.ts:bar is not a valid path to a Convex function. Module path (foo.ts) has an extension that isn't 'js'."),
        ("/abs:fn", "/abs:fn is not a valid path to a Convex function. Module paths must be relative (/abs is absolute)."),
        ("a/../b:fn", "a/../b:fn is not a valid path to a Convex function. Invalid path component ParentDir in a/../b."),
        ("./a:fn", "./a:fn is not a valid path to a Convex function. Invalid path component CurDir in ./a."),
        ("foo-bar:list", "foo-bar:list is not a valid path to a Convex function. Path component foo-bar.js can only contain alphanumeric characters, underscores, or periods."),
        ("a:b:c", "a:b:c is not a valid path to a Convex function. Path component a:b.js can only contain alphanumeric characters, underscores, or periods."),
        ("..:fn", "..:fn is not a valid path to a Convex function. Module path .. doesn't have a filename."),
    ])
    func refusesWithTheBackendsReason(text: String, message: String) {
        #expect {
            try FunctionPath(parsing: text)
        } throws: { error in
            "\(error)" == message
        }
    }
}
