using Router.Actors.OpenRouter;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Catalog;

public sealed record CatalogSettings
{
    /// <summary>Where the catalog singleton records its fetches (the node's metrics).</summary>
    public Observability.RouterMetrics Metrics { get; init; } = Observability.RouterMetrics.Isolated();

    /// <summary>How long a fetched list is kept before the next fetch (ROUTER_CATALOG_TTL).</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>After a failed fetch, retry after this, doubling per failure, capped by <see cref="RetryMax"/> and the TTL.</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Refreshes asked for (POST /router/catalog/refresh) start at most once per this interval; each costs an upstream
    /// fetch, a snapshot and a publication to every node.
    /// </summary>
    public TimeSpan MinRefreshInterval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The catalog singleton's state: the last good list and its fetch record. Pure transitions.</summary>
public sealed record CatalogState
{
    public IReadOnlyList<ModelInfo> Models { get; init; } = [];
    public DateTimeOffset? FetchedAt { get; init; }
    public long Version { get; init; }
    public long FetchSuccesses { get; init; }
    public long FetchFailures { get; init; }
    public int FailureStreak { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastFailureAt { get; init; }

    /// <summary>Whether a fetch is running, and when the last asked-for refresh started one (not persisted).</summary>
    public bool Fetching { get; init; }
    public DateTimeOffset? LastRefreshAt { get; init; }

    public static readonly CatalogState Empty = new();

    public CatalogState FetchStarted() => this with { Fetching = true };

    public CatalogState RefreshStarted(DateTimeOffset now) => this with { Fetching = true, LastRefreshAt = now };

    /// <summary>Whether an asked-for refresh starts a fetch: joins one running, or waits out the minimum interval.</summary>
    public CatalogRefreshAnswer Refresh(DateTimeOffset now, CatalogSettings settings)
    {
        if (Fetching) return new CatalogRefreshAnswer(CatalogRefreshOutcome.InProgress);
        if (LastRefreshAt is { } last && now - last < settings.MinRefreshInterval)
            return new CatalogRefreshAnswer(CatalogRefreshOutcome.TooSoon, last + settings.MinRefreshInterval);
        return new CatalogRefreshAnswer(CatalogRefreshOutcome.Started);
    }

    public CatalogState Fetched(IReadOnlyList<ModelInfo> models, DateTimeOffset now) => this with
    {
        Fetching = false,
        Models = models,
        FetchedAt = now,
        Version = Version + 1,
        FetchSuccesses = FetchSuccesses + 1,
        FailureStreak = 0,
    };

    /// <summary>A failed fetch keeps the last good list.</summary>
    public CatalogState FetchFailed(string error, DateTimeOffset now) => this with
    {
        Fetching = false,
        FetchFailures = FetchFailures + 1,
        FailureStreak = FailureStreak + 1,
        LastError = error,
        LastFailureAt = now,
    };

    /// <summary>When to fetch next: at the end of the TTL, or after a backoff while fetches fail or nothing was ever fetched.</summary>
    public TimeSpan NextFetchIn(DateTimeOffset now, CatalogSettings settings)
    {
        if (FailureStreak > 0)
        {
            return Backoff.Doubling(settings.RetryBase, settings.RetryMax < settings.Ttl ? settings.RetryMax : settings.Ttl, FailureStreak - 1);
        }
        if (FetchedAt is not { } fetchedAt) return TimeSpan.Zero;
        var due = fetchedAt + settings.Ttl - now;
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }

    public bool IsStale(DateTimeOffset now, CatalogSettings settings) => FetchedAt is not { } at || now - at > settings.Ttl;

    public CatalogUpdated ToUpdate() => new(Models, FetchedAt, Version, FetchSuccesses, FetchFailures, LastError, LastFailureAt);

    public CatalogSnapshot ToSnapshot() => new(Models, FetchedAt, Version, FetchSuccesses, FetchFailures);

    public static CatalogState FromSnapshot(CatalogSnapshot s) => new()
    {
        Models = s.Models,
        FetchedAt = s.FetchedAt,
        Version = s.Version,
        FetchSuccesses = s.FetchSuccesses,
        FetchFailures = s.FetchFailures,
    };
}
