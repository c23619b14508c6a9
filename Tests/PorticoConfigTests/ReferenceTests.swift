import Testing

@testable import PorticoConfig

@Suite struct ReferenceTests {
    private let reference = Config.reference()

    @Test func listsEveryDirectiveOfEveryBlock() {
        for (_, block) in Directives.topLevel.spec.allBlocks() {
            for directive in block.directives {
                #expect(reference.contains("| `\(directive.name)` |"), "missing \(directive.name) in \(block.name)")
                #expect(!directive.doc.isEmpty)
            }
        }
    }

    @Test func hasOneSectionPerBlockInFileOrder() {
        let headings = reference.split(separator: "\n").filter { $0.hasPrefix("### ") }
        #expect(
            headings == [
                "### Top level",
                "### `timeouts { … }`",
                "### `limits { … }`",
                "### `cache { … }`",
                "### `backend NAME { … }`",
                "### `backend NAME { health { … } }`",
                "### `backend NAME { circuit_breaker { … } }`",
                "### `admin { … }`",
            ]
        )
    }

    @Test func rowsShowValueRangeAndDefaultFromTheCode() {
        #expect(reference.contains("| `client_header` | duration, 1ms–1h | `10s` |"))
        #expect(reference.contains("| `request_body` | size, 0–1024g | `64m` |"))
        #expect(reference.contains("| `eviction` | `lru` \\| `s3fifo` | `lru` |"))
        #expect(reference.contains("| `listen` | `HOST:PORT` | required |"))
        #expect(reference.contains("| `listen` | `HOST:PORT` | `127.0.0.1:9901` |"))
        #expect(reference.contains("| `expect` | `CODE \\| LOW-HIGH` | `200-399` |"))
        #expect(reference.contains("| `open_max` | duration, 1ms–24h | `5m` |"))
    }

    @Test func everyTableRowHasFourCells() {
        for line in reference.split(separator: "\n") where line.hasPrefix("|") {
            // Split on pipes that are not escaped.
            var cells = 0
            var previous: Character = " "
            for character in line {
                if character == "|", previous != "\\" { cells += 1 }
                previous = character
            }
            #expect(cells == 5, "\(line)")
        }
    }

    @Test func directiveNamesAreUniqueWithinABlock() {
        for (_, block) in Directives.topLevel.spec.allBlocks() {
            let names = block.directives.map(\.name)
            #expect(Set(names).count == names.count, "\(block.name)")
        }
    }
}
