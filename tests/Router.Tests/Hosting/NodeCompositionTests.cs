using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Router.Actors.Catalog;
using Router.Actors.Models;
using Router.Actors.Observability;
using Router.Actors.Quota;
using Router.Actors.Routing;
using Router.Contracts.Messages;
using Router.Contracts.Serialization;
using Router.FakeOpenRouter;
using Router.Node.Hosting;
using Router.Tests.Support;

namespace Router.Tests.Hosting;

/// <summary>
/// The node as its host builder composes it (Akka.Hosting's typed options, cluster.hocon, ROUTER_AKKA_HOCON): what the
/// actor system ends up with, read back from the running system rather than from a copy of its configuration.
/// </summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class NodeCompositionTests : IAsyncLifetime
{
    private FakeOpenRouterServer _fake = null!;
    private RouterNode _node = null!;

    public async Task InitializeAsync()
    {
        _fake = await Fakes.StartAsync();
        var settings = TestNodes.Settings(_fake, TestNodes.TempDir()) with
        {
            // Over every typed option: an operator's override must win.
            AkkaHocon = "akka.remote.dot-netty.tcp.maximum-frame-size = 8MiB",
        };
        _node = await TestNodes.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private Akka.Configuration.Config Config => _node.System.Settings.Config;

    [Fact]
    public void Every_router_message_is_bound_to_routers_serializer_under_its_stored_identifier()
    {
        var messages = typeof(IRouterMessage).Assembly.GetTypes()
            .Where(t => typeof(IRouterMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .ToList();
        Assert.NotEmpty(messages);
        foreach (var type in messages)
        {
            var serializer = _node.System.Serialization.FindSerializerForType(type);
            Assert.IsType<RouterSerializer>(serializer);
            Assert.Equal(7301, serializer.Identifier); // stored with every event and snapshot: it may never change
        }
    }

    [Fact]
    public void Persistence_is_the_sql_plugin_on_sqlite_with_one_writer()
    {
        Assert.Equal("akka.persistence.journal.sql", Config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", Config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal(RouterPersistence.SqliteProvider, Config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal(RouterPersistence.SqliteProvider, Config.GetString("akka.persistence.snapshot-store.sql.provider-name"));
        Assert.Equal(1, Config.GetInt("akka.persistence.journal.sql.parallelism"));
        Assert.True(Config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
    }

    [Fact]
    public void The_cluster_downs_with_keep_majority_of_the_router_nodes_after_cluster_hocons_stable_after()
    {
        Assert.Contains("SplitBrainResolverProvider", Config.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal("keep-majority", Config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal("router", Config.GetString("akka.cluster.split-brain-resolver.keep-majority.role"));
        Assert.Equal(TimeSpan.FromSeconds(10), Config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.True(Config.GetBoolean("akka.cluster.run-coordinated-shutdown-when-down"));
    }

    [Fact]
    public void Router_akka_hocon_goes_over_the_typed_options()
    {
        Assert.Equal(8L * 1024 * 1024, Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
        Assert.Equal(32L * 1024 * 1024, Config.GetByteSize("akka.remote.dot-netty.tcp.send-buffer-size"));
    }

    [Fact]
    public void The_registry_holds_every_actor_the_node_starts()
    {
        var registry = ActorRegistry.For(_node.System);
        Assert.True(registry.TryGet<ModelShardRegion>(out _));
        Assert.True(registry.TryGet<QuotaShardRegion>(out _));
        Assert.True(registry.TryGet<CatalogSingleton>(out _));
        Assert.True(registry.TryGet<CatalogReplicaActor>(out _));
        Assert.True(registry.TryGet<ModelHealthListener>(out _));
        Assert.True(registry.TryGet<CoordinatorPool>(out var pool));
        Assert.Equal("/user/coordinators", pool.Path.ToStringWithoutAddress());
    }

    [Fact]
    public void Readiness_checks_the_cluster_the_journal_the_snapshot_store_and_the_catalog()
    {
        var registrations = _node.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        var ready = registrations.Where(r => r.Tags.Contains(RouterHealthChecks.Readiness)).Select(r => r.Name).ToList();
        Assert.Contains(RouterPersistence.JournalCheck, ready);
        Assert.Contains(RouterPersistence.SnapshotCheck, ready);
        Assert.Contains(RouterHealthChecks.Catalog, ready);
        Assert.Contains(ready, name => name.Contains("cluster", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(registrations, r => r.Tags.Contains(RouterHealthChecks.Liveness));
    }
}
