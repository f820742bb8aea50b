using Router.Client.Configuration;
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
    protected override Router.Client.Configuration.RouterSettings Configure(Router.Client.Configuration.RouterSettings settings) =>
        settings with { CacheTtl = TimeSpan.FromMinutes(1) };

    protected override (string Model, FakeBehavior Behavior)[] InitialBehaviors =>
        [("test/gamma", new FakeBehavior { LatencyMs = 600 }), ("test/delta", new FakeBehavior { StatusCode = 400, FailTimes = 1, LatencyMs = 400 }),
         ("test/alpha", new FakeBehavior { TokensPerSecond = 40, Content = SlowAnswer })];

    /// <summary>About 1.5 s of tokens at 40 a second: long enough for others to join while it streams.</summary>
    private const string SlowAnswer = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " +
                                      "seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four twenty-five twenty-six";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Closes the connection when a response is disposed unread, where a client would drain it to its end.</summary>
    private static readonly HttpClient Leaving = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { Timeout = TimeSpan.FromSeconds(60) };

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

    private const string Streamed = """{"model":"test/beta","temperature":0,"stream":true,"messages":[{"role":"user","content":"Stream 2+2"}]}""";

    private static string SlowStream(string question) =>
        $$"""{"model":"test/alpha","temperature":0,"stream":true,"messages":[{"role":"user","content":"{{question}}"}]}""";

    private async Task<HttpResponseMessage> OpenStreamAsync(string json, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Node.Url + "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        return await (client ?? Http).SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private async Task<(string? Cache, List<string> Events)> StreamAsync(string json)
    {
        using var response = await OpenStreamAsync(json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cache = response.Headers.TryGetValues("X-Router-Cache", out var values) ? values.Single() : null;
        return (cache, await Sse.ReadAllAsync(response));
    }

    private async Task StoredAsync(int entries) => await Wait.UntilAsync(async () =>
        (await Http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/cache")).GetProperty("node").GetProperty("entries").GetInt32() == entries);

    /// <summary>The text a stream spelt, from its content deltas.</summary>
    private static string TextOf(IEnumerable<string> events) => string.Concat(events.Where(e => e != "[DONE]")
        .Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices"))
        .SelectMany(c => c.EnumerateArray())
        .Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : ""));

    [Fact]
    public async Task A_streamed_answer_is_replayed_chunk_by_chunk_and_also_answers_plain_requests()
    {
        var miss = await StreamAsync(Streamed);
        Assert.Equal("MISS", miss.Cache);
        Assert.True(miss.Events.Count > 3);
        var calls = Fake.Script.TotalCalls;
        await StoredAsync(1); // until then, an identical stream would follow the ended one (COALESCED)

        var hit = await StreamAsync("""{ "stream": true, "messages": [{"content": "Stream 2+2", "role": "user"}], "temperature": 0, "model": "test/beta" }""");
        Assert.Equal("HIT", hit.Cache);
        Assert.Equal(miss.Events, hit.Events); // the same chunks, byte for byte, the usage chunk and [DONE] included
        Assert.Equal("[DONE]", hit.Events[^1]);

        var plain = await PostAsync(Streamed.Replace("\"stream\":true,", ""));
        Assert.Equal("HIT", plain.Cache);
        Assert.Equal(TextOf(miss.Events), plain.Body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", plain.Body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(plain.Body.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        Assert.Equal(calls, Fake.Script.TotalCalls);
    }

    [Fact]
    public async Task A_plain_answer_is_served_to_a_stream_as_chunks()
    {
        const string question = """{"model":"test/beta","temperature":0,"messages":[{"role":"user","content":"plain first"}]}""";
        var plain = await PostAsync(question);
        var calls = Fake.Script.TotalCalls;
        var streamed = await StreamAsync(question.Replace("\"temperature\":0,", "\"temperature\":0,\"stream\":true,"));
        Assert.Equal("HIT", streamed.Cache);
        Assert.Equal(plain.Body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), TextOf(streamed.Events));
        var usage = JsonDocument.Parse(streamed.Events[^2]).RootElement;
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(plain.Body.GetProperty("usage").GetProperty("total_tokens").GetInt32(), usage.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal("[DONE]", streamed.Events[^1]);
        Assert.Equal(calls, Fake.Script.TotalCalls);
    }

    [Fact]
    public async Task Identical_streams_in_flight_share_one_upstream_stream_and_late_joiners_get_it_all()
    {
        var question = SlowStream("shared stream");
        using var leader = await OpenStreamAsync(question);
        await using var leaderBody = await leader.Content.ReadAsStreamAsync();
        var leaderEvents = Sse.Events(leaderBody).GetAsyncEnumerator();
        Assert.True(await leaderEvents.MoveNextAsync()); // tokens are flowing: followers join a stream under way

        var followers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => StreamAsync(question)));
        var leaderAll = new List<string> { leaderEvents.Current };
        while (await leaderEvents.MoveNextAsync()) leaderAll.Add(leaderEvents.Current);

        Assert.Equal(1, Fake.Script.CallsTo("test/alpha"));
        Assert.Equal("MISS", leader.Headers.GetValues("X-Router-Cache").Single());
        Assert.Contains(followers, f => f.Cache == "COALESCED");
        Assert.All(followers, f => Assert.Equal(leaderAll, f.Events)); // the chunks so far, then the rest: the same stream
        Assert.Equal(SlowAnswer, TextOf(leaderAll).Trim());
    }

    [Fact]
    public async Task A_follower_or_the_leader_going_away_does_not_cut_the_others()
    {
        async Task<Action> ReadOneEventThenLeaveAsync(string question, string expectedCache)
        {
            var response = await OpenStreamAsync(question, Leaving);
            Assert.Equal(expectedCache, response.Headers.GetValues("X-Router-Cache").Single());
            var events = Sse.Events(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
            Assert.True(await events.MoveNextAsync());
            return response.Dispose;
        }

        var question = SlowStream("some leave");
        var leaveLeader = await ReadOneEventThenLeaveAsync(question, "MISS");
        var staying = StreamAsync(question);
        var leaveFollower = await ReadOneEventThenLeaveAsync(question, "COALESCED");
        leaveFollower();
        leaveLeader();

        var stayed = await staying;
        Assert.Equal(SlowAnswer, TextOf(stayed.Events).Trim());
        Assert.Equal("[DONE]", stayed.Events[^1]);
        Assert.Equal(1, Fake.Script.CallsTo("test/alpha"));
        await StoredAsync(1); // and the whole answer was stored
        Assert.Equal("HIT", (await StreamAsync(question)).Cache);
    }

    [Fact]
    public async Task When_every_reader_of_a_shared_stream_goes_the_upstream_call_ends()
    {
        var question = SlowStream("all leave");
        var response = await OpenStreamAsync(question, Leaving);
        var events = Sse.Events(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        response.Dispose();
        await Wait.UntilAsync(() => Fake.Script.CancelledCalls == 1);
        Assert.Equal("MISS", (await StreamAsync(question)).Cache); // a cut answer is not stored
    }

    [Fact]
    public async Task A_stream_cut_by_an_error_is_not_stored()
    {
        Fake.Script.Set("test/delta", new FakeBehavior { MidStreamErrorAfterChunks = 2 });
        var question = """{"model":"test/delta","temperature":0,"stream":true,"messages":[{"role":"user","content":"cut"}]}""";
        var cut = await StreamAsync(question);
        Assert.Contains(cut.Events, e => e.Contains("\"error\""));
        Assert.Equal("MISS", (await StreamAsync(question)).Cache);
        Assert.Equal(2, Fake.Script.CallsTo("test/delta"));
    }
}
