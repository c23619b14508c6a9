import Testing

@testable import PorticoConfig

@Suite struct SuggestionTests {
    @Test(arguments: [
        ("", "", 0), ("listen", "listen", 0), ("listn", "listen", 1), ("lisetn", "listen", 2), ("", "abc", 3),
        ("abc", "", 3), ("kitten", "sitting", 3), ("wieght", "weight", 2),
    ])
    func levenshteinDistance(a: String, b: String, distance: Int) {
        #expect(Suggestion.distance(a, b) == distance)
        #expect(Suggestion.distance(b, a) == distance)
    }

    @Test func suggestsTheClosestNameWithinTwoEdits() {
        let names = ["workers", "listen", "shutdown_timeout", "backend", "route"]
        #expect(Suggestion.closest(to: "listn", among: names) == "listen")
        #expect(Suggestion.closest(to: "LISTEN", among: names) == "listen")
        #expect(Suggestion.closest(to: "worker", among: names) == "workers")
        #expect(Suggestion.closest(to: "routes", among: names) == "route")
        #expect(Suggestion.closest(to: "frontend", among: names) == nil)
        #expect(Suggestion.didYouMean("backedn", among: names) == #" (did you mean "backend"?)"#)
        #expect(Suggestion.didYouMean("xyz", among: names) == "")
    }

    @Test func aTieGoesToTheEarlierName() {
        #expect(Suggestion.closest(to: "bat", among: ["cat", "hat"]) == "cat")
        #expect(Suggestion.closest(to: "lr", among: ["s3fifo", "lru"]) == "lru")
    }
}
