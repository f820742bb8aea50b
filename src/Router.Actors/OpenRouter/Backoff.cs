namespace Router.Actors.OpenRouter;

/// <summary>Retry delays: exponential from a base, capped, jittered; a server's Retry-After wins, capped too.</summary>
public static class Backoff
{
    /// <param name="retry">0 for the first retry, 1 for the second, ...</param>
    /// <param name="random01">a uniform sample in [0, 1)</param>
    /// <param name="retryAfter">the server's Retry-After, if it sent one</param>
    public static TimeSpan Delay(int retry, TimeSpan @base, TimeSpan max, double jitter, double random01, TimeSpan? retryAfter = null)
    {
        if (retryAfter is { } serverSays)
            return serverSays <= TimeSpan.Zero ? TimeSpan.Zero : (serverSays > max ? max : serverSays);

        var capped = Doubling(@base, max, retry).TotalSeconds;
        var factor = 1 + jitter * (2 * random01 - 1);
        var seconds = Math.Clamp(capped * factor, 0, max.TotalSeconds);
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary><paramref name="base"/> doubled <paramref name="times"/> times, at most <paramref name="max"/>: every exponential wait in Router.</summary>
    public static TimeSpan Doubling(TimeSpan @base, TimeSpan max, int times) =>
        TimeSpan.FromTicks((long)Math.Min(max.Ticks, @base.Ticks * Math.Pow(2, Math.Clamp(times, 0, 30))));

    public static TimeSpan Delay(int retry, OpenRouterClientOptions options, double random01, TimeSpan? retryAfter = null) =>
        Delay(retry, options.BackoffBase, options.BackoffMax, options.Jitter, random01, retryAfter);
}
