namespace Router.Contracts;

/// <summary>Why an upstream (OpenRouter) call failed, in the terms routing decisions need.</summary>
public enum UpstreamErrorKind
{
    /// <summary>429: the model (or key) is rate limited until <see cref="UpstreamError.RetryAfter"/>.</summary>
    RateLimited,
    /// <summary>5xx from OpenRouter or the provider.</summary>
    ServerError,
    /// <summary>408, or no answer within the attempt timeout.</summary>
    Timeout,
    /// <summary>Connection refused/reset, DNS, TLS.</summary>
    Network,
    /// <summary>404, or an unknown model id: this model cannot serve, another may.</summary>
    ModelUnavailable,
    /// <summary>The prompt does not fit this model's context; a larger one may take it.</summary>
    ContextLengthExceeded,
    /// <summary>400: the request itself is wrong; every model would refuse it.</summary>
    BadRequest,
    /// <summary>401: the OpenRouter key is wrong.</summary>
    Unauthorized,
    /// <summary>402: the account has no credits.</summary>
    PaymentRequired,
    /// <summary>403: input flagged by moderation.</summary>
    Forbidden,
    /// <summary>200 with a body that is not a completion.</summary>
    InvalidResponse,
    /// <summary>An error chunk, or the stream ended early, after the 200 headers.</summary>
    StreamError,
    /// <summary>Router could not send the request (e.g. it cannot be encoded): the request's fault, not the model's; nothing left Router.</summary>
    InvalidRequest,
    /// <summary>Router failed on its own, before or around the call: not the model's fault, and another model would fare no better.</summary>
    Internal,
    /// <summary>The request named only models that do not exist (none is in the catalog): the client's error, as OpenRouter's 400 for an invalid model id.</summary>
    UnknownModel,
    /// <summary>The request's own constraints (its <c>router</c> object, its context needs) left no model to try: the client's choice.</summary>
    NoCandidate,
}

/// <summary>
/// A classified upstream failure. <see cref="ShouldFallback"/>: another model may succeed (429, 5xx, timeouts,
/// unknown models); false for errors every model would repeat (400, 401, 402, 403, and Router's own failures).
/// </summary>
public sealed record UpstreamError(
    UpstreamErrorKind Kind,
    int? StatusCode,
    string Message,
    bool ShouldFallback,
    TimeSpan? RetryAfter = null,
    string? Model = null)
{
    public bool RateLimited => Kind == UpstreamErrorKind.RateLimited;
}
