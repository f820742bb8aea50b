using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Router.Actors.Routing;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>The request's <c>router</c> object and the context pre-check, through HTTP to the fake OpenRouter.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class RouterOptionsTests : NodeTestBase
{
    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string json)
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(Node.Url + "/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), response);
    }

    [Fact]
    public async Task The_router_object_is_read_by_router_and_not_sent_upstream()
    {
        var (status, _, response) = await PostAsync("""
            {"model":"test/beta","messages":[{"role":"user","content":"hi"}],
             "router":{"max_price":{"prompt":1,"completion":1},"free_only":false},"provider":{"sort":"price"}}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("test/beta", response.Headers.GetValues("X-Router-Model").Single());
        var received = JsonNode.Parse(Fake.Script.LastBody.Span)!.AsObject();
        Assert.False(received.ContainsKey("router"));
        Assert.Equal("price", received["provider"]!["sort"]!.GetValue<string>()); // OpenRouter's own object passes through
    }

    [Fact]
    public async Task A_price_limit_no_model_meets_is_a_400_naming_it_and_no_model_is_called()
    {
        var calls = Fake.Script.TotalCalls;
        var (status, body, _) = await PostAsync("""{"messages":[{"role":"user","content":"hi"}],"router":{"max_price":{"prompt":0.5}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body.GetProperty("error");
        Assert.Equal("no_candidate_model", error.GetProperty("code").GetString());
        Assert.Contains($"{RouteConstraints.OverMaxPrice}: 4 models", error.GetProperty("message").GetString());
        Assert.Equal(calls, Fake.Script.TotalCalls);
    }

    [Fact]
    public async Task A_model_whose_context_is_too_small_is_skipped_for_one_that_holds_the_request()
    {
        // About 10,000 prompt tokens plus 20,000 max_tokens: only test/delta (32,768) holds it.
        var request = new { model = "test/alpha", max_tokens = 20_000, messages = new[] { new { role = "user", content = new string('x', 40_000) } } };
        var (status, body, response) = await PostAsync(JsonSerializer.Serialize(request));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("test/delta", response.Headers.GetValues("X-Router-Model").Single());
        var first = body.GetProperty("router").GetProperty("attempts")[0];
        Assert.Equal("test/alpha", first.GetProperty("model").GetString());
        Assert.Equal(RouteConstraints.ContextTooSmall, first.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Each_answer_costs_its_usage_times_the_catalogs_prices_in_the_answer_and_the_metrics()
    {
        var (status, body, response) = await PostAsync("""{"model":"test/beta","messages":[{"role":"user","content":"What does this cost?"}]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var usage = body.GetProperty("usage");
        var expected = (usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32()) * 0.000001; // the fake's price
        Assert.Equal(expected, body.GetProperty("router").GetProperty("cost_usd").GetDouble(), 12);
        Assert.Equal(expected, double.Parse(response.Headers.GetValues("X-Router-Cost").Single(), System.Globalization.CultureInfo.InvariantCulture), 12);

        using var http = new HttpClient();
        var streamed = await http.PostAsync(Node.Url + "/v1/chat/completions", new StringContent(
            """{"model":"test/gamma","stream":true,"messages":[{"role":"user","content":"And this?"}]}""", Encoding.UTF8, "application/json"));
        var events = await Sse.ReadAllAsync(streamed);
        var streamUsage = JsonDocument.Parse(events[^2]).RootElement.GetProperty("usage");
        var streamCost = (streamUsage.GetProperty("prompt_tokens").GetInt32() + streamUsage.GetProperty("completion_tokens").GetInt32()) * 0.000001;

        var metrics = await http.GetStringAsync(Node.Url + "/metrics");
        double Series(string name) => double.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1],
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, Series("router_spend_usd_total{model=\"test/beta\"}"), 12);
        Assert.Equal(streamCost, Series("router_spend_usd_total{model=\"test/gamma\"}"), 12);
        Assert.Equal(expected + streamCost, Series("router_key_spend_usd_total{key=\"anonymous\"}"), 12);
    }

    [Theory]
    [InlineData("""{"sort":"cheapest"}""", "router.sort")]
    [InlineData("""{"listed_first":"no"}""", "router.listed_first")]
    [InlineData("""{"order":"price"}""", "router.order")]
    [InlineData("""{"max_price":{"prompt":-1}}""", "router.max_price.prompt")]
    [InlineData("""{"max_price":{"request":1}}""", "router.max_price.request")]
    [InlineData("""{"free_only":"yes"}""", "router.free_only")]
    [InlineData("""{"max_price":"cheap"}""", "router.max_price")]
    public async Task Bad_router_options_are_a_400_naming_the_field(string options, string field)
    {
        var (status, body, _) = await PostAsync($$"""{"messages":[{"role":"user","content":"hi"}],"router":{{options}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body.GetProperty("error");
        Assert.Contains(field, error.GetProperty("message").GetString());
    }
}
