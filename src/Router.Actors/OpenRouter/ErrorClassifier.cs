using System.Net.Http.Headers;
using System.Text.Json;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Actors.OpenRouter;

/// <summary>Maps HTTP statuses, error bodies and exceptions to <see cref="UpstreamError"/>.</summary>
public static class ErrorClassifier
{
    public static UpstreamError FromStatus(int status, string? message, TimeSpan? retryAfter = null, string? model = null)
    {
        message = string.IsNullOrWhiteSpace(message) ? $"OpenRouter answered HTTP {status}" : message;
        var kind = status switch
        {
            400 when IsUnknownModel(message) => UpstreamErrorKind.ModelUnavailable,
            400 or 413 when IsContextTooLong(message) => UpstreamErrorKind.ContextLengthExceeded,
            401 => UpstreamErrorKind.Unauthorized,
            402 => UpstreamErrorKind.PaymentRequired,
            403 => UpstreamErrorKind.Forbidden,
            404 => UpstreamErrorKind.ModelUnavailable,
            408 => UpstreamErrorKind.Timeout,
            429 => UpstreamErrorKind.RateLimited,
            >= 500 => UpstreamErrorKind.ServerError,
            _ => UpstreamErrorKind.BadRequest,
        };
        return new UpstreamError(kind, status, message, ShouldFallback(kind), kind == UpstreamErrorKind.RateLimited ? retryAfter : null, model);
    }

    public static UpstreamError Of(UpstreamErrorKind kind, string message, int? status = null, string? model = null) =>
        new(kind, status, message, ShouldFallback(kind), null, model);

    /// <summary>
    /// Any exception from running an upstream call, classified in one place: the upstream's outcome (<c>FromUpstream</c>:
    /// it counts against the model's health), or not (the request cannot be sent: its 400; a failure inside Router: 500).
    /// </summary>
    public static (UpstreamError Error, bool FromUpstream) FromException(Exception e, string? model) => e switch
    {
        OpenRouterException o => (o.Error, true),
        IOException or HttpRequestException => (Of(UpstreamErrorKind.Network, "Connection to OpenRouter broke: " + e.Message, null, model), true),
        UnsendableRequestException u => (Of(UpstreamErrorKind.InvalidRequest, u.Message, 400, model), false),
        _ => (Of(UpstreamErrorKind.Internal, "Router failed to call the model: " + e.Message, 500, model), false),
    };

    /// <summary>A mid-stream error chunk: its code is an HTTP status or a string such as "server_error".</summary>
    public static UpstreamError FromStreamError(ErrorDetail error, string? model)
    {
        var message = error.Message ?? "Upstream stream error";
        if (error.Code is { ValueKind: JsonValueKind.Number } code && code.TryGetInt32(out var status))
            return FromStatus(status, message, null, model) with { Kind = UpstreamErrorKind.StreamError, StatusCode = status };
        return Of(UpstreamErrorKind.StreamError, message, null, model);
    }

    public static bool ShouldFallback(UpstreamErrorKind kind) => kind switch
    {
        UpstreamErrorKind.BadRequest or UpstreamErrorKind.Unauthorized
            or UpstreamErrorKind.PaymentRequired or UpstreamErrorKind.Forbidden
            or UpstreamErrorKind.InvalidRequest or UpstreamErrorKind.Internal or UpstreamErrorKind.UnknownModel
            or UpstreamErrorKind.NoCandidate => false,
        _ => true,
    };

    /// <summary>Worth retrying on the same model: the failure is likely to pass.</summary>
    public static bool IsTransientStatus(int status) => status is 408 or >= 500;

    private const long MaxUnixMs = 253_402_300_799_999; // DateTimeOffset.MaxValue

    /// <summary>The wait a response asks for: Retry-After (seconds or date), else X-RateLimit-Reset (epoch ms).</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.RetryAfter is { } header)
            return FromHeader(header, now);
        if (response.Headers.TryGetValues("X-RateLimit-Reset", out var values)
            && long.TryParse(values.FirstOrDefault(), out var resetMs)
            && resetMs is >= 0 and <= MaxUnixMs)
        {
            var wait = DateTimeOffset.FromUnixTimeMilliseconds(resetMs) - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private static TimeSpan? FromHeader(RetryConditionHeaderValue header, DateTimeOffset now)
    {
        if (header.Delta is { } delta) return delta;
        if (header.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        return null;
    }

    /// <summary>The message of an OpenRouter/OpenAI error body, or the raw body trimmed.</summary>
    public static string? MessageOf(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            var envelope = JsonSerializer.Deserialize(body, RouterJsonContext.Default.ErrorEnvelope);
            if (envelope?.Error?.Message is { Length: > 0 } m) return m;
        }
        catch (JsonException)
        {
        }
        return body.Length > 300 ? body[..300] : body;
    }

    private static bool IsUnknownModel(string message) =>
        message.Contains("not a valid model", StringComparison.OrdinalIgnoreCase)
        || message.Contains("model not found", StringComparison.OrdinalIgnoreCase)
        || message.Contains("no endpoints found", StringComparison.OrdinalIgnoreCase);

    private static bool IsContextTooLong(string message) =>
        message.Contains("context length", StringComparison.OrdinalIgnoreCase)
        || message.Contains("context_length", StringComparison.OrdinalIgnoreCase);
}
