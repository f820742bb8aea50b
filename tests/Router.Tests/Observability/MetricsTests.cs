using System.Net.Http.Json;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.Observability;

[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class MetricsTests : NodeTestBase
{
    protected override (string Model, FakeBehavior Behavior)[] InitialBehaviors =>
        [("test/delta", new FakeBehavior { StatusCode = 503 }), ("test/gamma", new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 30 })];

    /// <summary>Series and values of a Prometheus text page.</summary>
    private static Dictionary<string, double> Parse(string text) => text.Split('\n')
        .Where(l => l.StartsWith("router_", StringComparison.Ordinal) || l.StartsWith("dotnet_", StringComparison.Ordinal))
        .Select(l => (Series: l[..l.LastIndexOf(' ')], Value: double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))
        .ToDictionary(p => p.Series, p => p.Value);

    [Fact]
    public async Task Metrics_cover_fetches_latency_fallbacks_errors_circuits_and_ttft()
    {
        using var http = new HttpClient();
        var before = Parse(await http.GetStringAsync(Node.Url + "/metrics"));
        // This node's own metrics: nothing routed yet, whatever other nodes in this process did before it.
        Assert.All(before.Where(p => p.Key.StartsWith("router_request_duration_seconds_count", StringComparison.Ordinal)), p => Assert.Equal(0, p.Value));
        var rejected = 0; // attempts a model actor turned away because the model rests (circuit open, cooling down)
        for (var i = 0; i < 3; i++)
        {
            var answer = await http.PostAsJsonAsync(Node.Url + "/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } });
            var attempts = (await answer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("router").GetProperty("attempts");
            rejected += attempts.EnumerateArray().Count(a => a.GetProperty("outcome").GetString() == "rejected");
        }
        using (var stream = await http.PostAsJsonAsync(Node.Url + "/v1/chat/completions",
                   new { model = "test/alpha", stream = true, messages = new[] { new { role = "user", content = "hi" } } }))
            await stream.Content.ReadAsStringAsync();

        var text = await http.GetStringAsync(Node.Url + "/metrics");
        var after = Parse(text);
        double Delta(string series) => after.GetValueOrDefault(series) - before.GetValueOrDefault(series);

        Assert.True(after["router_catalog_fetches_total{result=\"success\"}"] >= 1);
        Assert.Equal(3, Delta("router_request_duration_seconds_count{stream=\"false\",result=\"ok\"}"));
        Assert.Equal(1, Delta("router_request_duration_seconds_count{stream=\"true\",result=\"ok\"}"));
        Assert.Equal(3, Delta("router_model_call_duration_seconds_count{model=\"test/beta\",stream=\"false\"}"));
        Assert.Equal(1, Delta("router_time_to_first_token_seconds_count{model=\"test/alpha\"}"));
        Assert.Equal(3, Delta("router_upstream_calls_total{model=\"test/beta\",result=\"ok\"}"));
        Assert.Equal(2, Delta("router_upstream_calls_total{model=\"test/delta\",result=\"server_error\"}")); // then its circuit opened
        Assert.Equal(1, Delta("router_upstream_errors_total{model=\"test/gamma\",kind=\"rate_limited\",status=\"429\"}"));
        Assert.Equal(2, Delta("router_fallbacks_total{reason=\"server_error\"}"));
        Assert.Equal(rejected, Delta("router_fallbacks_total{reason=\"resting\"}"));
        Assert.Equal(1, Delta("router_fallbacks_total{reason=\"rate_limited\"}"));
        Assert.Equal(4, Delta("router_routes_total{result=\"ok\"}"));
        Assert.Equal(4, after["router_catalog_models"]);
        Assert.Equal(2, after["router_circuit_state{model=\"test/delta\"}"]); // open
        Assert.DoesNotContain(Fake.ApiKey, text);
    }

    [Fact]
    public async Task Metrics_count_the_process_time_in_gc_pauses()
    {
        using var http = new HttpClient();
        var before = Parse(await http.GetStringAsync(Node.Url + "/metrics"))["dotnet_gc_pause_seconds_total"];
        var pausedBefore = GC.GetTotalPauseDuration().TotalSeconds;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var pausedAfter = GC.GetTotalPauseDuration().TotalSeconds;
        Assert.True(pausedAfter > pausedBefore);
        var after = Parse(await http.GetStringAsync(Node.Url + "/metrics"))["dotnet_gc_pause_seconds_total"];
        Assert.True(after >= pausedAfter - 1e-6, $"{after} s scraped after a blocking collection that brought the process to {pausedAfter} s");
        Assert.True(after > before);
    }
}
