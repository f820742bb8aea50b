namespace Router.Actors.OpenRouter;

/// <summary>Settings of <see cref="OpenRouterClient"/>; the node maps them from OPENROUTER_* variables.</summary>
public sealed record OpenRouterClientOptions
{
    public const string DefaultBaseUrl = "https://openrouter.ai/api/v1";

    public string BaseUrl { get; init; } = DefaultBaseUrl;
    public string ApiKey { get; init; } = "";

    /// <summary>Per attempt: until the whole answer (non-streaming), until the headers and between chunks (streaming).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts per call, the first included (OPENROUTER_RETRY_ATTEMPTS).</summary>
    public int RetryAttempts { get; init; } = 3;

    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].</summary>
    public double Jitter { get; init; } = 0.25;

    /// <summary>
    /// Also retry 429s on the same model (sleeping Retry-After, capped at <see cref="BackoffMax"/>). Off for routing,
    /// where a 429 should fall back to another model at once; on for callers with one model to try.
    /// </summary>
    public bool RetryRateLimited { get; init; }

    /// <summary>Sent as HTTP-Referer and X-Title (OpenRouter's app attribution).</summary>
    public string SiteUrl { get; init; } = "http://localhost";
    public string AppName { get; init; } = "Router";
}
