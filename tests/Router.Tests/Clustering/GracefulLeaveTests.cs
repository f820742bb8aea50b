using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.Clustering;

[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class GracefulLeaveTests(PostgresServer postgres)
{
    private static readonly string[] Models = Enumerable.Range(1, 12).Select(i => $"g/m{i:00}").ToArray();

    [Fact]
    public async Task Sigterm_lets_in_flight_requests_finish_then_the_node_leaves_and_its_shards_move()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, 3, Models);
        var (first, leaving) = (cluster.Nodes[0], cluster.Nodes[2]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        string? hosted = null;
        foreach (var model in Models)
        {
            var view = await http.GetFromJsonAsync<JsonElement>(first.Url + "/router/models/" + model);
            if (view.GetProperty("node").GetString() == leaving.Address) { hosted = model; break; }
        }
        Assert.NotNull(hosted);
        cluster.Fake.Script.Set(hosted, new FakeBehavior { LatencyMs = 2500 });

        // A slow request on the leaving node, for a model whose actor is on the leaving node.
        var inFlight = http.PostAsJsonAsync(leaving.Url + "/v1/chat/completions",
            new { model = hosted, messages = new[] { new { role = "user", content = "finish me" } } });
        await Wait.UntilAsync(() => cluster.Fake.Script.CallsTo(hosted) == 1);
        await leaving.TerminateAsync(TimeSpan.FromSeconds(40));

        var response = await inFlight;
        var answer = await response.Content.ReadAsStringAsync(); // router.attempts says why, should another model have answered
        Assert.True(response.StatusCode == HttpStatusCode.OK, answer);
        Assert.True(hosted == response.Headers.GetValues("X-Router-Model").Single(),
            answer + "\n" + string.Join("\n", leaving.Output.Where(l => l.Contains(hosted!, StringComparison.Ordinal)).TakeLast(10)));
        Assert.Equal(0, leaving.ExitCode);
        await Wait.UntilAsync(() => first.Output.Any(l =>
            l.Contains("Exiting confirmed", StringComparison.Ordinal) && l.Contains(leaving.Address, StringComparison.Ordinal)), 15000);

        // The survivors took its shards over: the model answers there, with its statistics.
        var moved = await http.GetFromJsonAsync<JsonElement>(first.Url + "/router/models/" + hosted);
        Assert.NotEqual(leaving.Address, moved.GetProperty("node").GetString());
        Assert.Equal(1, moved.GetProperty("successes").GetInt64());
        var after = await http.PostAsJsonAsync(first.Url + "/v1/chat/completions",
            new { model = Models[0], messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_stream_in_flight_at_sigterm_ends_with_an_error_event_then_done()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, 1, Models);
        var node = cluster.Nodes[0];
        cluster.Fake.Script.Set(Models[0], new FakeBehavior { Content = string.Join(' ', Enumerable.Repeat("tok", 400)), TokensPerSecond = 20 });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, node.Url + "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = Models[0], stream = true, messages = new[] { new { role = "user", content = "long" } } }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        await using var sse = Sse.Events(body).GetAsyncEnumerator();
        Assert.True(await sse.MoveNextAsync()); // the stream is under way

        var stopping = node.TerminateAsync(TimeSpan.FromSeconds(40));
        var events = new List<string>();
        while (await sse.MoveNextAsync()) events.Add(sse.Current);
        await stopping;

        Assert.Equal("[DONE]", events[^1]);
        var error = JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
        Assert.Contains("shutting down", error.GetProperty("message").GetString());
        Assert.True(error.GetProperty("should_retry").GetBoolean());
        Assert.True(events.Count < 400, "the stream was cut, not run to its end");
        Assert.Equal(0, node.ExitCode);
    }

    [Fact]
    public async Task On_sigterm_readiness_turns_false_while_the_node_still_answers_then_it_stops()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, 1, Models, new Dictionary<string, string> { ["ROUTER_SHUTDOWN_DELAY"] = "3" });
        var node = cluster.Nodes[0];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var stopping = node.TerminateAsync(TimeSpan.FromSeconds(40));

        // A balancer polling /ready sees the node leave before it stops taking requests.
        await Wait.UntilAsync(async () => (await http.GetAsync(node.Url + "/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, 10_000);
        var ready = await http.GetFromJsonAsync<JsonElement>(node.Url + "/health"); // still alive
        Assert.Equal("ok", ready.GetProperty("status").GetString());
        using var answer = await http.PostAsJsonAsync(node.Url + "/v1/chat/completions", new { model = Models[0], messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var body = await (await http.GetAsync(node.Url + "/ready")).Content.ReadAsStringAsync();
        Assert.Contains("the node is stopping", body);

        await stopping;
        Assert.Equal(0, node.ExitCode);
    }
}
