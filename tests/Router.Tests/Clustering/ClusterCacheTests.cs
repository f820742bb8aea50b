using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.Clustering;

/// <summary>One response cache for the cluster: two node processes on PostgreSQL share answers and flights.</summary>
[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class ClusterCacheTests(PostgresServer postgres)
{
    [Fact]
    public async Task Fifty_identical_requests_on_two_nodes_make_one_upstream_call()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, 2, ["c/slow", "c/other"], new Dictionary<string, string>
        {
            ["ROUTER_CACHE_TTL"] = "60",
        });
        cluster.Fake.Script.Set("c/slow", new FakeBehavior { LatencyMs = 800 });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        async Task<(HttpStatusCode Status, string Cache, string Content)> SendAsync(int node)
        {
            var response = await http.PostAsJsonAsync(cluster.Nodes[node % 2].Url + "/v1/chat/completions",
                new { model = "c/slow", temperature = 0, messages = new[] { new { role = "user", content = "the same question" } } });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (response.StatusCode, response.Headers.GetValues("X-Router-Cache").Single(),
                body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!);
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(SendAsync));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(1, cluster.Fake.Script.CallsTo("c/slow"));
        Assert.Single(answers, a => a.Cache == "MISS");
        Assert.Single(answers.Select(a => a.Content).Distinct());

        // Stored once, found from either node.
        Assert.Equal("HIT", (await SendAsync(0)).Cache);
        Assert.Equal("HIT", (await SendAsync(1)).Cache);
        Assert.Equal(1, cluster.Fake.Script.CallsTo("c/slow"));

        // Fifty identical streams: one upstream stream, its chunks live on both nodes (across them through a stream ref).
        cluster.Fake.Script.Set("c/other", new FakeBehavior { LatencyMs = 300, TokensPerSecond = 50 });
        async Task<(string Cache, List<string> Events)> StreamAsync(int node)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, cluster.Nodes[node % 2].Url + "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "c/other", temperature = 0, stream = true, messages = new[] { new { role = "user", content = "one stream for all" } } }),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (response.Headers.GetValues("X-Router-Cache").Single(), await Sse.ReadAllAsync(response));
        }

        var streams = await Task.WhenAll(Enumerable.Range(0, 50).Select(StreamAsync));
        Assert.Equal(1, cluster.Fake.Script.CallsTo("c/other"));
        Assert.Single(streams, s => s.Cache == "MISS");
        Assert.Contains(streams, s => s.Cache == "COALESCED");
        var leader = streams.Single(s => s.Cache == "MISS").Events;
        Assert.Equal("[DONE]", leader[^1]);
        Assert.All(streams, s => Assert.Equal(leader, s.Events));
    }
}
