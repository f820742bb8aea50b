using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Time.Testing;
using Router.Actors.Catalog;
using Router.Actors.OpenRouter;
using Router.Contracts.Messages;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Catalog;

/// <summary>The catalog actor and a replica on a one-node cluster, against the fake over HTTP.</summary>
public class CatalogActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Cluster), output), IAsyncLifetime
{
    private FakeOpenRouterServer _fake = null!;
    private OpenRouterClient _client = null!;

    public async Task InitializeAsync()
    {
        Cluster.Get(Sys).Join(Cluster.Get(Sys).SelfAddress);
        _fake = await FakeOpenRouterServer.StartAsync(new FakeOpenRouterOptions { ModelCount = 40 });
        _client = new OpenRouterClient(Fakes.ClientOptions(_fake) with { RetryAttempts = 1 });
        await AwaitConditionAsync(() => Task.FromResult(Cluster.Get(Sys).SelfMember.Status == MemberStatus.Up), TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    private IActorRef SpawnCatalog(CatalogSettings settings) => Sys.ActorOf(CatalogActor.Props(_client, settings, TimeProvider.System));

    [Fact]
    public async Task Fetches_at_start_and_reaches_every_replica()
    {
        var catalog = SpawnCatalog(new CatalogSettings());
        var replica = new CatalogReplica();
        Sys.ActorOf(CatalogReplicaActor.Props(replica, catalog, TimeSpan.FromMilliseconds(200)));

        await AwaitConditionAsync(() => Task.FromResult(replica.Current.IsLoaded), TimeSpan.FromSeconds(10));
        Assert.Equal(40, replica.Current.Models.Count);
        Assert.Equal(1, replica.Current.Update.FetchSuccesses);
    }

    [Fact]
    public async Task Refreshes_after_the_ttl()
    {
        var catalog = SpawnCatalog(new CatalogSettings { Ttl = TimeSpan.FromMilliseconds(500) });
        var replica = new CatalogReplica();
        Sys.ActorOf(CatalogReplicaActor.Props(replica, catalog, TimeSpan.FromMilliseconds(200)));
        await AwaitConditionAsync(() => Task.FromResult(replica.Current.IsLoaded), TimeSpan.FromSeconds(10));

        _fake.Script.SetCatalog(SyntheticCatalog.Generate(55));
        await AwaitConditionAsync(() => Task.FromResult(replica.Current.Models.Count == 55), TimeSpan.FromSeconds(10));
        Assert.True(replica.Current.Update.Version >= 2);
    }

    [Fact]
    public async Task Keeps_serving_the_last_good_list_when_fetches_fail_and_counts_them()
    {
        var catalog = SpawnCatalog(new CatalogSettings { Ttl = TimeSpan.FromMilliseconds(300), RetryBase = TimeSpan.FromMilliseconds(100) });
        var replica = new CatalogReplica();
        Sys.ActorOf(CatalogReplicaActor.Props(replica, catalog, TimeSpan.FromMilliseconds(200)));
        await AwaitConditionAsync(() => Task.FromResult(replica.Current.IsLoaded), TimeSpan.FromSeconds(10));

        _fake.Script.ModelsStatusCode = 503;
        await AwaitConditionAsync(() => Task.FromResult(replica.Current.Update.FetchFailures >= 3), TimeSpan.FromSeconds(10));
        Assert.Equal(40, replica.Current.Models.Count);
        Assert.Contains("503", replica.Current.Update.LastError ?? "");

        _fake.Script.ModelsStatusCode = null;
        var failures = replica.Current.Update.FetchFailures;
        await AwaitConditionAsync(() => Task.FromResult(replica.Current.Update.FetchSuccesses >= 2), TimeSpan.FromSeconds(10));
        Assert.True(replica.Current.Update.FetchFailures >= failures);
    }

    [Fact]
    public async Task Asked_for_refreshes_share_one_fetch_and_start_at_most_once_per_interval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new CatalogSettings { MinRefreshInterval = TimeSpan.FromSeconds(10) };
        var catalog = Sys.ActorOf(CatalogActor.Props(_client, settings, time));
        CatalogUpdated Current()
        {
            catalog.Tell(GetCatalog.Instance);
            return ExpectMsg<CatalogUpdated>();
        }
        await AwaitAssertAsync(() => Assert.Equal(1, Current().FetchSuccesses), TimeSpan.FromSeconds(10));

        List<CatalogRefreshOutcome> Burst()
        {
            for (var i = 0; i < 50; i++) catalog.Tell(RefreshCatalog.Instance);
            return ReceiveN(50, TimeSpan.FromSeconds(5)).Cast<CatalogRefreshAnswer>().Select(a => a.Outcome).ToList();
        }

        // The first of a burst starts one fetch, the rest join it or wait; none starts again within the interval.
        Assert.Equal(1, Burst().Count(o => o == CatalogRefreshOutcome.Started));
        await AwaitAssertAsync(() => Assert.Equal(2, Current().FetchSuccesses), TimeSpan.FromSeconds(10));
        Assert.All(Burst(), o => Assert.Equal(CatalogRefreshOutcome.TooSoon, o));
        Assert.Equal(2, Current().FetchSuccesses);

        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, Burst().Count(o => o == CatalogRefreshOutcome.Started));
        await AwaitAssertAsync(() => Assert.Equal(3, Current().FetchSuccesses), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_restarted_catalog_serves_its_snapshot_before_any_fetch_succeeds()
    {
        var first = SpawnCatalog(new CatalogSettings());
        await AwaitAssertAsync(() =>
        {
            first.Tell(GetCatalog.Instance);
            Assert.Equal(40, ExpectMsg<CatalogUpdated>().Models.Count);
        }, TimeSpan.FromSeconds(10));
        // The snapshot is written asynchronously: wait until the store has it, then crash (no last snapshot).
        var snapshots = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        await AwaitAssertAsync(async () =>
        {
            var loaded = await snapshots.Ask<Akka.Persistence.LoadSnapshotResult>(
                new Akka.Persistence.LoadSnapshot("catalog", Akka.Persistence.SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(5));
            Assert.NotNull(loaded.Snapshot);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Watch(first);
        first.Tell(PoisonPill.Instance);
        ExpectTerminated(first);

        _fake.Script.ModelsStatusCode = 500;
        var second = SpawnCatalog(new CatalogSettings());
        second.Tell(GetCatalog.Instance);
        var restored = ExpectMsg<CatalogUpdated>(TimeSpan.FromSeconds(5));
        Assert.Equal(40, restored.Models.Count);
        Assert.Equal(1, restored.Version);
    }
}
