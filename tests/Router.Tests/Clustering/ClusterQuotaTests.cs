using System.Net;
using System.Net.Http.Json;
using Router.Tests.Support;

namespace Router.Tests.Clustering;

[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class ClusterQuotaTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_daily_cap_holds_across_three_nodes()
    {
        const int cap = 12;
        await using var cluster = await ClusterHarness.StartAsync(postgres, 3, ["q/a", "q/b"], new Dictionary<string, string>
        {
            ["ROUTER_API_KEYS"] = "tenant-a-key-000000,tenant-b-key-000000",
            ["ROUTER_DAILY_REQUEST_CAP_PER_KEY"] = cap.ToString(),
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        async Task<HttpStatusCode> SendAsync(int i, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, cluster.Nodes[i % 3].Url + "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "q/a", messages = new[] { new { role = "user", content = "hi" } } }),
            };
            request.Headers.Authorization = new("Bearer", key);
            return (await http.SendAsync(request)).StatusCode;
        }

        // 45 concurrent requests from one tenant, spread over the three nodes.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 45).Select(i => SendAsync(i, "tenant-a-key-000000")));
        Assert.Equal(cap, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(45 - cap, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(cap, cluster.Fake.Script.TotalCalls);

        // The other tenant is untouched; the first stays capped on every node.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(1, "tenant-b-key-000000"));
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(i, "tenant-a-key-000000"));
    }
}
