using BenchmarkDotNet.Attributes;
using Router.Actors.Catalog;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;

namespace Router.Planner.Bench;

/// <summary>
/// What ordering a request's candidates costs on a 5,000-model catalog with 4,000 models measured: the plan's first
/// three candidates (a request that falls back twice), per sort, against today's priority order as the baseline.
/// </summary>
[MemoryDiagnoser]
public class PlannerBenchmarks
{
    private const int Models = 5_000;
    private readonly RoutingSettings _settings = new() { ExplorationRate = 0.05 };
    private CatalogView _catalog = null!;
    private ModelHealthBoard _board = null!;
    private RouteRequest _priority = null!, _price = null!, _latency = null!, _throughput = null!, _score = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var models = SyntheticCatalog.Generate(Models);
        _catalog = new CatalogView(new CatalogUpdated(models, DateTimeOffset.UtcNow, 1, 1, 0, null, null));
        _board = new ModelHealthBoard();
        _board.RankingFor(_catalog);
        foreach (var model in models.Take(4_000))
            _board.Observe(new ModelHealthView(new ModelId(model.Id), CircuitState.Closed, null, null, null, 0, 10, 0, 100 + random.Next(900), null, null, null, 0, null,
                new ModelPerformance(50 + random.Next(500), 10 + random.Next(200), random.NextDouble() / 10)), DateTimeOffset.UtcNow);
        _views = _board.All;
        _priority = Route(RouteSort.Priority);
        _price = Route(RouteSort.Price);
        _latency = Route(RouteSort.Latency);
        _throughput = Route(RouteSort.Throughput);
        _score = Route(RouteSort.Score);
    }

    private static RouteRequest Route(RouteSort sort) => new(new ChatCompletionRequest
    {
        Messages = [ChatMessage.Text("user", "Hello, world!")],
        RouterOptions = new RouterOptions { Sort = sort },
    }, false, false);

    private int FirstThree(RouteRequest route)
    {
        var taken = 0;
        foreach (var candidate in CandidatePlanner.Plan(route, _settings, _catalog, _board, RouteConstraints.For(route.Request)))
            if (++taken == 3) return candidate.Rank;
        return taken;
    }

    private DateTimeOffset _clock = DateTimeOffset.UtcNow;
    private readonly ModelHealthView _published = new(new ModelId("openai/nova-1-mini"), CircuitState.Closed, null, null, null, 0, 10, 0, 250, null, null, null, 0, null,
        new ModelPerformance(120, 80, 0.01));

    /// <summary>
    /// A health publication a second after the last: medians, derived keys and leaderboards recomputed (on the node's
    /// health listener, off the request path, at most once a second).
    /// </summary>
    [Benchmark] public void RefreshOnPublication() => _board.Observe(_published, _clock += RankingTable.MedianRefresh);

    /// <summary>
    /// A new catalog version's table, from the views in hand: built by the catalog replica before the swap, off the
    /// request path (before, the first request that sorted on the version paid for it).
    /// </summary>
    [Benchmark] public RankingTable BuildTable() => new(_catalog, _views);

    private IReadOnlyList<ModelHealthView> _views = [];

    [Benchmark(Baseline = true)] public int Priority() => FirstThree(_priority);
    [Benchmark] public int Price() => FirstThree(_price);
    [Benchmark] public int Latency() => FirstThree(_latency);
    [Benchmark] public int Throughput() => FirstThree(_throughput);
    [Benchmark] public int Score() => FirstThree(_score);
}
