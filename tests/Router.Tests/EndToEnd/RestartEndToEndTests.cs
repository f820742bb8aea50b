using System.Net.Http.Json;
using System.Text.Json;
using Router.Actors.Models;
using Router.Node.Hosting;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>A node restarted on the same SQLite file comes back with its circuits and its catalog.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class RestartEndToEndTests
{
    [Fact]
    public async Task Circuit_state_and_catalog_survive_a_node_restart_on_sqlite()
    {
        await using var fake = await Fakes.StartAsync(("test/delta", new FakeBehavior { StatusCode = 500 }));
        var dataDir = TestNodes.TempDir();
        var policy = new HealthPolicy { FailureThreshold = 2, OpenBase = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient();
        var hello = new { messages = new[] { new { role = "user", content = "Hello, world!" } } };
        try
        {
            await using (var first = await TestNodes.StartAsync(TestNodes.Settings(fake, dataDir), policy))
            {
                for (var i = 0; i < 2; i++)
                    await http.PostAsJsonAsync(first.Url + "/v1/chat/completions", hello);
                var state = await http.GetFromJsonAsync<JsonElement>(first.Url + "/router/models/test/delta");
                Assert.Equal("open", state.GetProperty("circuit").GetString());
                // No wait: a node that stops gracefully hands its models off, and each writes what it has before it stops.
            }

            fake.Script.ModelsStatusCode = 503; // the second node cannot fetch: it must serve the stored list
            await using var second = await TestNodes.StartAsync(TestNodes.Settings(fake, dataDir), policy);

            var models = await http.GetFromJsonAsync<JsonElement>(second.Url + "/v1/models");
            Assert.Equal(4, models.GetProperty("data").GetArrayLength());

            var restored = await http.GetFromJsonAsync<JsonElement>(second.Url + "/router/models/test/delta");
            Assert.Equal("open", restored.GetProperty("circuit").GetString());
            Assert.True(restored.GetProperty("open_until").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(4));

            var response = await http.PostAsJsonAsync(second.Url + "/v1/chat/completions", hello);
            Assert.Equal("test/gamma", response.Headers.GetValues("X-Router-Model").Single());
            Assert.Equal(2, fake.Script.CallsTo("test/delta"));

            // Everything stored went through Router's serializer, not Akka's default.
            using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "router.db")}");
            db.Open();
            using var query = db.CreateCommand();
            query.CommandText = "SELECT identifier FROM journal UNION ALL SELECT serializer_id FROM snapshot";
            using var rows = query.ExecuteReader();
            var ids = new List<long>();
            while (rows.Read()) ids.Add(rows.GetInt64(0));
            Assert.NotEmpty(ids);
            Assert.All(ids, id => Assert.Equal(Router.Contracts.Serialization.RouterSerializer.Id, id));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Persisted_answers_survive_a_restart_and_so_does_their_purge()
    {
        await using var fake = await Fakes.StartAsync();
        var dataDir = TestNodes.TempDir();
        var settings = TestNodes.Settings(fake, dataDir) with { CacheTtl = TimeSpan.FromMinutes(10), CachePersist = true };
        using var http = new HttpClient();
        var question = new { model = "test/beta", temperature = 0, messages = new[] { new { role = "user", content = "kept across restarts" } } };
        async Task<string> CacheOf(RouterNode node) =>
            (await http.PostAsJsonAsync(node.Url + "/v1/chat/completions", question)).Headers.GetValues("X-Router-Cache").Single();
        long CacheEvents()
        {
            using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "router.db")}");
            db.Open();
            using var query = db.CreateCommand();
            query.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'cache-%'";
            return (long)query.ExecuteScalar()!;
        }
        try
        {
            await using (var first = await TestNodes.StartAsync(settings))
            {
                Assert.Equal("MISS", await CacheOf(first));
                await Wait.UntilAsync(() => CacheEvents() == 1); // journaled without holding the answer up: wait for it
            }
            Assert.Equal(1, fake.Script.CallsTo("test/beta"));

            await using (var second = await TestNodes.StartAsync(settings))
            {
                Assert.Equal("HIT", await CacheOf(second));
                Assert.Equal(1, fake.Script.CallsTo("test/beta"));
                await http.DeleteAsync(second.Url + "/router/cache");
                await Wait.UntilAsync(() => CacheEvents() == 2);
            }

            await using var third = await TestNodes.StartAsync(settings);
            Assert.Equal("MISS", await CacheOf(third)); // purged stays purged
            Assert.Equal(2, fake.Script.CallsTo("test/beta"));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
