using Router.Actors.Catalog;
using Router.Contracts.Messages;
using Router.FakeOpenRouter;

namespace Router.Tests.Catalog;

public class CatalogStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CatalogSettings Settings = new() { Ttl = TimeSpan.FromHours(1), RetryBase = TimeSpan.FromSeconds(5), RetryMax = TimeSpan.FromMinutes(5) };

    [Fact]
    public void An_empty_catalog_fetches_at_once()
    {
        Assert.Equal(TimeSpan.Zero, CatalogState.Empty.NextFetchIn(T0, Settings));
        Assert.True(CatalogState.Empty.IsStale(T0, Settings));
    }

    [Fact]
    public void A_fetched_list_is_kept_for_the_ttl()
    {
        var state = CatalogState.Empty.Fetched(SyntheticCatalog.Generate(10), T0);
        Assert.Equal(1, state.Version);
        Assert.Equal(TimeSpan.FromMinutes(40), state.NextFetchIn(T0.AddMinutes(20), Settings));
        Assert.False(state.IsStale(T0.AddMinutes(59), Settings));
        Assert.True(state.IsStale(T0.AddMinutes(61), Settings));
        Assert.Equal(TimeSpan.Zero, state.NextFetchIn(T0.AddHours(2), Settings));
    }

    [Fact]
    public void A_failed_fetch_keeps_the_last_good_list_and_retries_with_backoff()
    {
        var good = CatalogState.Empty.Fetched(SyntheticCatalog.Generate(10), T0);
        var failed = good.FetchFailed("HTTP 502", T0.AddHours(1));
        Assert.Equal(10, failed.Models.Count);
        Assert.Equal(1, failed.Version);
        Assert.Equal(1, failed.FetchFailures);
        Assert.Equal("HTTP 502", failed.LastError);
        Assert.Equal(TimeSpan.FromSeconds(5), failed.NextFetchIn(T0.AddHours(1), Settings));
        var again = failed.FetchFailed("x", T0).FetchFailed("x", T0);
        Assert.Equal(TimeSpan.FromSeconds(20), again.NextFetchIn(T0, Settings));
        var many = Enumerable.Range(0, 20).Aggregate(again, (s, _) => s.FetchFailed("x", T0));
        Assert.Equal(TimeSpan.FromMinutes(5), many.NextFetchIn(T0, Settings));
    }

    [Fact]
    public void The_retry_backoff_never_exceeds_the_ttl()
    {
        var shortTtl = Settings with { Ttl = TimeSpan.FromSeconds(30) };
        var failed = Enumerable.Range(0, 10).Aggregate(CatalogState.Empty, (s, _) => s.FetchFailed("x", T0));
        Assert.Equal(TimeSpan.FromSeconds(30), failed.NextFetchIn(T0, shortTtl));
    }

    [Fact]
    public void A_success_after_failures_resets_the_streak()
    {
        var state = CatalogState.Empty.FetchFailed("x", T0).FetchFailed("y", T0).Fetched(SyntheticCatalog.Generate(3), T0);
        Assert.Equal(0, state.FailureStreak);
        Assert.Equal(2, state.FetchFailures);
        Assert.Equal(1, state.FetchSuccesses);
    }

    [Fact]
    public void Snapshots_round_trip()
    {
        var state = CatalogState.Empty.Fetched(SyntheticCatalog.Generate(5), T0).FetchFailed("x", T0);
        var restored = CatalogState.FromSnapshot(state.ToSnapshot());
        Assert.Equal(state.Models, restored.Models);
        Assert.Equal(state.Version, restored.Version);
        Assert.Equal(state.FetchFailures, restored.FetchFailures);
    }

    [Fact]
    public void The_replica_orders_by_context_length_and_ignores_older_versions()
    {
        var replica = new CatalogReplica();
        var models = new[] { SyntheticCatalog.Model("a/small", 4096), SyntheticCatalog.Model("b/huge", 1_000_000), SyntheticCatalog.Model("c/mid", 128000), SyntheticCatalog.Model("a/mid", 128000) };
        Assert.True(replica.Apply(new CatalogUpdated(models, T0, 2, 2, 0, null, null)));
        Assert.Equal(["b/huge", "a/mid", "c/mid", "a/small"], replica.Current.ByContextLength.Select(m => m.Value));
        Assert.False(replica.Apply(new CatalogUpdated([], T0, 1, 1, 0, null, null)));
        Assert.Equal(4, replica.Current.Models.Count);
        Assert.True(replica.Apply(new CatalogUpdated([], T0, 2, 2, 1, "down", T0)));
        Assert.Equal(4, replica.Current.Models.Count);
        Assert.Equal("down", replica.Current.Update.LastError);
    }

    [Fact]
    public void An_asked_for_refresh_joins_a_running_fetch_and_waits_out_the_minimum_interval()
    {
        var settings = new CatalogSettings { MinRefreshInterval = TimeSpan.FromSeconds(10) };
        var t0 = T0;
        Assert.Equal(CatalogRefreshOutcome.Started, CatalogState.Empty.Refresh(t0, settings).Outcome);

        Assert.Equal(CatalogRefreshOutcome.InProgress, CatalogState.Empty.FetchStarted().Refresh(t0, settings).Outcome);
        var fetching = CatalogState.Empty.RefreshStarted(t0);
        Assert.Equal(CatalogRefreshOutcome.InProgress, fetching.Refresh(t0.AddSeconds(30), settings).Outcome);

        var done = fetching.FetchFailed("boom", t0.AddSeconds(1));
        Assert.Equal(new CatalogRefreshAnswer(CatalogRefreshOutcome.TooSoon, t0.AddSeconds(10)), done.Refresh(t0.AddSeconds(9), settings));
        Assert.Equal(CatalogRefreshOutcome.Started, done.Refresh(t0.AddSeconds(10), settings).Outcome);
    }
}
