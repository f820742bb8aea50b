using Router.Client.Configuration;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary><c>router.sort</c> through HTTP, on a catalog with spread prices and the fake's per-model latencies.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class RoutingStrategyEndToEndTests : NodeTestBase
{
    // By context (the priority order): delta, gamma, beta, alpha. By price: alpha (free), beta, gamma, delta.
    protected override IReadOnlyList<ModelInfo>? CatalogModels =>
    [
        SyntheticCatalog.Model("test/alpha", 8_192, 0),
        SyntheticCatalog.Model("test/beta", 16_384, 0.000001),
        SyntheticCatalog.Model("test/gamma", 24_576, 0.000002),
        SyntheticCatalog.Model("test/delta", 32_768, 0.000005),
    ];

    protected override (string Model, FakeBehavior Behavior)[] InitialBehaviors =>
    [
        ("test/alpha", new FakeBehavior { LatencyMs = 250 }), ("test/beta", new FakeBehavior { LatencyMs = 250 }),
        ("test/gamma", new FakeBehavior { LatencyMs = 5 }), ("test/delta", new FakeBehavior { LatencyMs = 250 }),
    ];

    protected override Router.Client.Configuration.RouterSettings Configure(Router.Client.Configuration.RouterSettings settings) =>
        settings with { SortExploration = 0 };

    private async Task<(HttpStatusCode Status, JsonElement Body, string Model)> PostAsync(string json)
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(Node.Url + "/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body, response.Headers.TryGetValues("X-Router-Model", out var m) ? m.Single() : "");
    }

    [Fact]
    public async Task Price_chooses_the_free_model_where_priority_chooses_the_largest_context()
    {
        Assert.Equal("test/delta", (await PostAsync("""{"messages":[{"role":"user","content":"hi"}]}""")).Model);
        var (status, body, model) = await PostAsync("""{"messages":[{"role":"user","content":"hi"}],"router":{"sort":"price"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("test/alpha", model);
        var attempt = body.GetProperty("router").GetProperty("attempts")[0];
        Assert.Equal(1, attempt.GetProperty("rank").GetInt32());
        Assert.Equal("sort price; price: 0 USD expected", attempt.GetProperty("placed").GetString());
    }

    [Fact]
    public async Task Latency_chooses_the_model_measured_fastest()
    {
        foreach (var id in new[] { "test/alpha", "test/beta", "test/gamma", "test/delta" })
            Assert.Equal(HttpStatusCode.OK, (await PostAsync($$"""{"model":"{{id}}","messages":[{"role":"user","content":"hi"}]}""")).Status);
        using var http = new HttpClient();
        await Wait.UntilAsync(async () =>
        {
            var models = await http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/models");
            return models.EnumerateArray().Count(m => m.GetProperty("latency_ewma_ms").ValueKind == JsonValueKind.Number) == 4;
        }, timeoutMs: 20_000);

        var (status, body, model) = await PostAsync("""{"messages":[{"role":"user","content":"hi"}],"router":{"sort":"latency"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("test/gamma", model);
        Assert.StartsWith("sort latency; latency: ", body.GetProperty("router").GetProperty("attempts")[0].GetProperty("placed").GetString());

        var gamma = await http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/models/test/gamma");
        Assert.InRange(gamma.GetProperty("score").GetDouble(), 0, 1);
        Assert.Equal(0, gamma.GetProperty("performance").GetProperty("error_rate").GetDouble());
    }

    [Theory]
    [InlineData("""{"sort":"cheapest"}""")]
    [InlineData("""{"sort":2}""")]
    public async Task An_unknown_sort_is_a_400_naming_the_strategies(string options)
    {
        var (status, body, _) = await PostAsync($$"""{"messages":[{"role":"user","content":"hi"}],"router":{{options}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("'router.sort' must be one of priority, price, latency, throughput, score", body.GetProperty("error").GetProperty("message").GetString());
    }
}
