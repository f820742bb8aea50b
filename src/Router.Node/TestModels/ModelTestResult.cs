using Router.Contracts;

namespace Router.Node.TestModels;

/// <summary>One model's test: "Hello, world!" through its model actor, no fallback.</summary>
public sealed record ModelTestResult
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public bool Ok { get; init; }
    public double? LatencyMs { get; init; }

    /// <summary>When the first content arrived (the answer is streamed).</summary>
    public double? FirstTokenMs { get; init; }

    /// <summary>Completion tokens per second after the first token.</summary>
    public double? TokensPerSecond { get; init; }
    public int? PromptTokens { get; init; }
    public int? CompletionTokens { get; init; }
    public int? TotalTokens { get; init; }

    /// <summary>Short failure category: rate limited, requires credits, not found, timeout, ...</summary>
    public string? Reason { get; init; }
    public string? Error { get; init; }
    public int? StatusCode { get; init; }

    /// <summary>How many times the model was called (429s are waited out and retried).</summary>
    public int Tries { get; init; } = 1;
    public string? Response { get; init; }
    public DateTimeOffset Timestamp { get; init; }

    public static string ReasonFor(UpstreamErrorKind kind) => kind switch
    {
        UpstreamErrorKind.RateLimited => "rate limited",
        UpstreamErrorKind.PaymentRequired => "requires credits",
        UpstreamErrorKind.ModelUnavailable => "not found",
        UpstreamErrorKind.Timeout => "timeout",
        UpstreamErrorKind.ServerError => "server error",
        UpstreamErrorKind.Network => "network error",
        UpstreamErrorKind.Unauthorized => "unauthorized (API key)",
        UpstreamErrorKind.Forbidden => "moderation",
        UpstreamErrorKind.BadRequest => "bad request",
        UpstreamErrorKind.ContextLengthExceeded => "context too long",
        UpstreamErrorKind.InvalidResponse => "invalid response",
        UpstreamErrorKind.StreamError => "stream error",
        UpstreamErrorKind.InvalidRequest => "request not sendable",
        UpstreamErrorKind.Internal => "router error",
        UpstreamErrorKind.UnknownModel => "not found",
        _ => kind.ToString(),
    };
}
