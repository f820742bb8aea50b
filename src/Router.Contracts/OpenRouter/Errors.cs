using System.Text.Json;

namespace Router.Contracts.OpenRouter;

/// <summary>OpenRouter's error object. <see cref="Code"/> is a number (HTTP status) or a string ("server_error").</summary>
public sealed record ErrorDetail
{
    public JsonElement? Code { get; init; }
    public string? Message { get; init; }
    public JsonElement? Metadata { get; init; }
}

/// <summary><c>{"error": {...}}</c></summary>
public sealed record ErrorEnvelope(ErrorDetail? Error);

/// <summary><c>GET /key</c>: the calling key's limits.</summary>
public sealed record KeyInfo
{
    public string? Label { get; init; }
    public double? Usage { get; init; }
    public double? Limit { get; init; }
    public bool? IsFreeTier { get; init; }
    public KeyRateLimit? RateLimit { get; init; }
}

public sealed record KeyRateLimit(int Requests, string Interval);

public sealed record KeyInfoEnvelope(KeyInfo Data);
