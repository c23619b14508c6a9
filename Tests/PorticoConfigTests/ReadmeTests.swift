import Foundation
import Testing

@testable import PorticoConfig

/// The README's directive reference is `Config.reference()` verbatim, so the documentation cannot
/// drift from the tables the parser uses.
@Suite struct ReadmeTests {
    @Test func readmeCarriesTheGeneratedDirectiveReference() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let reference = Config.reference()
        let inSync = readme.contains(reference)
        if !inSync {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("portico-reference.md")
            try? reference.write(to: scratch, atomically: true, encoding: .utf8)
            Issue.record("README.md lacks the current Config.reference(); the text is in \(scratch.path)")
        }
        #expect(inSync)
    }
}
