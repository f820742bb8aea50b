using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>The response cache and the merging of identical requests in flight, through HTTP to the fake OpenRouter.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class ResponseCacheTests : NodeTestBase
{
    protected override Router.Node.Configuration.RouterSettings Configure(Router.Node.Configuration.RouterSettings settings) =>
        settings with { CacheTtl = TimeSpan.FromMinutes(1) };

    protected override (string Model, FakeBehavior Behavior)[] InitialBehaviors =>
        [("test/gamma", new FakeBehavior { LatencyMs = 600 }), ("test/delta", new FakeBehavior { StatusCode = 400, FailTimes = 1, LatencyMs = 400 })];

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private async Task<(HttpStatusCode Status, string? Cache, JsonElement Body, HttpResponseMessage Response)> PostAsync(string json, string? cacheControl = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Node.Url + "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (cacheControl is not null) request.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        var response = await Http.SendAsync(request);
        var cache = response.Headers.TryGetValues("X-Router-Cache", out var values) ? values.Single() : null;
        return (response.StatusCode, cache, await response.Content.ReadFromJsonAsync<JsonElement>(), response);
    }

    private const string Deterministic = """{"model":"test/beta","temperature":0,"messages":[{"role":"user","content":"What is 2+2?"}]}""";

    [Fact]
    public async Task A_second_identical_request_is_a_hit_without_an_upstream_call()
    {
        var miss = await PostAsync(Deterministic);
        Assert.Equal((HttpStatusCode.OK, "MISS"), (miss.Status, miss.Cache));
        var calls = Fake.Script.TotalCalls;

        // Same request, other formatting and field order.
        var hit = await PostAsync("""{ "messages": [ { "content": "What is 2+2?", "role": "user" } ], "temperature": 0.0, "model": "test/beta" }""");
        Assert.Equal((HttpStatusCode.OK, "HIT"), (hit.Status, hit.Cache));
        Assert.Equal(calls, Fake.Script.TotalCalls);
        Assert.Equal(miss.Body.GetProperty("choices").ToString(), hit.Body.GetProperty("choices").ToString());
        Assert.Equal("hit", hit.Body.GetProperty("router").GetProperty("cache").GetString());
        Assert.Equal("test/beta", hit.Body.GetProperty("router").GetProperty("model").GetString());
        Assert.NotNull(hit.Response.Headers.Age);
    }

    [Fact]
    public async Task Cache_control_skips_the_lookup_or_the_cache_and_max_age_asks_for_a_fresh_answer()
    {
        await PostAsync(Deterministic);
        var calls = Fake.Script.TotalCalls;
        Assert.Equal("BYPASS", (await PostAsync(Deterministic, "no-store")).Cache);
        Assert.Equal("MISS", (await PostAsync(Deterministic, "no-cache")).Cache);
        Assert.Equal(calls + 2, Fake.Script.TotalCalls);
        Assert.Equal("HIT", (await PostAsync(Deterministic, "max-age=600")).Cache);
        Assert.Equal("HIT", (await PostAsync(Deterministic, "no-such-directive, max-age=banana")).Cache); // garbage: ignored
        Assert.Equal("MISS", (await PostAsync(Deterministic, "max-age=0")).Cache); // any stored answer is older than that
        Assert.Equal(calls + 3, Fake.Script.TotalCalls);
    }

    [Fact]
    public async Task Only_deterministic_or_opted_in_requests_are_cached()
    {
        var sampled = await PostAsync("""{"model":"test/beta","temperature":0.7,"messages":[{"role":"user","content":"a poem"}]}""");
        Assert.Null(sampled.Cache);
        var optedIn = """{"model":"test/beta","temperature":0.7,"router":{"cache":true},"messages":[{"role":"user","content":"a poem"}]}""";
        Assert.Equal("MISS", (await PostAsync(optedIn)).Cache);
        Assert.Equal("HIT", (await PostAsync(optedIn)).Cache);
    }

    [Fact]
    public async Task Identical_requests_in_flight_wait_for_one_upstream_call()
    {
        const string slow = """{"model":"test/gamma","temperature":0,"messages":[{"role":"user","content":"slow question"}]}""";
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync(slow)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(1, Fake.Script.CallsTo("test/gamma"));
        Assert.Single(answers, a => a.Cache == "MISS");
        Assert.All(answers.Where(a => a.Cache != "MISS"), a => Assert.Contains(a.Cache, new[] { "COALESCED", "HIT" }));
        Assert.Contains(answers, a => a.Cache == "COALESCED");
    }

    [Fact]
    public async Task When_the_leader_fails_one_waiter_asks_upstream_and_the_others_get_its_answer()
    {
        const string once = """{"model":"test/delta","temperature":0,"messages":[{"role":"user","content":"first fails"}]}""";
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostAsync(once)));
        Assert.Single(answers, a => a.Status == HttpStatusCode.BadRequest); // the leader's own error, never cached
        Assert.Equal(5, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.Equal(2, Fake.Script.CallsTo("test/delta"));
    }

    [Fact]
    public async Task A_waiter_that_disconnects_does_not_leave_the_others_hanging()
    {
        const string once = """{"model":"test/delta","temperature":0,"messages":[{"role":"user","content":"leaves"}]}""";
        var leader = PostAsync(once); // fails after 400 ms with a 400: the lead goes to a waiter
        await Wait.UntilAsync(() => Fake.Script.CallsTo("test/delta") == 1);
        using (var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Node.Url + "/v1/chat/completions") { Content = new StringContent(once, Encoding.UTF8, "application/json") };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Http.SendAsync(request, gone.Token));
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var waiter = await PostAsync(once);
        Assert.Equal(HttpStatusCode.BadRequest, (await leader).Status);
        Assert.Equal(HttpStatusCode.OK, waiter.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the waiter took {watch.Elapsed}"); // not the stall timeout
    }

    [Fact]
    public async Task The_cache_shows_its_size_counts_its_results_and_can_be_purged()
    {
        await PostAsync(Deterministic);
        Assert.Equal("HIT", (await PostAsync(Deterministic)).Cache);
        await Wait.UntilAsync(async () =>
            (await Http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/cache")).GetProperty("node").GetProperty("entries").GetInt32() == 1);
        var stats = await Http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/cache");
        Assert.True(stats.GetProperty("enabled").GetBoolean());
        Assert.InRange(stats.GetProperty("node").GetProperty("bytes").GetInt64(), 100, 100_000);

        var metrics = await Http.GetStringAsync(Node.Url + "/metrics");
        Assert.Contains("router_cache_requests_total{result=\"hit\"} 1", metrics);
        Assert.Contains("router_cache_requests_total{result=\"miss\"} 1", metrics);
        Assert.Contains("router_cache_saved_usd_total", metrics);

        var purge = await Http.DeleteAsync(Node.Url + "/router/cache");
        Assert.Equal(256, (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("purged_buckets").GetInt32());
        Assert.Equal("MISS", (await PostAsync(Deterministic)).Cache);
    }
}
