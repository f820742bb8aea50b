using System.Text.Json.Serialization;

namespace Router.Contracts;

/// <summary>OpenAI's error shape plus the seed's fields: <c>{"error":{"message","type","param","code","status_code","model","should_retry","rate_limited"}}</c>.</summary>
public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("status_code")] int StatusCode,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("should_retry")] bool ShouldRetry,
    [property: JsonPropertyName("rate_limited")] bool RateLimited)
{
    public static OpenAiError BadRequest(string message, string? param = null, string code = "invalid_request") =>
        new(message, "invalid_request_error", param, code, 400, null, false, false);

    /// <summary>The HTTP answer for a routing failure.</summary>
    public static OpenAiError FromUpstream(UpstreamError error)
    {
        var (status, type, code) = error.Kind switch
        {
            UpstreamErrorKind.BadRequest => (400, "invalid_request_error", "upstream_bad_request"),
            UpstreamErrorKind.ContextLengthExceeded => (400, "invalid_request_error", "context_length_exceeded"),
            UpstreamErrorKind.Unauthorized => (502, "upstream_error", "upstream_unauthorized"),
            UpstreamErrorKind.PaymentRequired => (402, "insufficient_quota", "insufficient_credits"),
            UpstreamErrorKind.Forbidden => (403, "invalid_request_error", "moderation_flagged"),
            UpstreamErrorKind.RateLimited => (429, "rate_limit_error", "rate_limited"),
            UpstreamErrorKind.Timeout => (504, "timeout_error", "upstream_timeout"),
            UpstreamErrorKind.ModelUnavailable => (503, "server_error", "model_unavailable"),
            UpstreamErrorKind.InvalidRequest => (400, "invalid_request_error", "invalid_request"),
            UpstreamErrorKind.Internal => (500, "server_error", "internal_error"),
            UpstreamErrorKind.UnknownModel => (400, "invalid_request_error", "model_not_found"),
            UpstreamErrorKind.NoCandidate => (400, "invalid_request_error", "no_candidate_model"),
            _ => (502, "upstream_error", "upstream_error"),
        };
        var message = error.Kind == UpstreamErrorKind.Unauthorized ? "OpenRouter rejected Router's API key: " + error.Message : error.Message;
        return new OpenAiError(message, type, null, code, status, error.Model, error.ShouldFallback, error.RateLimited);
    }
}

public sealed record OpenAiErrorEnvelope([property: JsonPropertyName("error")] OpenAiError Error);
