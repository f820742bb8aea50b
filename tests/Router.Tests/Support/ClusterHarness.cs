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
        var seedPort = TestNodes.FreePort();
        var harness = await CreateAsync(postgres, models, new Dictionary<string, string> { ["ROUTER_SEED_NODES"] = $"akka.tcp://router@127.0.0.1:{seedPort}" }, extra);
        return await harness.ReadyOrDisposedAsync(async () =>
        {
            harness.Nodes.Add(NodeProcess.Start("node-1", harness.Environment, seedPort));
            await harness.Nodes[0].WaitReadyAsync();
            for (var i = 2; i <= nodes; i++)
                harness.Nodes.Add(NodeProcess.Start($"node-{i}", harness.Environment));
            foreach (var node in harness.Nodes)
                await node.WaitReadyAsync(membersUp: nodes);
        });
    }

    /// <summary>
    /// <paramref name="nodes"/> node processes started at the same moment with no seed, finding each other through
    /// config discovery (every node's remoting endpoint listed); returns once every node sees them all Up.
    /// </summary>
    public static async Task<ClusterHarness> StartDiscoveredAsync(PostgresServer postgres, int nodes, IReadOnlyList<string> models,
        IReadOnlyDictionary<string, string>? extra = null, IReadOnlyList<string>? roles = null)
    {
        var akkaPorts = Enumerable.Range(0, nodes).Select(_ => TestNodes.FreePort()).ToList();
        var harness = await CreateAsync(postgres, models, new Dictionary<string, string>
        {
            ["ROUTER_DISCOVERY"] = "config",
            ["ROUTER_DISCOVERY_ENDPOINTS"] = string.Join(",", akkaPorts.Select(p => $"127.0.0.1:{p}")),
            ["ROUTER_DISCOVERY_STABLE_MARGIN"] = "1",
        }, extra);
        return await harness.ReadyOrDisposedAsync(async () =>
        {
            for (var i = 0; i < nodes; i++)
                harness.Nodes.Add(NodeProcess.Start($"node-{i + 1}", roles is null ? harness.Environment
                    : new Dictionary<string, string>(harness.Environment) { ["ROUTER_ROLES"] = roles[i] }, akkaPorts[i]));
            foreach (var node in harness.Nodes)
                await node.WaitReadyAsync(membersUp: nodes, timeoutSeconds: 90);
        });
    }

    /// <summary>
    /// A deploy's step for node <paramref name="index"/>: SIGTERM, wait for it to leave and exit, start it again on the
    /// same ports with the same settings, wait until it is ready and sees every node Up.
    /// </summary>
    public async Task RestartAsync(int index, TimeSpan leaveTimeout)
    {
        var old = Nodes[index];
        await old.TerminateAsync(leaveTimeout);
        await old.DisposeAsync();
        Nodes[index] = NodeProcess.Start(old.Name, old.Environment, old.AkkaPort, old.HttpPort);
        await Nodes[index].WaitReadyAsync(membersUp: Nodes.Count, timeoutSeconds: 90);
    }

    /// <summary>The harness once <paramref name="start"/> has its nodes ready; if not, its nodes are stopped (no orphan process outlives a failed start).</summary>
    private async Task<ClusterHarness> ReadyOrDisposedAsync(Func<Task> start)
    {
        try
        {
            await start();
            return this;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private static async Task<ClusterHarness> CreateAsync(PostgresServer postgres, IReadOnlyList<string> models,
        IReadOnlyDictionary<string, string> formation, IReadOnlyDictionary<string, string>? extra)
    {
        var fake = await FakeOpenRouterServer.StartAsync(new FakeOpenRouterOptions
        {
            ApiKey = OpenRouterKey,
            Models = models.Select((id, i) => SyntheticCatalog.Model(id, 100_000 - i)).ToList(),
        });
        var environment = new Dictionary<string, string>
        {
            ["OPENROUTER_API_KEY"] = OpenRouterKey,
            ["OPENROUTER_BASE_URL"] = fake.BaseUrl,
            ["OPENROUTER_TIMEOUT"] = "3",
            ["OPENROUTER_RETRY_ATTEMPTS"] = "1",
            ["ROUTER_DB"] = await postgres.CreateDatabaseAsync(),
            ["ROUTER_AKKA_HOCON"] = FastDowning,
            ["Logging__LogLevel__Default"] = "Information",
        };
        foreach (var (key, value) in formation) environment[key] = value;
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
        return new ClusterHarness { Fake = fake, Environment = environment };
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
        await Fake.DisposeAsync();
    }
}
