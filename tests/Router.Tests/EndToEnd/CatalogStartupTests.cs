using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.Node.Hosting;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>A node whose catalog has not reached it yet: not ready, and a request waits for the catalog instead of failing.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class CatalogStartupTests
{
    [Fact]
    public async Task A_request_before_the_catalog_arrives_waits_for_it()
    {
        await using var fake = await Fakes.StartAsync();
        fake.Script.ModelsStatusCode = 503; // the first fetch fails: no catalog on this fresh node
        var dataDir = TestNodes.TempDir();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            await using var node = await RouterNode.StartAsync(TestNodes.Settings(fake, dataDir), new RouterNodeOptions { HealthPolicy = TestNodes.FastPolicy });
            await Wait.UntilAsync(() => node.Catalog.Current.Update.FetchFailures >= 1, 20_000);

            var ready = await http.GetAsync(node.Url + "/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var problems = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems");
            Assert.Contains("catalog", problems[0].GetString());

            var request = http.PostAsJsonAsync(node.Url + "/v1/chat/completions",
                new { messages = new[] { new { role = "user", content = "Hello, world!" } } });
            await Task.Delay(300); // let the request reach the node while there is no catalog (without it, this test could not fail)
            Assert.False(request.IsCompleted);

            fake.Script.ModelsStatusCode = null;
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(node.Url + "/router/catalog/refresh", null)).StatusCode);
            var response = await request;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("test/delta", response.Headers.GetValues("X-Router-Model").Single());
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
