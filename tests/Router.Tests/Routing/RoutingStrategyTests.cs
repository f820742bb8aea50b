using Router.Actors.Catalog;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Tests.Routing;

/// <summary>The sorts of <c>router.sort</c> on a catalog with known prices and measurements.</summary>
public class RoutingStrategyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Priority order (context length): big, mid, small, tiny, unpriced.
    private static readonly CatalogView Catalog = CatalogOf(
        Priced("p/big", 200_000, 10e-6, 30e-6),
        Priced("p/mid", 100_000, 1e-6, 2e-6),
        Priced("p/small", 32_000, 0.5e-6, 0.5e-6),
        Priced("p/tiny", 8_000, 0, 0),
        new ModelInfo { Id = "p/unpriced", ContextLength = 4_000 });

    private static readonly RoutingSettings Settings = new() { ExplorationRate = 0 };

    internal static ModelInfo Priced(string id, int context, double prompt, double completion) => new()
    {
        Id = id, ContextLength = context,
        Pricing = new ModelPricing { Prompt = prompt.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture), Completion = completion.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture) },
    };

    internal static CatalogView CatalogOf(params ModelInfo[] models) => new(new CatalogUpdated(models, T0, 1, 1, 0, null, null));

    internal static ModelHealthView Measured(string id, double? firstTokenMs = null, double? tokensPerSecond = null, double? errorRate = null) =>
        new(new ModelId(id), CircuitState.Closed, null, null, null, 0, 1, 0, firstTokenMs, null, null, null, 0, null,
            new ModelPerformance(firstTokenMs, tokensPerSecond, errorRate ?? (firstTokenMs is null && tokensPerSecond is null ? null : 0)));

    private static ModelHealthBoard Board(params ModelHealthView[] views)
    {
        var board = new ModelHealthBoard();
        board.RankingFor(Catalog);
        foreach (var view in views) board.Observe(view, T0);
        return board;
    }

    private static RouteRequest Route(RouteSort sort, string? model = null, IReadOnlyList<string>? models = null, int? maxTokens = null,
        string text = "hi", bool? listedFirst = null) =>
        new(new ChatCompletionRequest
        {
            Model = model, Models = models, MaxTokens = maxTokens, Messages = [ChatMessage.Text("user", text)],
            RouterOptions = new RouterOptions { Sort = sort, ListedFirst = listedFirst },
        }, false, false);

    private static List<string> Order(RouteRequest route, ModelHealthBoard board, RoutingSettings? settings = null, CatalogView? catalog = null) =>
        CandidatePlanner.Plan(route, settings ?? Settings, catalog ?? Catalog, board).Select(c => c.Model.Value).ToList();

    [Fact]
    public void Price_puts_the_cheapest_expected_cost_first_and_unpriced_models_last()
    {
        Assert.Equal(["p/tiny", "p/small", "p/mid", "p/big", "p/unpriced"], Order(Route(RouteSort.Price), Board()));
    }

    [Fact]
    public void Price_weighs_this_requests_prompt_and_completion()
    {
        var catalog = CatalogOf(Priced("cheap/prompt", 100_000, 1e-6, 20e-6), Priced("cheap/completion", 90_000, 20e-6, 1e-6));
        var board = new ModelHealthBoard();
        var longPromptShortAnswer = Route(RouteSort.Price, maxTokens: 1, text: new string('x', 40_000));
        var shortPromptLongAnswer = Route(RouteSort.Price, maxTokens: 4_000);
        Assert.Equal("cheap/prompt", Order(longPromptShortAnswer, board, catalog: catalog)[0]);
        Assert.Equal("cheap/completion", Order(shortPromptLongAnswer, board, catalog: catalog)[0]);
    }

    [Fact]
    public void Latency_puts_the_fastest_first_and_an_unmeasured_model_at_the_median()
    {
        var board = Board(Measured("p/big", firstTokenMs: 900), Measured("p/small", firstTokenMs: 100), Measured("p/tiny", firstTokenMs: 500));
        // Median 500: p/mid and p/unpriced (not measured) tie with p/tiny and keep the priority order among them.
        Assert.Equal(["p/small", "p/mid", "p/tiny", "p/unpriced", "p/big"], Order(Route(RouteSort.Latency), board));
    }

    [Fact]
    public void Throughput_puts_the_most_tokens_per_second_first()
    {
        var board = Board(Measured("p/big", tokensPerSecond: 20), Measured("p/mid", tokensPerSecond: 150), Measured("p/tiny", tokensPerSecond: 60));
        Assert.Equal(["p/mid", "p/small", "p/tiny", "p/unpriced", "p/big"], Order(Route(RouteSort.Throughput), board));
    }

    [Fact]
    public void Score_blends_price_latency_and_error_rate_as_documented()
    {
        var board = Board(Measured("p/mid", firstTokenMs: 200, errorRate: 0.5), Measured("p/small", firstTokenMs: 600, errorRate: 0),
            Measured("p/big", firstTokenMs: 100, errorRate: 0));
        var table = board.RankingFor(Catalog);
        var request = Route(RouteSort.Score, maxTokens: 100).Request;
        var ranker = new CandidateRanker(table, RouteSort.Score, request, RouteConstraints.For(request));

        var prompt = RouteConstraints.EstimatePromptTokens(request.Messages);
        var medianCost = prompt * table.Medians.PromptPrice + 100 * table.Medians.CompletionPrice;
        var smallCost = prompt * 0.5e-6 + 100 * 0.5e-6;
        var expected = (smallCost / (smallCost + medianCost) + 600.0 / (600 + table.Medians.LatencyMs) + 2 * 0) / 4;
        Assert.Equal(200, table.Medians.LatencyMs);
        Assert.Equal(expected, ranker.Score(table.IndexOf(new ModelId("p/small"))), 9);

        // The free model, not measured, takes the median latency and error rate; the flaky one sinks.
        Assert.Equal(["p/tiny", "p/small", "p/big", "p/unpriced", "p/mid"], Order(Route(RouteSort.Score, maxTokens: 100), board));
    }

    [Fact]
    public void The_requests_own_models_stay_first_sorted_among_themselves_unless_it_says_otherwise()
    {
        var board = Board();
        Assert.Equal(["p/mid", "p/big", "p/tiny", "p/small", "p/unpriced"], Order(Route(RouteSort.Price, "p/big", ["p/mid"]), board));
        Assert.Equal(["p/tiny", "p/small", "p/mid", "p/big", "p/unpriced"], Order(Route(RouteSort.Price, "p/big", ["p/mid"], listedFirst: false), board));
    }

    [Fact]
    public void Ties_keep_the_priority_order_with_the_configured_models_first()
    {
        var settings = Settings with { DefaultModel = new ModelId("p/small"), FallbackModels = [new ModelId("p/tiny"), new ModelId("cfg/elsewhere")] };
        Assert.Equal(["p/small", "p/tiny", "p/big", "p/mid", "p/unpriced", "cfg/elsewhere"], Order(Route(RouteSort.Latency), Board(), settings));
    }

    [Fact]
    public void A_measuring_sort_explores_a_model_not_measured_yet()
    {
        var board = Board(Measured("p/big", 100), Measured("p/mid", 100), Measured("p/small", 100), Measured("p/unpriced", 100));
        var plan = CandidatePlanner.Plan(Route(RouteSort.Latency), Settings with { ExplorationRate = 1 }, Catalog, board).ToList();
        Assert.Equal("p/tiny", plan[0].Model.Value);
        Assert.StartsWith("explored", plan[0].Placed);
        Assert.Equal(5, plan.Select(c => c.Model).Distinct().Count());
        Assert.Equal("p/big", Order(Route(RouteSort.Latency), board)[0]); // no exploration: the priority order breaks the tie
        Assert.Equal("p/tiny", Order(Route(RouteSort.Price), board, Settings with { ExplorationRate = 1 })[0]); // price measures nothing
    }

    [Fact]
    public void Models_the_constraints_refuse_rank_last()
    {
        // 40,000 tokens of context needed: only p/big and p/mid hold them.
        Assert.Equal(["p/mid", "p/big", "p/small", "p/tiny", "p/unpriced"], Order(Route(RouteSort.Price, maxTokens: 40_000), Board()));
    }

    [Fact]
    public void Each_candidate_says_its_rank_and_why()
    {
        var board = Board(Measured("p/small", firstTokenMs: 100), Measured("p/tiny", firstTokenMs: 300));
        var plan = CandidatePlanner.Plan(Route(RouteSort.Latency, "p/big"), Settings, Catalog, board).ToList();
        Assert.Equal([1, 2, 3, 4, 5], plan.Select(c => c.Rank));
        Assert.Equal("listed: requested model; latency: not measured, ranked at the median 200 ms", plan[0].Placed);
        Assert.Equal("sort latency; latency: 100 ms", plan[1].Placed);
    }

    [Fact]
    public void A_long_plan_past_the_best_few_is_the_full_sort()
    {
        var random = new Random(7);
        var models = Enumerable.Range(0, 60).Select(i => Priced($"m/{i:00}", 1_000 + random.Next(5) * 1_000, random.Next(4) * 1e-6, random.Next(4) * 1e-6)).ToArray();
        var catalog = CatalogOf(models);
        var board = new ModelHealthBoard();
        board.RankingFor(catalog);
        foreach (var model in models.Where((_, i) => i % 3 != 0))
            board.Observe(Measured(model.Id, firstTokenMs: random.Next(5) * 100, errorRate: random.Next(3) / 10.0), T0);

        foreach (var sort in new[] { RouteSort.Price, RouteSort.Latency, RouteSort.Score })
        {
            var route = Route(sort, maxTokens: 50);
            var table = board.RankingFor(catalog);
            var ranker = new CandidateRanker(table, sort, route.Request, RouteConstraints.For(route.Request));
            var expected = Enumerable.Range(0, table.Count).OrderBy(ranker.Key).ThenBy(i => i).Select(i => table.ModelAt(i).Value).ToList();
            Assert.Equal(expected, Order(route, board, catalog: catalog));
        }
    }

    [Fact]
    public void Explorations_are_spaced_on_a_node_whatever_the_request_rate()
    {
        var board = new ModelHealthBoard();
        var spacing = ModelHealthBoard.ExplorationSpacing.Ticks;
        Assert.True(board.TryExplore(1_000));
        Assert.False(board.TryExplore(1_000 + spacing - 1));
        Assert.True(board.TryExplore(1_000 + spacing));
        Assert.False(board.TryExplore(1_000 + spacing));
    }

    [Theory]
    [InlineData(RouteSort.Price)]
    [InlineData(RouteSort.Latency)]
    [InlineData(RouteSort.Throughput)]
    [InlineData(RouteSort.Score)]
    public void On_a_large_catalog_the_leaderboards_give_the_exact_order(RouteSort sort)
    {
        var random = new Random(11);
        // Prompt and completion priced independently (three free), so that the order moves with the prompt's share.
        var models = Enumerable.Range(0, 1_500).Select(i => i % 500 == 0
            ? Priced($"m/{i:0000}", 4_000 + random.Next(100) * 1_000, 0, 0)
            : Priced($"m/{i:0000}", 4_000 + random.Next(100) * 1_000, random.Next(1, 2_000) * 1e-8, random.Next(1, 2_000) * 1e-8)).ToList();
        var catalog = CatalogOf([.. models]);
        var board = new ModelHealthBoard();
        foreach (var model in models.Where((_, i) => i % 3 != 0))
            board.Observe(Measured(model.Id, firstTokenMs: 50 + random.NextDouble() * 1_000, tokensPerSecond: 10 + random.NextDouble() * 200, errorRate: random.NextDouble() * 0.3), T0);
        var table = board.RankingFor(catalog);
        Assert.True(table.Count > RankingTable.LeaderboardFrom);
        var settings = Settings with { DefaultModel = table.ModelAt(700), FallbackModels = [table.ModelAt(3), table.ModelAt(1_200)] };
        int[] preferred = [700, 3, 1_200];

        foreach (var (text, maxTokens) in new[] { ("hi", (int?)null), (new string('x', 20_000), 10), (new string('x', 2_000), 2_000), ("hello", 1),
                     (new string('x', 4_000), 700), (new string('x', 12_000), 1_500), (new string('x', 1_000), 900) })
        {
            var route = Route(sort, maxTokens: maxTokens, text: text);
            var ranker = new CandidateRanker(table, sort, route.Request, RouteConstraints.For(route.Request));
            var expected = Enumerable.Range(0, table.Count)
                .OrderBy(ranker.Key).ThenBy(i => Array.IndexOf(preferred, i) is var p and >= 0 ? p : preferred.Length + i)
                .Select(i => table.ModelAt(i).Value).Take(40).ToList();
            var plan = CandidatePlanner.Plan(route, settings, catalog, board).Take(40).Select(c => c.Model.Value).ToList();
            Assert.Equal(expected, plan);
        }
    }
}
