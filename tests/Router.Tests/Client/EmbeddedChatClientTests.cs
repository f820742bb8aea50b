using System.ComponentModel;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Router.Client;
using Router.Client.Chat;
using Router.Contracts.Messages;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.Client;

/// <summary>
/// An application embedding a Router member (AddRouterNode, IChatClient from DI with M.E.AI's function invocation)
/// in a cluster of node processes on loopback with PostgreSQL, against the fake OpenRouter over HTTP.
/// </summary>
[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class EmbeddedChatClientTests(PostgresServer postgres)
{
    private static readonly string[] Models = ["e/alpha", "e/beta", "e/gamma", "e/delta"];

    private static ChatMessage[] Ask(string text) => [new(ChatRole.User, text)];

    [Fact]
    public async Task Answers_equal_what_http_clients_get_fallback_is_visible_and_errors_are_typed()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, 2, Models);
        await using var member = await EmbeddedMember.JoinAsync(cluster.Nodes[0].Address);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var front = cluster.Nodes[1].Url + "/v1/chat/completions";

        // Plain: the same request through HTTP and through IChatClient.
        var viaHttp = await (await http.PostAsJsonAsync(front, new
        {
            model = "e/beta", max_tokens = 6, temperature = 0.5,
            messages = new[] { new { role = "user", content = "Hello from both sides" } },
        })).Content.ReadFromJsonAsync<JsonElement>();
        var viaChat = await member.Chat.GetResponseAsync(Ask("Hello from both sides"), new ChatOptions { ModelId = "e/beta", MaxOutputTokens = 6, Temperature = 0.5f });
        Assert.True(viaHttp.GetProperty("model").GetString() == viaChat.ModelId,
            $"{viaChat.ModelId} answered the member: {JsonSerializer.Serialize(viaChat.AdditionalProperties?["router"])}");
        Assert.Equal(viaHttp.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), viaChat.Text);
        var usage = viaHttp.GetProperty("usage");
        Assert.Equal((usage.GetProperty("prompt_tokens").GetInt64(), usage.GetProperty("completion_tokens").GetInt64(), usage.GetProperty("total_tokens").GetInt64()),
            (viaChat.Usage!.InputTokenCount!.Value, viaChat.Usage.OutputTokenCount!.Value, viaChat.Usage.TotalTokenCount!.Value));
        Assert.Equal(ChatFinishReason.Stop, viaChat.FinishReason);

        // Streamed: the same text, model and usage as the SSE stream.
        using var request = new HttpRequestMessage(HttpMethod.Post, front)
        {
            Content = JsonContent.Create(new { model = "e/gamma", stream = true, messages = new[] { new { role = "user", content = "Stream it" } } }),
        };
        using var streamed = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var chunks = (await Sse.ReadAllAsync(streamed))[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        var sseText = string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        var sseUsage = chunks.Last(c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object).GetProperty("usage");
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in member.Chat.GetStreamingResponseAsync(Ask("Stream it"), new ChatOptions { ModelId = "e/gamma" }))
            updates.Add(update);
        var assembled = updates.ToChatResponse();
        Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "the text came in pieces");
        Assert.Equal(sseText, assembled.Text);
        Assert.Equal("e/gamma", assembled.ModelId);
        Assert.Equal(sseUsage.GetProperty("total_tokens").GetInt64(), assembled.Usage!.TotalTokenCount);
        Assert.Equal("e/gamma", Assert.IsType<RouterInfo>(assembled.Messages[0].AdditionalProperties![ChatResponseMapping.RouterProperty]).Model);

        // Fallback: the model asked for fails, another answers; the route says so.
        cluster.Fake.Script.Set("e/alpha", new FakeBehavior { StatusCode = 503 });
        var fellBack = await member.Chat.GetResponseAsync(Ask("Anyone there?"), new ChatOptions { ModelId = "e/alpha" });
        var route = Assert.IsType<RouterInfo>(fellBack.AdditionalProperties![ChatResponseMapping.RouterProperty]);
        Assert.NotEqual("e/alpha", route.Model);
        Assert.Equal(route.Model, fellBack.ModelId);
        Assert.Equal(("e/alpha", AttemptOutcome.Failed, 503), (route.Attempts[0].Model.Value, route.Attempts[0].Outcome, route.Attempts[0].StatusCode));

        // Options reach the upstream as OpenAI fields; Router's own object does not.
        await member.Chat.GetResponseAsync(Ask("options"), new ChatOptions
        {
            ModelId = "e/delta", TopP = 0.5f, StopSequences = ["END"],
            AdditionalProperties = new() { ["router"] = new Router.Contracts.OpenRouter.RouterOptions { FreeOnly = false }, ["transforms"] = new[] { "middle-out" } },
        });
        var sent = JsonDocument.Parse(cluster.Fake.Script.LastBody).RootElement;
        Assert.Equal(0.5, sent.GetProperty("top_p").GetDouble(), 5);
        Assert.Equal("END", sent.GetProperty("stop")[0].GetString());
        Assert.Equal("middle-out", sent.GetProperty("transforms")[0].GetString());
        Assert.False(sent.TryGetProperty("router", out _));

        // Errors every model would repeat: a typed exception with the HTTP answer's error.
        cluster.Fake.Script.Set("e/delta", new FakeBehavior { StatusCode = 402 });
        var noCredits = await Assert.ThrowsAsync<RouterException>(() => member.Chat.GetResponseAsync(Ask("pay"), new ChatOptions { ModelId = "e/delta" }));
        Assert.Equal((402, "insufficient_credits", false), (noCredits.StatusCode, noCredits.Code, noCredits.ShouldRetry));
        Assert.Equal("e/delta", Assert.Single(noCredits.Attempts).Model.Value);
        var noMessages = await Assert.ThrowsAsync<RouterException>(() => member.Chat.GetResponseAsync([]));
        Assert.Equal((400, "messages"), (noMessages.StatusCode, noMessages.Error.Param));
        await Assert.ThrowsAsync<ArgumentNullException>(() => member.Chat.GetResponseAsync((IEnumerable<ChatMessage>)null!));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => member.Chat.GetResponseAsync(Ask("never"), cancellationToken: new CancellationToken(true)));

        var metadata = member.Chat.GetService<ChatClientMetadata>();
        Assert.Equal("router", metadata!.ProviderName);
        Assert.Same(member.Router, member.Chat.GetService<RouterClient>());
    }

    [Description("The current weather of a city")]
    private static string GetWeather([Description("The city")] string city) => $"Sunny, 21 C in {city}";

    [Fact]
    public async Task Function_invocation_round_trips_over_the_cluster_and_a_dropped_stream_cancels_the_upstream_call()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, 1, Models);
        await using var member = await EmbeddedMember.JoinAsync(cluster.Nodes[0].Address);
        var calledWith = new List<string>();
        var weather = AIFunctionFactory.Create((string city) => { lock (calledWith) calledWith.Add(city); return GetWeather(city); }, "get_weather", "The current weather of a city");
        var options = new ChatOptions { ModelId = "e/beta", Tools = [weather] };

        // The model asks for the tool; M.E.AI runs it in this process; its result is routed again; the model answers.
        var answer = await member.Chat.GetResponseAsync(Ask("What is the weather in Paris?"), options);
        Assert.Contains("Sunny, 21 C in Paris", answer.Text);
        Assert.Equal(["Paris"], calledWith);
        Assert.Equal(2, cluster.Fake.Script.CallsTo("e/beta"));
        Assert.Contains(answer.Messages, m => m.Contents.OfType<FunctionCallContent>().Any(c => c.Name == "get_weather"));
        Assert.Contains(answer.Messages, m => m.Contents.OfType<FunctionResultContent>().Any());

        // The same, streamed: the call arrives in fragments and is run once whole.
        var text = "";
        await foreach (var update in member.Chat.GetStreamingResponseAsync(Ask("And the weather in Oslo?"), options))
            text += update.Text;
        Assert.Contains("Sunny, 21 C in Oslo", text);
        Assert.Equal(["Paris", "Oslo"], calledWith);

        // A slow stream left after its first words: the upstream call is cancelled, not read to its end.
        cluster.Fake.Script.Set("e/gamma", new FakeBehavior { Content = string.Join(' ', Enumerable.Repeat("word", 200)), TokensPerSecond = 20 });
        var cancelledBefore = cluster.Fake.Script.CancelledCalls;
        using var stop = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in member.Chat.GetStreamingResponseAsync(Ask("Talk slowly"), new ChatOptions { ModelId = "e/gamma" }, stop.Token))
                if (update.Text.Contains("word")) stop.Cancel();
        });
        await Wait.UntilAsync(() => cluster.Fake.Script.CancelledCalls > cancelledBefore, timeoutMs: 15_000);
        Assert.Equal(0, cluster.Fake.Script.ActiveStreams("e/gamma"));

        // A plain call cancelled while the model thinks: the upstream call is cancelled too.
        cluster.Fake.Script.Set("e/delta", new FakeBehavior { Hang = true });
        cancelledBefore = cluster.Fake.Script.CancelledCalls;
        using var give = new CancellationTokenSource();
        var waiting = member.Chat.GetResponseAsync(Ask("Think forever"), new ChatOptions { ModelId = "e/delta" }, give.Token);
        await Wait.UntilAsync(() => cluster.Fake.Script.CallsTo("e/delta") == 1, timeoutMs: 15_000);
        give.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await Wait.UntilAsync(() => cluster.Fake.Script.CancelledCalls > cancelledBefore, timeoutMs: 15_000);
    }

    [Fact]
    public async Task Embedded_requests_count_against_the_cluster_wide_daily_cap()
    {
        var cap = new Dictionary<string, string> { ["ROUTER_DAILY_REQUEST_CAP"] = "2" };
        await using var cluster = await ClusterHarness.StartAsync(postgres, 1, Models, cap);
        await using var member = await EmbeddedMember.JoinAsync(cluster.Nodes[0].Address,
            new Dictionary<string, string?> { ["ROUTER_DAILY_REQUEST_CAP"] = "2", ["ROUTER_MAX_MESSAGES"] = "2" });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // The member's own settings apply: a request over its ROUTER_MAX_MESSAGES is refused before it counts.
        var tooLong = await Assert.ThrowsAsync<RouterException>(() => member.Chat.GetResponseAsync(
            [new(ChatRole.User, "a"), new(ChatRole.Assistant, "b"), new(ChatRole.User, "c")], new ChatOptions { ModelId = "e/alpha" }));
        Assert.Equal((400, "too_many_messages"), (tooLong.StatusCode, tooLong.Code));

        var viaHttp = await http.PostAsJsonAsync(cluster.Nodes[0].Url + "/v1/chat/completions",
            new { model = "e/alpha", messages = new[] { new { role = "user", content = "one" } } });
        Assert.True(viaHttp.IsSuccessStatusCode);
        await member.Chat.GetResponseAsync(Ask("two"), new ChatOptions { ModelId = "e/alpha" });

        var refused = await Assert.ThrowsAsync<RouterException>(() => member.Chat.GetResponseAsync(Ask("three"), new ChatOptions { ModelId = "e/alpha" }));
        Assert.Equal((429, "daily_cap_reached", false), (refused.StatusCode, refused.Code, refused.ShouldRetry));
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        // The seed's API goes through the same cap, its refusal a value as its routing failures are.
        var seed = await member.Router.GenerateResponseAsync([Router.Contracts.OpenRouter.ChatMessage.Text("user", "three again")], "e/alpha");
        Assert.False(seed.Success);
        Assert.Equal(Router.Contracts.UpstreamErrorKind.RateLimited, seed.Error!.Kind);
        Assert.True(seed.Error.RetryAfter > TimeSpan.Zero);
        Assert.Equal(2, cluster.Fake.Script.CallsTo("e/alpha")); // the refused requests never left Router
        var overHttp = await http.PostAsJsonAsync(cluster.Nodes[0].Url + "/v1/chat/completions",
            new { model = "e/alpha", messages = new[] { new { role = "user", content = "four" } } });
        Assert.Equal(429, (int)overHttp.StatusCode);
    }

    [Fact]
    public async Task Each_named_application_has_its_own_per_key_daily_cap()
    {
        var cap = new Dictionary<string, string> { ["ROUTER_DAILY_REQUEST_CAP_PER_KEY"] = "1" };
        await using var cluster = await ClusterHarness.StartAsync(postgres, 1, Models, cap);
        Dictionary<string, string?> Named(string name) => new() { ["ROUTER_DAILY_REQUEST_CAP_PER_KEY"] = "1", ["ROUTER_CLIENT_NAME"] = name };
        await using var billing = await EmbeddedMember.JoinAsync(cluster.Nodes[0].Address, Named("billing"));
        await using var search = await EmbeddedMember.JoinAsync(cluster.Nodes[0].Address, Named("search"));
        Assert.Equal("embedded:billing", billing.Router.ClientId);

        await billing.Chat.GetResponseAsync(Ask("one"), new ChatOptions { ModelId = "e/alpha" });
        var refused = await Assert.ThrowsAsync<RouterException>(() => billing.Chat.GetResponseAsync(Ask("two"), new ChatOptions { ModelId = "e/alpha" }));
        Assert.Equal((429, "daily_cap_reached"), (refused.StatusCode, refused.Code));
        // Another application's cap is its own: billing having used its one request does not refuse search's.
        await search.Chat.GetResponseAsync(Ask("one"), new ChatOptions { ModelId = "e/alpha" });
        Assert.Equal(2, cluster.Fake.Script.CallsTo("e/alpha"));
    }

    /// <summary>Waits until the (single) node holds <paramref name="entries"/> cached answers.</summary>
    private static async Task StoredAsync(ClusterHarness cluster, int entries)
    {
        using var http = new HttpClient();
        await Wait.UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>(cluster.Nodes[0].Url + "/router/cache"))
            .GetProperty("node").GetProperty("entries").GetInt32() == entries, 15_000);
    }

    [Fact]
    public async Task Plain_requests_share_the_clusters_response_cache_with_http_clients_and_identical_ones_ask_upstream_once()
    {
        var cache = new Dictionary<string, string> { ["ROUTER_CACHE_TTL"] = "60", ["ROUTER_CACHE_PER_KEY"] = "false" };
        await using var cluster = await ClusterHarness.StartAsync(postgres, 1, Models, cache);
        await using var member = await EmbeddedMember.JoinAsync(cluster.Nodes[0].Address, cache.ToDictionary(p => p.Key, p => (string?)p.Value));
        cluster.Fake.Script.Set("e/gamma", new FakeBehavior { LatencyMs = 1_000, Content = "the one answer" });
        Router.Contracts.OpenRouter.ChatCompletionRequest Question(double temperature) => new()
        {
            Model = "e/gamma", Temperature = temperature, Messages = [Router.Contracts.OpenRouter.ChatMessage.Text("user", "the same question")],
        };

        // Identical requests at once: one asks upstream, the others wait for its answer.
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => member.Router.CompleteAsync(Question(0))));
        Assert.Equal(1, cluster.Fake.Script.CallsTo("e/gamma"));
        Assert.All(answers, a => Assert.Equal("the one answer", a.Response.Choices![0].Message!.ContentText));
        Assert.True(answers.Count(a => a.CostUsd == 0) >= 4, "the waiters were charged: " + string.Join(", ", answers.Select(a => a.CostUsd)));

        // Stored for the cluster: an HTTP client asking the same (with per-key caching off) gets it, and so does the member again.
        await StoredAsync(cluster, 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var viaHttp = await http.PostAsJsonAsync(cluster.Nodes[0].Url + "/v1/chat/completions",
            new { model = "e/gamma", temperature = 0, messages = new[] { new { role = "user", content = "the same question" } } });
        Assert.Equal("HIT", viaHttp.Headers.GetValues("X-Router-Cache").Single());
        var again = await member.Router.CompleteAsync(Question(0));
        Assert.Equal((0.0, "the one answer"), (again.CostUsd, again.Response.Choices![0].Message!.ContentText));
        Assert.Equal(1, cluster.Fake.Script.CallsTo("e/gamma"));

        // Not cacheable (a temperature above 0): routed every time.
        await member.Router.CompleteAsync(Question(0.7));
        Assert.Equal(2, cluster.Fake.Script.CallsTo("e/gamma"));

        // A leader whose route fails stores nothing and hands the lead on: the identical request waiting asks upstream itself.
        cluster.Fake.Script.Set("e/gamma", new FakeBehavior { LatencyMs = 500, StatusCode = 400 });
        var refused = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
            await Assert.ThrowsAsync<RouterException>(() => member.Router.CompleteAsync(Question(0) with { Messages = [Router.Contracts.OpenRouter.ChatMessage.Text("user", "refused")] }))))
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(refused, e => Assert.Equal(400, e.StatusCode));
        Assert.Equal(4, cluster.Fake.Script.CallsTo("e/gamma"));
    }

    [Fact]
    public async Task Streamed_requests_follow_an_identical_stream_in_flight_and_replay_a_stored_answer()
    {
        var cache = new Dictionary<string, string> { ["ROUTER_CACHE_TTL"] = "60" };
        await using var cluster = await ClusterHarness.StartAsync(postgres, 1, Models, cache);
        await using var member = await EmbeddedMember.JoinAsync(cluster.Nodes[0].Address, cache.ToDictionary(p => p.Key, p => (string?)p.Value));
        var answer = string.Join(' ', Enumerable.Range(1, 30).Select(i => "w" + i));
        cluster.Fake.Script.Set("e/delta", new FakeBehavior { TokensPerSecond = 30, Content = answer });
        var question = new Router.Contracts.OpenRouter.ChatCompletionRequest
        {
            Model = "e/delta", Temperature = 0, Messages = [Router.Contracts.OpenRouter.ChatMessage.Text("user", "stream it")],
        };
        async Task<(string Text, double? Cost)> ReadAsync()
        {
            await using var routed = await member.Router.StreamAsync(question);
            var text = new System.Text.StringBuilder();
            await foreach (var chunk in routed.ReadAsync())
                text.Append(chunk.Choices?.FirstOrDefault()?.Delta?.Content);
            return (text.ToString(), routed.CostUsd);
        }

        // Three at once: one stream upstream (a second at 30 tokens a second), which the other two follow.
        var streamed = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ReadAsync()));
        Assert.All(streamed, s => Assert.Equal(answer, s.Text));
        Assert.Equal(1, cluster.Fake.Script.CallsTo("e/delta"));
        Assert.True(streamed.Count(s => s.Cost == 0) >= 2, "followers were charged: " + string.Join(", ", streamed.Select(s => s.Cost)));

        // Stored when it ended (the flight stores it after its last chunk): replayed, at no cost.
        await StoredAsync(cluster, 1);
        var replayed = await ReadAsync();
        Assert.Equal((answer, 0.0), (replayed.Text, replayed.Cost));
        Assert.Equal(1, cluster.Fake.Script.CallsTo("e/delta"));
    }

    [Fact]
    public async Task A_member_with_no_cluster_to_join_says_so()
    {
        await using var member = await EmbeddedMember.StartAsync($"akka.tcp://router@127.0.0.1:{TestNodes.FreePort()}");
        var e = await Assert.ThrowsAsync<RouterException>(() => member.Chat.GetResponseAsync(Ask("anyone?")));
        Assert.Equal(503, e.StatusCode);
        Assert.True(e.ShouldRetry);
        Assert.Contains("has not joined a Router cluster", e.Message);
        Assert.Contains("ROUTER_SEED_NODES", e.Message);
    }
}
