namespace Router.Actors.OpenRouter;

/// <summary>Settings of <see cref="OpenRouterClient"/>; the node maps them from OPENROUTER_* variables.</summary>
public sealed record OpenRouterClientOptions
{
    public const string DefaultBaseUrl = "https://openrouter.ai/api/v1";

    public string BaseUrl { get; init; } = DefaultBaseUrl;
    public string ApiKey { get; init; } = "";

    /// <summary>
    /// Per attempt: until the whole answer (non-streaming); until the headers and then the longest silence (streaming),
    /// where OpenRouter's keep-alive comments count as a sign of life.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Streaming: the longest wait from the headers to the first content chunk, however many keep-alive comments arrive
    /// meanwhile (OPENROUTER_FIRST_TOKEN_TIMEOUT). Ends a call that is alive but never answers.
    /// </summary>
    public TimeSpan FirstTokenTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Attempts per call, the first included (OPENROUTER_RETRY_ATTEMPTS).</summary>
    public int RetryAttempts { get; init; } = 3;

    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].</summary>
    public double Jitter { get; init; } = 0.25;

    /// <summary>The random source of the jitter, a number in [0, 1) per delay; tests fix it.</summary>
    public Func<double> JitterSource { get; init; } = Random.Shared.NextDouble;

    /// <summary>
    /// Also retry 429s on the same model (sleeping Retry-After, capped at <see cref="BackoffMax"/>). Off for routing,
    /// where a 429 should fall back to another model at once; on for callers with one model to try.
    /// </summary>
    public bool RetryRateLimited { get; init; }

    /// <summary>The HTTP version spoken to OpenRouter (OPENROUTER_HTTP_VERSION).</summary>
    public UpstreamHttpVersion HttpVersion { get; init; } = UpstreamHttpVersion.Auto;

    /// <summary>Sent as HTTP-Referer and X-Title (OpenRouter's app attribution).</summary>
    public string SiteUrl { get; init; } = "http://localhost";
    public string AppName { get; init; } = "Router";
}

/// <summary>
/// HTTP/2 carries many calls over one connection: fewer connections and TLS sessions to OpenRouter, and under load
/// fewer system calls per request than HTTP/1.1 (several calls' frames share one socket read or write).
/// </summary>
public enum UpstreamHttpVersion
{
    /// <summary>HTTP/2 where TLS negotiates it (https), HTTP/1.1 otherwise (plain http, or a server without HTTP/2).</summary>
    Auto,

    /// <summary>HTTP/1.1 only.</summary>
    Http11,

    /// <summary>HTTP/2 only: negotiated over https, with prior knowledge over plain http (h2c); a server without it fails.</summary>
    Http2,
}
