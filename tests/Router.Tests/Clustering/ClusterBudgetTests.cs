using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.Tests.Support;

namespace Router.Tests.Clustering;

/// <summary>A daily spend budget held once for the cluster, across three node processes on PostgreSQL.</summary>
[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class ClusterBudgetTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_daily_budget_holds_across_three_nodes_past_it_by_the_requests_in_flight_at_most()
    {
        // Every answer of the fake costs the same: its usage (same prompt, same answer) at 1e-6 USD per token.
        const int answersInBudget = 6;
        const int burst = 9;
        var costPerAnswer = await CostOfOneAnswerAsync();
        var cap = costPerAnswer * (answersInBudget - 0.5);
        await using var cluster = await ClusterHarness.StartAsync(postgres, 3, ["b/a", "b/b"], new Dictionary<string, string>
        {
            ["ROUTER_API_KEYS"] = "tenant-a-key-000000,tenant-b-key-000000",
            ["ROUTER_DAILY_SPEND_CAP_USD_PER_KEY"] = cap.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(int node, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, cluster.Nodes[node % 3].Url + "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "b/a", messages = new[] { new { role = "user", content = "hi" } } }),
            };
            request.Headers.Authorization = new("Bearer", key);
            var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        // A burst from one tenant over the three nodes: all admitted while nothing is charged yet, past the budget by
        // at most the burst itself.
        var burstAnswers = await Task.WhenAll(Enumerable.Range(0, burst).Select(i => SendAsync(i, "tenant-a-key-000000")));
        var admitted = burstAnswers.Count(a => a.Status == HttpStatusCode.OK);
        Assert.InRange(admitted * costPerAnswer, 0, cap + burst * costPerAnswer);
        Assert.Equal(costPerAnswer, burstAnswers.First(a => a.Status == HttpStatusCode.OK).Body.GetProperty("router").GetProperty("cost_usd").GetDouble(), 12);

        // One at a time from then on: admitted exactly while the spend is under the budget, then refused on every node.
        var sequential = admitted;
        for (var i = 0; i < answersInBudget + 3 && (await SendAsync(i, "tenant-a-key-000000")).Status == HttpStatusCode.OK; i++)
            sequential++;
        Assert.Equal(Math.Max(admitted, answersInBudget), sequential);
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await SendAsync(i, "tenant-a-key-000000");
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Equal("daily_budget_reached", body.GetProperty("error").GetProperty("code").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(1, "tenant-b-key-000000")).Status); // the other tenant's own budget
    }

    /// <summary>What the fake's answer to this test's request costs, asked of a single node.</summary>
    private static async Task<double> CostOfOneAnswerAsync()
    {
        await using var fake = await Fakes.StartAsync([FakeOpenRouter.SyntheticCatalog.Model("b/a", 100_000)], []);
        var dir = TestNodes.TempDir();
        try
        {
            await using var node = await TestNodes.StartAsync(TestNodes.Settings(fake, dir));
            using var http = new HttpClient();
            var response = await http.PostAsJsonAsync(node.Url + "/v1/chat/completions",
                new { model = "b/a", messages = new[] { new { role = "user", content = "hi" } } });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return body.GetProperty("router").GetProperty("cost_usd").GetDouble();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
