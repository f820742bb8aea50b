using Router.FakeOpenRouter;

namespace Router.Tests.Support;

/// <summary>A fake OpenRouter and N Router node processes sharing one PostgreSQL database.</summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    public const string OpenRouterKey = "sk-or-v1-CLUSTERSECRET-5f0c9e";

    /// <summary>Quick failure detection and downing, so tests do not wait the production minutes.</summary>
    public const string FastDowning = """
        akka.cluster.failure-detector.heartbeat-interval = 500ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
        akka.cluster.split-brain-resolver.stable-after = 2s
        akka.cluster.down-removal-margin = 1s
        akka.cluster.sharding.retry-interval = 500ms
        akka.cluster.sharding.handoff-timeout = 10s
        """;

    public FakeOpenRouterServer Fake { get; private init; } = null!;
    public List<NodeProcess> Nodes { get; } = [];
    public Dictionary<string, string> Environment { get; private init; } = [];

    public static async Task<ClusterHarness> StartAsync(PostgresServer postgres, int nodes, IReadOnlyList<string> models,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        var fake = await FakeOpenRouterServer.StartAsync(new FakeOpenRouterOptions
        {
            ApiKey = OpenRouterKey,
            Models = models.Select((id, i) => SyntheticCatalog.Model(id, 100_000 - i)).ToList(),
        });
        var seedPort = TestNodes.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["OPENROUTER_API_KEY"] = OpenRouterKey,
            ["OPENROUTER_BASE_URL"] = fake.BaseUrl,
            ["OPENROUTER_TIMEOUT"] = "3",
            ["OPENROUTER_RETRY_ATTEMPTS"] = "1",
            ["ROUTER_DB"] = await postgres.CreateDatabaseAsync(),
            ["ROUTER_SEED_NODES"] = $"akka.tcp://router@127.0.0.1:{seedPort}",
            ["ROUTER_AKKA_HOCON"] = FastDowning,
            ["Logging__LogLevel__Default"] = "Information",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;

        var harness = new ClusterHarness { Fake = fake, Environment = environment };
        harness.Nodes.Add(NodeProcess.Start("node-1", environment, seedPort));
        await harness.Nodes[0].WaitReadyAsync();
        for (var i = 2; i <= nodes; i++)
            harness.Nodes.Add(NodeProcess.Start($"node-{i}", environment));
        foreach (var node in harness.Nodes)
            await node.WaitReadyAsync(membersUp: nodes);
        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
        await Fake.DisposeAsync();
    }
}
