using Router.Actors.Observability;

namespace Router.Tests.Observability;

public class FallbackHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Fallbacks_are_counted_in_ten_second_buckets_over_fifteen_minutes()
    {
        var history = new FallbackHistory();
        history.Record(T0.AddSeconds(1));
        history.Record(T0.AddSeconds(9));
        history.Record(T0.AddSeconds(25));

        var points = history.Points(T0.AddSeconds(31));
        Assert.Equal(90, points.Count);
        Assert.Equal(T0.AddSeconds(30), points[^1].Start);
        Assert.Equal([2L, 0, 1, 0], points.TakeLast(4).Select(p => p.Fallbacks));
        Assert.All(points.SkipLast(4), p => Assert.Equal(0, p.Fallbacks));
    }

    [Fact]
    public void A_bucket_older_than_fifteen_minutes_is_forgotten_when_its_slot_comes_round_again()
    {
        var history = new FallbackHistory();
        history.Record(T0);
        history.Record(T0.AddMinutes(15)); // the same slot, fifteen minutes on
        var points = history.Points(T0.AddMinutes(15));
        Assert.Equal(1, points.Sum(p => p.Fallbacks));
        Assert.Equal(1, points[^1].Fallbacks);
        // Read long after, nothing old is shown as recent.
        Assert.All(history.Points(T0.AddHours(3)), p => Assert.Equal(0, p.Fallbacks));
    }

    [Fact]
    public void Coordinators_on_many_threads_lose_no_count()
    {
        var history = new FallbackHistory();
        Parallel.For(0, 10_000, _ => history.Record(T0.AddSeconds(3)));
        Assert.Equal(10_000, history.Points(T0.AddSeconds(3))[^1].Fallbacks);
    }
}
