using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;
using Router.Node.TestModels;

namespace Router.Tests.TestModels;

public class ModelSelectionTests
{
    private static readonly IReadOnlyList<ModelInfo> Catalog =
    [
        SyntheticCatalog.Model("openai/gpt-x", 8192),
        SyntheticCatalog.Model("openai/gpt-x:free", 8192, promptPrice: 0),
        SyntheticCatalog.Model("meta/llama-free-priced", 8192, promptPrice: 0),
        SyntheticCatalog.Model("google/gemma", 8192),
    ];

    [Fact]
    public void Without_filters_every_model_is_tested() =>
        Assert.Equal(4, ModelSelection.Filter(Catalog, new TestModelsOptions()).Count);

    [Fact]
    public void Free_only_keeps_free_ids_and_zero_pricing() =>
        Assert.Equal(["openai/gpt-x:free", "meta/llama-free-priced"], ModelSelection.Filter(Catalog, new TestModelsOptions { FreeOnly = true }).Select(m => m.Id));

    [Fact]
    public void Match_looks_at_ids_and_names_ignoring_case() =>
        Assert.Equal(["google/gemma"], ModelSelection.Filter(Catalog, new TestModelsOptions { Match = "GEMMA" }).Select(m => m.Id));

    [Fact]
    public void Listed_models_keep_their_order_and_unknown_ones_are_still_tested()
    {
        var selected = ModelSelection.Filter(Catalog, new TestModelsOptions { Models = ["google/gemma", "nobody/none", "openai/gpt-x", "google/gemma"] });
        Assert.Equal(["google/gemma", "nobody/none", "openai/gpt-x"], selected.Select(m => m.Id));
    }

    [Theory]
    [InlineData(20, "10s", 550)]
    [InlineData(200, "1m", 330)]
    [InlineData(1, "1h", 3960000)]
    public void The_pace_keeps_within_the_keys_rate_limit_with_headroom(int requests, string interval, double expectedMs) =>
        Assert.Equal(expectedMs, ModelSelection.PaceFor(new KeyInfo { RateLimit = new KeyRateLimit(requests, interval) }, TimeSpan.FromSeconds(3)).TotalMilliseconds);

    [Theory]
    [InlineData(null)]
    [InlineData("soon")]
    [InlineData("-1s")]
    public void Without_a_readable_limit_the_fallback_pace_is_used(string? interval)
    {
        var key = interval is null ? new KeyInfo() : new KeyInfo { RateLimit = new KeyRateLimit(10, interval) };
        Assert.Equal(TimeSpan.FromSeconds(3), ModelSelection.PaceFor(key, TimeSpan.FromSeconds(3)));
        Assert.Equal(TimeSpan.FromSeconds(3), ModelSelection.PaceFor(null, TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void Summary_figures()
    {
        ModelTestResult Ok(string id, double ms, int tokens) => new() { Id = id, Ok = true, LatencyMs = ms, TotalTokens = tokens };
        ModelTestResult Fail(string id, string reason) => new() { Id = id, Ok = false, Reason = reason };
        var summary = ModelTestSummary.From(
            [Ok("a", 300, 10), Ok("b", 100, 5), Fail("c", "rate limited"), Ok("d", 200, 7), Fail("e", "requires credits"), Fail("f", "rate limited"),
             Ok("g", 900, 1), Ok("h", 50, 2), Ok("i", 400, 3)], 12.34);
        Assert.Equal(9, summary.Total);
        Assert.Equal(6, summary.Successful);
        Assert.Equal(3, summary.Failed);
        Assert.Equal(0.6667, summary.SuccessRate);
        Assert.Equal(325.0, summary.AverageLatencyMs);
        Assert.Equal(300, summary.MedianLatencyMs);
        Assert.Equal(28, summary.TotalTokens);
        Assert.Equal(12.3, summary.TotalDurationSeconds);
        Assert.Equal(["h", "b", "d", "a", "i"], summary.Fastest.Select(r => r.Id));
        Assert.Equal(new Dictionary<string, int> { ["rate limited"] = 2, ["requires credits"] = 1 }, summary.FailuresByReason);
    }
}
