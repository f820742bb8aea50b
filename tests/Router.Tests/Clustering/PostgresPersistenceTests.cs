using System.Net.Http.Json;
using System.Text.Json;
using Router.Actors.Models;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.Clustering;

[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class PostgresPersistenceTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_node_on_postgres_keeps_circuits_and_catalog_across_a_restart()
    {
        await using var fake = await Fakes.StartAsync(("test/delta", new FakeBehavior { StatusCode = 500 }));
        var db = await postgres.CreateDatabaseAsync();
        var policy = new HealthPolicy { FailureThreshold = 2, OpenBase = TimeSpan.FromMinutes(5) };
        var dataDir = TestNodes.TempDir();
        using var http = new HttpClient();
        var hello = new { messages = new[] { new { role = "user", content = "Hello, world!" } } };
        try
        {
            await using (var first = await TestNodes.StartAsync(TestNodes.Settings(fake, dataDir) with { Database = db }, policy))
            {
                for (var i = 0; i < 2; i++)
                    await http.PostAsJsonAsync(first.Url + "/v1/chat/completions", hello);
                // No wait: a graceful stop hands the models off after their writes are confirmed.
            }
            fake.Script.ModelsStatusCode = 503;
            await using var second = await TestNodes.StartAsync(TestNodes.Settings(fake, dataDir) with { Database = db }, policy);
            Assert.Equal(4, (await http.GetFromJsonAsync<JsonElement>(second.Url + "/v1/models")).GetProperty("data").GetArrayLength());
            var state = await http.GetFromJsonAsync<JsonElement>(second.Url + "/router/models/test/delta");
            Assert.Equal("open", state.GetProperty("circuit").GetString());
            Assert.False(File.Exists(Path.Combine(dataDir, "router.db"))); // nothing went to SQLite
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
