using Router.Client.Hosting;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Router.Client;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;
using Router.Node.Hosting;
using Router.Tests.Support;

namespace Router.Tests.Clustering;

/// <summary>Three node processes on loopback with PostgreSQL, plus an embedded front node in this process.</summary>
[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class ClusterRoutingTests(PostgresServer postgres)
{
    private static readonly string[] Models = Enumerable.Range(1, 24).Select(i => $"c/m{i:00}").ToArray();

    [Fact]
    public async Task Shards_spread_requests_cross_nodes_streams_cross_nodes_and_no_key_is_logged()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, 3, Models);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var nodes = cluster.Nodes;

        // Every model once, through the three fronts in turn; then ask each model where its actor lives.
        for (var i = 0; i < Models.Length; i++)
        {
            var response = await http.PostAsJsonAsync(nodes[i % 3].Url + "/v1/chat/completions",
                new { model = Models[i], messages = new[] { new { role = "user", content = "Hello, world!" } } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Models[i], response.Headers.GetValues("X-Router-Model").Single());
        }
        var hosts = new Dictionary<string, string>();
        foreach (var model in Models)
        {
            var view = await http.GetFromJsonAsync<JsonElement>(nodes[0].Url + "/router/models/" + model);
            hosts[model] = view.GetProperty("node").GetString()!;
            Assert.Equal(1, view.GetProperty("successes").GetInt64());
        }
        var used = hosts.Values.Distinct().ToList();
        Assert.Equal(3, used.Count); // 24 models over 100 shards: every node hosts some
        Assert.All(used, address => Assert.Contains(nodes, n => n.Address == address));

        // A plain and a streamed request on one node for a model whose actor lives on another.
        var front = nodes[1];
        var remote = Models.First(m => hosts[m] != front.Address);
        var plain = await http.PostAsJsonAsync(front.Url + "/v1/chat/completions",
            new { model = remote, messages = new[] { new { role = "user", content = "cross-node" } } });
        Assert.Equal(remote, plain.Headers.GetValues("X-Router-Model").Single());

        cluster.Fake.Script.Set(remote, new FakeBehavior { Content = "tokens streamed from another node", TokensPerSecond = 200 });
        using var request = new HttpRequestMessage(HttpMethod.Post, front.Url + "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = remote, stream = true, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        using var streamed = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await Sse.ReadAllAsync(streamed);
        Assert.Equal("[DONE]", events[^1]);
        var text = string.Concat(events[..^1].Select(e => JsonDocument.Parse(e).RootElement)
            .Where(c => c.TryGetProperty("choices", out var ch) && ch.GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.Equal("tokens streamed from another node", text);

        // A .NET process embedding a front-only node: RouterClient over remoting, streaming included.
        var dataDir = TestNodes.TempDir();
        var embedded = TestNodes.Settings(cluster.Fake, dataDir) with
        {
            OpenRouter = TestNodes.Settings(cluster.Fake, dataDir).OpenRouter with { ApiKey = ClusterHarness.OpenRouterKey },
            Database = cluster.Environment["ROUTER_DB"],
            SeedNodes = [nodes[0].Address],
            Roles = [RouterCluster.FrontRole],
        };
        await using (var client = await TestNodes.StartAsync(embedded))
        {
            var router = client.Services.GetRequiredService<RouterClient>();
            Assert.Equal(Models.Length, (await router.GetAvailableModelsAsync()).Count);
            var answer = await router.GenerateResponseAsync([ChatMessage.Text("user", "over remoting")], Models[5]);
            Assert.True(answer.Success, answer.Error?.Message);
            Assert.Equal(Models[5], answer.Model?.Value);
            Assert.Contains("over remoting", answer.Content);

            var pieces = new List<RouterStreamItem>();
            await foreach (var item in router.GenerateResponseStreamAsync([ChatMessage.Text("user", "hi")], remote))
                pieces.Add(item);
            Assert.Equal("tokens streamed from another node", string.Concat(pieces.Select(p => p.Content)));
            Assert.True(pieces[^1].Done);
            Assert.Null(pieces[^1].Error);
        }
        Directory.Delete(dataDir, recursive: true);

        // The OpenRouter key was in every node's environment and every upstream call: never in their output.
        Assert.All(nodes, n => Assert.NotEmpty(n.Output));
        Assert.All(nodes, n => Assert.DoesNotContain(n.Output, line => line.Contains("CLUSTERSECRET", StringComparison.Ordinal)));
    }
}
