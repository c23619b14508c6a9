import PorticoUpstream
import Testing

@Suite struct LatencyHistogramTests {
    @Test func observationsLandInTheirBucketsAndAddUp() {
        var histogram = LatencyHistogram()
        for seconds in [0.0005, 0.001, 0.003, 0.2, 0.2, 30] { histogram.observe(seconds) }
        #expect(histogram.count == 6)
        #expect(abs(histogram.sum - 30.4045) < 1e-9)
        // Bounds 0.001, 0.0025, 0.005, …, 0.25, …: the first two are at or below 1 ms.
        #expect(histogram.cumulative[0] == 2)
        #expect(histogram.cumulative[2] == 3)
        #expect(histogram.cumulative[7] == 5)
        #expect(histogram.cumulative.last == 6)
        #expect(histogram.counts.last == 1, "30 s is only in the +Inf bucket")
    }

    @Test func quantilesInterpolateInsideTheBucket() {
        var histogram = LatencyHistogram()
        for _ in 0..<100 { histogram.observe(0.015) }  // all in (0.01, 0.025]
        #expect(abs((histogram.quantile(0.5) ?? 0) - 0.0175) < 1e-9)
        #expect(abs((histogram.quantile(0.99) ?? 0) - 0.02485) < 1e-9)
        #expect(LatencyHistogram().quantile(0.5) == nil)
    }

    @Test func aQuantileInTheOpenBucketIsTheHighestBound() {
        var histogram = LatencyHistogram()
        histogram.observe(60)
        #expect(histogram.quantile(0.5) == LatencyHistogram.bounds.last)
    }
}
