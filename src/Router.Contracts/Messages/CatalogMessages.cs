using Router.Contracts.OpenRouter;

namespace Router.Contracts.Messages;

public sealed record GetCatalog : IRouterMessage
{
    public static readonly GetCatalog Instance = new();
}

/// <summary>Fetch now instead of waiting for the TTL; answered with <see cref="CatalogRefreshAnswer"/>.</summary>
public sealed record RefreshCatalog : IRouterMessage
{
    public static readonly RefreshCatalog Instance = new();
}

public enum CatalogRefreshOutcome
{
    /// <summary>A fetch started.</summary>
    Started,
    /// <summary>A fetch was already running; this request joins it.</summary>
    InProgress,
    /// <summary>The last fetch started less than the minimum interval ago; none started.</summary>
    TooSoon,
}

/// <summary>What a <see cref="RefreshCatalog"/> did; <see cref="RetryAt"/>: when a refresh may start again (TooSoon).</summary>
public sealed record CatalogRefreshAnswer(CatalogRefreshOutcome Outcome, DateTimeOffset? RetryAt = null) : IRouterMessage;

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
