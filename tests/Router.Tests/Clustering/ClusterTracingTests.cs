using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Router.Tests.Support;

namespace Router.Tests.Clustering;

/// <summary>
/// One trace across two node processes: the route on the front, a failed call on the front and the fallback's call on
/// the node hosting its model's actor; drawn as a waterfall (TestResults/trace.png, the picture in docs/).
/// </summary>
[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class ClusterTracingTests(PostgresServer postgres, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] Models = ["t/a", "t/b", "t/c", "t/d", "t/e", "t/f"];

    [Fact]
    public async Task An_attempt_served_on_another_node_is_a_child_of_the_route_on_the_front_after_a_failed_one_on_the_front()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var cluster = await ClusterHarness.StartAsync(postgres, 2, Models, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        var (front, other) = (cluster.Nodes[0], cluster.Nodes[1]);
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { Timeout = TimeSpan.FromSeconds(30) };

        // A model whose actor lives on the other node, and a failing one whose actor lives on the front.
        string? remote = null, local = null;
        await Wait.UntilAsync(async () =>
        {
            foreach (var model in Models)
            {
                var node = (await http.GetFromJsonAsync<JsonElement>(front.Url + "/router/models/" + model)).GetProperty("node").GetString();
                if (node == other.Address) remote = model;
                if (node == front.Address) local = model;
            }
            return remote is not null && local is not null;
        }, 60_000);
        cluster.Fake.Script.Set(local!, new Router.FakeOpenRouter.FakeBehavior { StatusCode = 500 });

        var trace = ActivityTraceId.CreateRandom().ToHexString();
        var caller = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, front.Url + "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { models = new[] { local, remote }, messages = new[] { new { role = "user", content = "across nodes" } } }),
        };
        request.Headers.Add("traceparent", $"00-{trace}-{caller}-01");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();

        List<OtlpReceiver.Span> Spans() => collector.Spans.Where(s => s.TraceId == trace).ToList();
        await Wait.UntilAsync(() => Spans().Any(s => s.Name == "chat " + remote) && Spans().Any(s => s.Name == "route") && Spans().Any(s => s.ParentSpanId == caller), 30_000);
        var spans = Spans();
        var server = Assert.Single(spans, s => s.ParentSpanId == caller);
        var route = Assert.Single(spans, s => s.Name == "route");
        var attempt = Assert.Single(spans, s => s.Name == "attempt " + remote);
        var call = Assert.Single(spans, s => s.Name == "chat " + remote);
        Assert.Equal(server.SpanId, route.ParentSpanId);
        Assert.Equal(route.SpanId, attempt.ParentSpanId);
        Assert.Equal(attempt.SpanId, call.ParentSpanId);
        Assert.Equal(server.Instance, route.Instance);
        Assert.NotEqual(route.Instance, call.Instance); // exported by the other node process
        Assert.Equal(remote, call.Attributes["gen_ai.request.model"]);
        Assert.Contains(spans, s => s.ParentSpanId == call.SpanId && s.Kind == 3); // the HTTP call to OpenRouter (kind client)
        var failed = Assert.Single(spans, s => s.Name == "attempt " + local);
        Assert.Equal((route.SpanId, "failed"), (failed.ParentSpanId, failed.Attributes["router.attempt.outcome"]));
        var failedCall = Assert.Single(spans, s => s.Name == "chat " + local);
        Assert.Equal((failed.SpanId, route.Instance), (failedCall.ParentSpanId, failedCall.Instance));
        Assert.All(spans.Where(s => s.ParentSpanId == failedCall.SpanId), http => Assert.Equal("500", http.Attributes["http.response.status_code"]));
        Assert.All(spans, s => Assert.True(s.EndNanos >= s.StartNanos && s.StartNanos > 0));

        var results = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(results);
        var page = Path.Combine(results, "trace.html");
        await File.WriteAllTextAsync(page, TraceWaterfall.Html(spans));
        var picture = Path.Combine(results, "trace.png");
        File.Delete(picture);
        await Chromium.RunAsync($"--screenshot={picture}", new Uri(page).AbsoluteUri, "1400,560");
        Assert.True(new FileInfo(picture).Length > 10_000, "trace picture written");
        output.WriteLine("trace: " + picture);
    }
}
