using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>
/// A real node (HTTP front, cluster of one, SQLite) routing to the fake OpenRouter over loopback HTTP. The fake's
/// catalog orders test/delta, test/gamma, test/beta, test/alpha by context length, so that is the fallback order.
/// </summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class RoutingEndToEndTests : NodeTestBase
{
    private const string Delta = "test/delta", Gamma = "test/gamma", Beta = "test/beta";
    private readonly HttpClient _http = new();

    private Task<HttpResponseMessage> PostAsync(object body) => _http.PostAsJsonAsync(Node.Url + "/v1/chat/completions", body);

    private static object Hello(string? model = null, bool stream = false) => model is null
        ? new { stream, messages = new[] { new { role = "user", content = "Hello, world!" } } }
        : new { model, stream, messages = new[] { new { role = "user", content = "Hello, world!" } } };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Falls_back_in_order_and_reports_the_model_used_and_the_attempts()
    {
        Fake.Script.Set(Delta, new FakeBehavior { StatusCode = 503 });
        Fake.Script.Set(Gamma, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 30 });

        var response = await PostAsync(Hello());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Beta, response.Headers.GetValues("X-Router-Model").Single());
        Assert.Equal("3", response.Headers.GetValues("X-Router-Attempts").Single());
        var body = await JsonAsync(response);
        Assert.Equal(Beta, body.GetProperty("model").GetString());
        Assert.Contains("Hello, world!", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        var attempts = body.GetProperty("router").GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([Delta, Gamma, Beta], attempts.Select(a => a.GetProperty("model").GetString()));
        Assert.Equal([503, 429, 200], attempts.Select(a => a.GetProperty("status_code").GetInt32()));
    }

    [Fact]
    public async Task The_requested_model_and_models_list_come_first()
    {
        Fake.Script.Set("test/alpha", new FakeBehavior { StatusCode = 502 });
        var response = await PostAsync(new { model = "test/alpha", models = new[] { Beta }, messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(Beta, response.Headers.GetValues("X-Router-Model").Single());
        Assert.Equal(0, Fake.Script.CallsTo(Delta));
    }

    [Theory]
    [InlineData(400, 400, "upstream_bad_request")]
    [InlineData(401, 502, "upstream_unauthorized")]
    [InlineData(402, 402, "insufficient_credits")]
    public async Task Errors_every_model_would_repeat_are_returned_without_fallback(int upstream, int expected, string code)
    {
        Fake.Script.Set(Delta, new FakeBehavior { StatusCode = upstream });
        var response = await PostAsync(Hello());
        Assert.Equal(expected, (int)response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(error.GetProperty("should_retry").GetBoolean());
        Assert.False(error.GetProperty("rate_limited").GetBoolean());
        Assert.Equal(Delta, error.GetProperty("model").GetString());
        Assert.Equal(expected, error.GetProperty("status_code").GetInt32());
        Assert.Equal(1, Fake.Script.CallsTo(Delta));
        Assert.Equal(0, Fake.Script.CallsTo(Gamma));
    }

    [Fact]
    public async Task A_rate_limited_model_is_not_called_again_before_its_retry_after()
    {
        Fake.Script.Set(Delta, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 60 });
        for (var i = 0; i < 5; i++)
        {
            var response = await PostAsync(Hello());
            Assert.Equal(Gamma, response.Headers.GetValues("X-Router-Model").Single());
        }
        Assert.Equal(1, Fake.Script.CallsTo(Delta));
        Assert.Equal(5, Fake.Script.CallsTo(Gamma));

        var state = await _http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/models/" + Delta);
        Assert.Equal("rate limited", state.GetProperty("cooldown_reason").GetString());
    }

    [Fact]
    public async Task When_every_candidate_rests_the_answer_is_429_with_retry_after()
    {
        foreach (var model in Fakes.ModelIds)
            Fake.Script.Set(model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 120 });
        var first = await PostAsync(Hello()); // every model is tried once and answers 429
        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.All(Fakes.ModelIds, m => Assert.Equal(1, Fake.Script.CallsTo(m)));

        var resting = await PostAsync(Hello());
        Assert.Equal(HttpStatusCode.TooManyRequests, resting.StatusCode);
        Assert.Equal(4, Fake.Script.TotalCalls); // no model was called while it rests
        var retryAfter = resting.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 120);
        var error = (await JsonAsync(resting)).GetProperty("error");
        Assert.Equal("rate_limited", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("rate_limited").GetBoolean());
        Assert.True(error.GetProperty("should_retry").GetBoolean());
    }

    [Fact]
    public async Task The_circuit_opens_then_half_opens_with_one_probe()
    {
        Fake.Script.Set(Delta, new FakeBehavior { StatusCode = 500 });
        for (var i = 0; i < 2; i++)
            Assert.Equal(Gamma, (await PostAsync(Hello())).Headers.GetValues("X-Router-Model").Single());
        Assert.Equal(2, Fake.Script.CallsTo(Delta));
        var open = await _http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/models/" + Delta);
        Assert.Equal("open", open.GetProperty("circuit").GetString());

        await PostAsync(Hello());
        Assert.Equal(2, Fake.Script.CallsTo(Delta)); // open: not called

        await Task.Delay(TestNodes.FastPolicy.OpenBase + TimeSpan.FromMilliseconds(200));
        Fake.Script.Set(Delta, new FakeBehavior { LatencyMs = 600 });
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostAsync(Hello(Delta))));
        Assert.All(concurrent, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(3, Fake.Script.CallsTo(Delta)); // exactly one probe
        Assert.Single(concurrent, r => r.Headers.GetValues("X-Router-Model").Single() == Delta);

        var closed = await _http.GetFromJsonAsync<JsonElement>(Node.Url + "/router/models/" + Delta);
        Assert.Equal("closed", closed.GetProperty("circuit").GetString());
    }

    [Fact]
    public async Task Streams_tokens_as_sse_falling_back_before_the_first_token()
    {
        Fake.Script.Set(Delta, new FakeBehavior { StatusCode = 503 });
        Fake.Script.Set(Gamma, new FakeBehavior { Content = "streamed answer from gamma", TokensPerSecond = 100 });
        using var request = new HttpRequestMessage(HttpMethod.Post, Node.Url + "/v1/chat/completions") { Content = JsonContent.Create(Hello(stream: true)) };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Gamma, response.Headers.GetValues("X-Router-Model").Single());

        var events = await Sse.ReadAllAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        var text = string.Concat(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.Equal("streamed answer from gamma", text);
        Assert.Contains(chunks, c => c.TryGetProperty("usage", out _));
    }

    [Fact]
    public async Task A_failure_after_the_first_token_is_an_error_event_then_done()
    {
        Fake.Script.Set(Delta, new FakeBehavior { Content = "a b c d e f", MidStreamErrorAfterChunks = 3 });
        using var request = new HttpRequestMessage(HttpMethod.Post, Node.Url + "/v1/chat/completions") { Content = JsonContent.Create(Hello(stream: true)) };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await Sse.ReadAllAsync(response);

        Assert.Equal("[DONE]", events[^1]);
        var error = JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
        Assert.Equal("Provider disconnected unexpectedly", error.GetProperty("message").GetString());
        Assert.Equal(Delta, error.GetProperty("model").GetString());
        Assert.Contains(events, e => e.Contains("\"content\":\"a\"", StringComparison.Ordinal));
        Assert.Equal(0, Fake.Script.CallsTo(Gamma));
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_the_upstream_call()
    {
        Fake.Script.Set(Delta, new FakeBehavior { Content = string.Join(' ', Enumerable.Repeat("tok", 500)), TokensPerSecond = 50 });
        using (var request = new HttpRequestMessage(HttpMethod.Post, Node.Url + "/v1/chat/completions") { Content = JsonContent.Create(Hello(stream: true)) })
        using (var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[256];
            Assert.True(await body.ReadAsync(buffer) > 0);
        } // disposing the response aborts the connection

        await Wait.UntilAsync(() => Fake.Script.CancelledCalls == 1 && Fake.Script.ActiveStreams(Delta) == 0, 10000);
    }

    [Fact]
    public async Task Lists_models_in_openai_shape_with_openrouter_fields()
    {
        var list = await _http.GetFromJsonAsync<JsonElement>(Node.Url + "/v1/models");
        Assert.Equal("list", list.GetProperty("object").GetString());
        var first = list.GetProperty("data")[0];
        Assert.Equal("model", first.GetProperty("object").GetString());
        Assert.Equal("test", first.GetProperty("owned_by").GetString());
        Assert.True(first.GetProperty("context_length").GetInt32() > 0);
        Assert.Equal(JsonValueKind.String, first.GetProperty("pricing").GetProperty("prompt").ValueKind);
        Assert.Equal(4, list.GetProperty("data").GetArrayLength());

        var same = await _http.GetFromJsonAsync<JsonElement>(Node.Url + "/api/v1/models");
        Assert.Equal(4, same.GetProperty("data").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(Node.Url + "/v1/models/no/such")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(Node.Url + "/v1/models/" + Beta)).StatusCode);
        // The openai SDKs encode the slash inside an id; it names the same model (issue 14, item 1).
        var encoded = await _http.GetAsync(Node.Url + "/v1/models/" + Beta.Replace("/", "%2F"));
        Assert.Equal(HttpStatusCode.OK, encoded.StatusCode);
        Assert.Equal(Beta, (await JsonAsync(encoded)).GetProperty("id").GetString());
        var health = await _http.GetAsync(Node.Url + "/router/models/" + Beta.Replace("/", "%2f"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(Beta, (await JsonAsync(health)).GetProperty("model_id").GetString());
    }

    public static TheoryData<string, int, string> BadBodies => new()
    {
        { "{not json", 400, "not valid JSON" },
        { "{\"model\":\"a/b\"}", 400, "messages" },
        { "{\"messages\":[]}", 400, "non-empty" },
        { "{\"messages\":\"hi\"}", 400, "wrong type" },
        { "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}", 400, "wrong type" },
        { "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", 400, "role" },
        { "{\"messages\":[{\"role\":\"user\",\"content\":42}]}", 400, "content" },
        { "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":7}", 400, "temperature" },
        { "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}", 400, "max_tokens" },
        { "[1,2,3]", 400, "wrong type" },
        { "", 400, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_gets_a_clear_openai_error(string body, int status, string mentions)
    {
        var response = await _http.PostAsync(Node.Url + "/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains(mentions, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, Fake.Script.TotalCalls);
    }

    [Fact]
    public async Task Oversized_and_invalid_utf8_bodies_are_refused()
    {
        var huge = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 5 * 1024 * 1024) + "\"}]}";
        using var patient = new HttpClient();
        patient.DefaultRequestHeaders.ExpectContinue = true; // as curl does for large bodies: the 413 comes before the upload
        var tooBig = await patient.PostAsync(Node.Url + "/v1/chat/completions", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal("request_too_large", (await JsonAsync(tooBig)).GetProperty("error").GetProperty("code").GetString());

        var invalid = new ByteArrayContent([.. "{\"messages\":[{\"role\":\"user\",\"content\":\""u8, 0xC3, 0x28, .. "\"}]}"u8]);
        var bad = await _http.PostAsync(Node.Url + "/v1/chat/completions", invalid);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(Node.Url + "/health")).StatusCode);
        Assert.Equal(0, Fake.Script.TotalCalls);
    }
}
