using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Router.Actors.Models;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.Security;

/// <summary>What a careless or hostile client can send, and that none of it changes what other clients get.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class HostileClientTests : NodeTestBase
{
    private const string Delta = "test/delta";
    private readonly HttpClient _http = new();

    protected override LogLevel LogLevel => LogLevel.Debug;

    private Task<HttpResponseMessage> PostRawAsync(string json) =>
        _http.PostAsync(Node.Url + "/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    private async Task<JsonElement> HealthAsync(string model) => await _http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/models/" + model);

    /// <summary>The model ids that have an actor on this node right now.</summary>
    private async Task<IReadOnlyList<string>> EntitiesAsync()
    {
        var region = Node.Services.GetRequiredService<IRequiredActor<ModelShardRegion>>().ActorRef;
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
        return state.Shards.SelectMany(s => s.EntityIds).ToList();
    }

    [Theory]
    [InlineData(@"\ud800")]
    [InlineData(@"\udc00")]
    [InlineData(@"ok \ud83d then \u0041")]
    public async Task A_lone_surrogate_is_refused_at_the_front_and_never_touches_a_model(string content)
    {
        for (var i = 0; i < 20; i++)
        {
            var response = await PostRawAsync($$"""{"model":"{{Delta}}","messages":[{"role":"user","content":"{{content}}"}]}""");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = (await JsonAsync(response)).GetProperty("error");
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.Contains("surrogate", error.GetProperty("message").GetString());
        }
        Assert.Equal(0, Fake.Script.TotalCalls);

        // A valid pair is text, and the model is as healthy as before for everyone.
        var ok = await PostRawAsync($$"""{"model":"{{Delta}}","messages":[{"role":"user","content":"\ud83d\ude00"}]}""");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(Delta, ok.Headers.GetValues("X-Router-Model").Single());
        var health = await HealthAsync(Delta);
        Assert.Equal("closed", health.GetProperty("circuit").GetString());
        Assert.Equal(0, health.GetProperty("failures").GetInt64());
    }

    [Fact]
    public async Task Made_up_model_ids_are_skipped_without_an_actor_a_metric_series_or_a_health_entry()
    {
        for (var i = 0; i < 200; i++)
        {
            var response = await PostRawAsync($$"""{"model":"made-up/m{{i}}","messages":[{"role":"user","content":"hi"}]}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var first = (await JsonAsync(response)).GetProperty("router").GetProperty("attempts")[0];
            Assert.Equal($"made-up/m{i}", first.GetProperty("model").GetString());
            Assert.Equal("skipped", first.GetProperty("outcome").GetString());
            Assert.Equal("not in catalog", first.GetProperty("reason").GetString());
        }
        var unknown = await _http.GetAsync(Node.Url + "/router/models/made-up/m1");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (await JsonAsync(unknown)).GetProperty("error").GetProperty("code").GetString());

        Assert.DoesNotContain(await EntitiesAsync(), id => id.StartsWith("made-up/"));
        Assert.DoesNotContain("made-up", await _http.GetStringAsync(Node.Url + "/metrics"));
        var directory = await _http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/models");
        Assert.All(directory.EnumerateArray(), v => Assert.Contains(v.GetProperty("model_id").GetString(), Fakes.ModelIds));
        Assert.Equal(0, Fake.Script.Calls.Keys.Count(k => k.StartsWith("made-up/")));
    }

    [Fact]
    public async Task Overlong_model_ids_and_fallback_lists_are_refused()
    {
        var huge = new string('x', 1_000_000);
        var response = await PostRawAsync($$"""{"model":"{{huge}}","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("model_id_too_long", (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetString());

        var many = JsonSerializer.Serialize(new { models = Enumerable.Range(0, 101).Select(i => $"m/{i}"), messages = new[] { new { role = "user", content = "hi" } } });
        response = await PostRawAsync(many);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("too_many_models", (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, Fake.Script.TotalCalls);
        Assert.DoesNotContain(Logs.Lines, l => l.Contains(huge[..1000]));
    }

    [Fact]
    public async Task Control_characters_from_outside_reach_the_log_escaped()
    {
        // An upstream error echoing the model id (as OpenRouter's 404 does) and a client's made-up id with a forged line.
        const string evil = "test/evil\nINFO forged line \u001b[31mred";
        Fake.Script.SetCatalog([.. Fake.Script.Catalog, SyntheticCatalog.Model(evil, 1_000_000)]);
        Fake.Script.Set(evil, new FakeBehavior { StatusCode = 404 });
        await _http.PostAsync(Node.Url + "/router/catalog/refresh", null);
        await Wait.UntilAsync(() => Node.Catalog.Current.ById.ContainsKey(evil));

        var response = await PostRawAsync(JsonSerializer.Serialize(new { models = new[] { "made-up\nINFO forged by a client", evil }, messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, Fake.Script.CallsTo(evil));
        await Wait.UntilAsync(() => Logs.Lines.Any(l => l.Contains("falling back")));

        Assert.Contains(Logs.Lines, l => l.Contains(@"test/evil\nINFO forged line \u001b[31mred"));
        Assert.DoesNotContain(Logs.Lines, l => l.Contains('\u001b') || l.Contains("\nINFO forged"));
    }

    [Fact]
    public async Task A_client_that_drops_its_body_half_way_is_no_error_in_the_log()
    {
        for (var i = 0; i < 5; i++)
        {
            using var socket = new TcpClient();
            await socket.ConnectAsync(IPAddress.Loopback, new Uri(Node.Url).Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"messages\":"));
            await stream.FlushAsync();
            await Task.Delay(100);
            socket.Client.Close(0); // reset, mid-body
        }
        // Each was noticed, at debug; the node still answers, and nothing above debug was said about those clients.
        await Wait.UntilAsync(() => Logs.Lines.Count(l => l.StartsWith("Debug Router.Http: Request body from")) == 5, 20_000);
        var ok = await PostRawAsync("""{"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var errors = Logs.Lines.Where(l => l.StartsWith("Error") || l.StartsWith("Critical")).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
