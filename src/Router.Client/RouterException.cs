using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Client;

/// <summary>
/// A request Router could not serve, with the error an HTTP client would have got (OpenAI's shape: status, type,
/// code, <c>should_retry</c>, <c>rate_limited</c>), the failure as routing classifies it, and the attempts made.
/// </summary>
public sealed class RouterException(OpenAiError error, UpstreamError upstream, IReadOnlyList<AttemptRecord>? attempts = null)
    : Exception(error.Message)
{
    /// <summary>A routing failure, answered as the HTTP front answers it.</summary>
    public RouterException(UpstreamError upstream, IReadOnlyList<AttemptRecord>? attempts = null)
        : this(OpenAiError.FromUpstream(upstream), upstream, attempts)
    {
    }

    public OpenAiError Error { get; } = error;

    /// <summary>The failure in routing's terms: its kind, whether another model may do better, when to retry.</summary>
    public UpstreamError Upstream { get; } = upstream;

    /// <summary>The HTTP status an HTTP client would have got (400, 402, 429, 502, 503, 504, ...).</summary>
    public int StatusCode => Error.StatusCode;

    /// <summary>OpenAI's error code: <c>model_not_found</c>, <c>rate_limited</c>, <c>daily_cap_reached</c>, ...</summary>
    public string Code => Error.Code;

    /// <summary>Whether the same request may succeed later (another model, or after <see cref="RetryAfter"/>).</summary>
    public bool ShouldRetry => Error.ShouldRetry;

    public IReadOnlyList<AttemptRecord> Attempts { get; } = attempts ?? [];

    public TimeSpan? RetryAfter => Upstream.RetryAfter;
}
