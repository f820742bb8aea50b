using Router.Actors.Models;
using Router.Contracts.Messages;

namespace Router.Tests.Models;

public class CallHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Calls_fall_into_ten_second_buckets_with_their_latency_percentiles_and_first_token()
    {
        var history = new CallHistory();
        for (var i = 1; i <= 20; i++) history.Record(T0.AddSeconds(1), ok: true, latencyMs: i * 10, firstTokenMs: i % 2 == 0 ? 100 : null, CircuitState.Closed);
        history.Record(T0.AddSeconds(2), ok: false, null, null, CircuitState.Closed);
        history.Record(T0.AddSeconds(12), ok: true, 5, null, CircuitState.Closed);

        var points = history.Points(T0.AddSeconds(15), CircuitState.Closed);
        Assert.Equal(2, points.Count);
        Assert.Equal(new HistoryPoint(T0, 20, 1, 100, 190, 100, CircuitState.Closed), points[0]);
        Assert.Equal(new HistoryPoint(T0.AddSeconds(10), 1, 0, 5, 5, null, CircuitState.Closed), points[1]);
    }

    [Fact]
    public void Quiet_buckets_are_filled_with_the_circuit_as_it_was_and_only_fifteen_minutes_are_kept()
    {
        var history = new CallHistory();
        history.Record(T0, ok: false, null, null, CircuitState.Open);
        var points = history.Points(T0.AddSeconds(35), CircuitState.Open);
        Assert.Equal([1L, 0, 0, 0], points.Select(p => p.Failures));
        Assert.All(points, p => Assert.Equal(CircuitState.Open, p.Circuit));
        Assert.Equal(T0.AddSeconds(30), points[^1].Start);

        history.Circuit(T0.AddMinutes(20), CircuitState.Closed); // long after: the ring holds 15 minutes, not more
        points = history.Points(T0.AddMinutes(20), CircuitState.Closed);
        Assert.Equal(CallHistory.Buckets, points.Count);
        Assert.Equal(T0.AddMinutes(20) - CallHistory.Width * (CallHistory.Buckets - 1), points[0].Start);
        Assert.All(points, p => Assert.Equal(0, p.Failures));
    }

    [Fact]
    public void A_busy_bucket_keeps_a_bounded_sample_of_latencies()
    {
        var history = new CallHistory();
        for (var i = 0; i < 10_000; i++) history.Record(T0, ok: true, 50, null, CircuitState.Closed);
        var point = Assert.Single(history.Points(T0, CircuitState.Closed));
        Assert.Equal((10_000L, 50.0, 50.0), (point.Calls, point.LatencyP50Ms!.Value, point.LatencyP95Ms!.Value));
    }
}
