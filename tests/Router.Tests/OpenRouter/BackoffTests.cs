using Router.Actors.OpenRouter;

namespace Router.Tests.OpenRouter;

public class BackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(12);

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(1, 2.0)]
    [InlineData(2, 4.0)]
    [InlineData(3, 8.0)]
    [InlineData(4, 12.0)] // 16 capped at the max
    [InlineData(40, 12.0)]
    public void Without_jitter_delays_double_up_to_the_max(int retry, double expectedSeconds)
    {
        Assert.Equal(expectedSeconds, Backoff.Delay(retry, Base, Max, jitter: 0, random01: 0.9).TotalSeconds, 6);
    }

    [Fact]
    public void Jitter_spreads_the_delay_within_its_fraction()
    {
        Assert.Equal(3.0, Backoff.Delay(2, Base, Max, 0.25, random01: 0).TotalSeconds, 6);   // 4 * 0.75
        Assert.Equal(4.0, Backoff.Delay(2, Base, Max, 0.25, random01: 0.5).TotalSeconds, 6); // 4 * 1.00
        Assert.Equal(4.998, Backoff.Delay(2, Base, Max, 0.25, random01: 0.999).TotalSeconds, 3); // 4 * 1.2495
    }

    [Fact]
    public void Jitter_never_pushes_past_the_max()
    {
        Assert.Equal(12.0, Backoff.Delay(10, Base, Max, 0.25, random01: 0.999).TotalSeconds, 6);
    }

    [Fact]
    public void Jittered_delays_differ_between_samples()
    {
        var random = new Random(7);
        var delays = Enumerable.Range(0, 50).Select(_ => Backoff.Delay(1, Base, Max, 0.25, random.NextDouble())).ToList();
        Assert.All(delays, d => Assert.InRange(d.TotalSeconds, 1.5, 2.5));
        Assert.True(delays.Distinct().Count() > 40);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(30, 12)] // a server's long Retry-After is capped at the max
    [InlineData(0, 0)]
    public void Retry_after_wins_over_the_exponential_and_is_capped(double retryAfter, double expected)
    {
        Assert.Equal(expected, Backoff.Delay(0, Base, Max, 0.25, 0.99, TimeSpan.FromSeconds(retryAfter)).TotalSeconds, 6);
    }
}
