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
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(hosted, response.Headers.GetValues("X-Router-Model").Single());
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
}
