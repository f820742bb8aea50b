using System.Net.Http.Json;
using System.Text.Json;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Clustering;

/// <summary>Nodes started at the same moment with no seed find each other through discovery and form one cluster.</summary>
[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class ClusterDiscoveryTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly string[] Models = ["t/a", "t/b", "t/c"];

    [Fact]
    public async Task Three_nodes_started_together_form_exactly_one_cluster_five_times_in_a_row()
    {
        for (var round = 1; round <= 5; round++)
        {
            var started = DateTime.UtcNow;
            await using var cluster = await ClusterHarness.StartDiscoveredAsync(postgres, 3, Models);
            // Every node sees all three Up: two clusters (2 + 1) would leave each node seeing fewer.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var views = new List<string>();
            foreach (var node in cluster.Nodes)
            {
                var ready = await http.GetFromJsonAsync<JsonElement>(node.Url + "/ready");
                Assert.Equal(3, ready.GetProperty("members_up").GetInt32());
                views.Add(ready.GetProperty("cluster").ToString());
            }
            // And the cluster routes: a request through one node is answered by a model actor wherever it lives.
            using var response = await http.PostAsJsonAsync(cluster.Nodes[2].Url + "/v1/chat/completions",
                new { model = "t/a", messages = new[] { new { role = "user", content = "hello" } } });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            output.WriteLine($"round {round}: one cluster of 3 in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        }
    }
}
