using Router.Contracts.OpenRouter;

namespace Router.Contracts.Messages;

public sealed record GetCatalog : IRouterMessage
{
    public static readonly GetCatalog Instance = new();
}

/// <summary>Fetch now instead of waiting for the TTL.</summary>
public sealed record RefreshCatalog : IRouterMessage
{
    public static readonly RefreshCatalog Instance = new();
}

/// <summary>The catalog singleton's current list and fetch record; published to every node after each change.</summary>
public sealed record CatalogUpdated(
    IReadOnlyList<ModelInfo> Models,
    DateTimeOffset? FetchedAt,
    long Version,
    long FetchSuccesses,
    long FetchFailures,
    string? LastError,
    DateTimeOffset? LastFailureAt) : IRouterMessage;

/// <summary>The catalog singleton's persisted snapshot: the last good list.</summary>
public sealed record CatalogSnapshot(
    IReadOnlyList<ModelInfo> Models,
    DateTimeOffset? FetchedAt,
    long Version,
    long FetchSuccesses,
    long FetchFailures) : IRouterMessage;
