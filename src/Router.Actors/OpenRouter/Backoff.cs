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

        var exponential = @base.TotalSeconds * Math.Pow(2, Math.Min(retry, 30));
        var capped = Math.Min(exponential, max.TotalSeconds);
        var factor = 1 + jitter * (2 * random01 - 1);
        var seconds = Math.Clamp(capped * factor, 0, max.TotalSeconds);
        return TimeSpan.FromSeconds(seconds);
    }

    public static TimeSpan Delay(int retry, OpenRouterClientOptions options, double random01, TimeSpan? retryAfter = null) =>
        Delay(retry, options.BackoffBase, options.BackoffMax, options.Jitter, random01, retryAfter);
}
