using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>
/// What OpenAI clients see on the wire, through the OpenAI .NET SDK and raw HTTP: Router forwards what it does not
/// own as received (nulls included), falls back on empty answers, and answers every error with OpenAI's error JSON.
/// </summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class WireCompatibilityTests : NodeTestBase
{
    private const string Delta = "test/delta", Gamma = "test/gamma";
    private readonly HttpClient _http = new();

    private ChatClient Sdk(string model) => OpenAiSdk.Chat(Node, model);

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _), "OpenAI's error carries 'param', null when no field is at fault");
        Assert.Equal((int)response.StatusCode, error.GetProperty("status_code").GetInt32());
        return error;
    }

    private const string EmptyChoices = """{"id":"gen-empty","object":"chat.completion.chunk","model":"test/delta","choices":[]}""";

    [Fact]
    public async Task A_stream_with_no_content_falls_back_like_a_plain_answer_without_choices()
    {
        Fake.Script.Set(Delta, new FakeBehavior { RawAnswer = [EmptyChoices] });

        var text = new StringBuilder();
        string? model = null;
        await foreach (var update in Sdk(Delta).CompleteChatStreamingAsync([new UserChatMessage("Hello, world!")]))
        {
            model ??= update.Model;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        }
        Assert.Equal(Gamma, model);
        Assert.Contains("Hello, world!", text.ToString());
        Assert.Equal(1, Fake.Script.CallsTo(Delta));

        var plain = (await Sdk(Delta).CompleteChatAsync([new UserChatMessage("Hello, world!")])).Value;
        Assert.Equal(Gamma, plain.Model);
    }

    [Fact]
    public async Task Messages_reach_openrouter_as_sent_nulls_included()
    {
        var messages = JsonNode.Parse("""
            [
              {"role":"user","content":"What is the weather in Paris?"},
              {"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18 C, clear"},
              {"role":"user","content":[{"type":"text","text":"And tomorrow?"}],"name":null}
            ]
            """)!;
        var body = new JsonObject
        {
            ["model"] = Delta,
            ["messages"] = messages.DeepClone(),
            ["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]"""),
            ["tool_choice"] = "auto",
            ["seed"] = null,
        };
        var response = await _http.PostAsync(Node.Url + "/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var received = JsonNode.Parse(Fake.Script.LastBody.Span)!;
        Assert.True(JsonNode.DeepEquals(messages, received["messages"]), received["messages"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(body["tools"], received["tools"]));
        Assert.True(received.AsObject().ContainsKey("seed"), "a null field the client sent is forwarded");
    }

    [Fact]
    public async Task Stream_chunks_reach_the_client_byte_for_byte_nulls_included()
    {
        string[] chunks =
        [
            """{"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"test/delta","system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]}""",
            """{"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"test/delta","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]}""",
            """{"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"test/delta","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls","native_finish_reason":"tool_calls"}]}""",
            """{"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"test/delta","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"cost":null}}""",
        ];
        Fake.Script.Set(Delta, new FakeBehavior { RawAnswer = chunks });
        var response = await _http.PostAsJsonAsync(Node.Url + "/v1/chat/completions",
            new { model = Delta, stream = true, messages = new[] { new { role = "user", content = "weather?" } } });
        var events = await Sse.ReadAllAsync(response);
        Assert.Equal([.. chunks, "[DONE]"], events);

        // And the SDK reads the tool call out of them.
        Fake.Script.Set(Delta, new FakeBehavior { RawAnswer = chunks });
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Sdk(Delta).CompleteChatStreamingAsync([new UserChatMessage("weather?")]))
        {
            foreach (var call in update.ToolCallUpdates) arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            finish ??= update.FinishReason;
        }
        Assert.Equal("{\"city\":\"Paris\"}", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task Generated_chunks_carry_finish_reason_null_until_the_last()
    {
        var response = await _http.PostAsJsonAsync(Node.Url + "/v1/chat/completions",
            new { model = Delta, stream = true, messages = new[] { new { role = "user", content = "hi" } } });
        var chunks = (await Sse.ReadAllAsync(response)).SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToList();
        var choices = chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).ToList();
        Assert.All(choices.SkipLast(1), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        Assert.Equal("stop", choices[^1].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Model_entries_keep_their_null_fields()
    {
        var models = JsonDocument.Parse(await _http.GetStringAsync(Node.Url + "/v1/models")).RootElement.GetProperty("data").EnumerateArray().ToList();
        var listed = JsonNode.Parse(JsonSerializer.Serialize(Fake.Script.Catalog[0], Router.Contracts.RouterJsonContext.Default.ModelInfo))!;
        var entry = models.Single(m => m.GetProperty("id").GetString() == Fake.Script.Catalog[0].Id);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("architecture").GetProperty("instruct_type").ValueKind);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("per_request_limits").ValueKind);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("hugging_face_id").ValueKind);
        // Every field OpenRouter sent is there, unchanged; Router adds only OpenAI's object and owned_by.
        var served = JsonNode.Parse(entry.GetRawText())!.AsObject();
        foreach (var (name, value) in listed.AsObject())
            Assert.True(JsonNode.DeepEquals(value, served[name]), $"{name}: {value?.ToJsonString()} became {served[name]?.ToJsonString()}");
        Assert.Equal("model", served["object"]!.GetValue<string>());

        var one = JsonNode.Parse(await _http.GetStringAsync(Node.Url + "/v1/models/" + Uri.EscapeDataString(Fake.Script.Catalog[0].Id)))!.AsObject();
        foreach (var (name, value) in listed.AsObject())
            Assert.True(JsonNode.DeepEquals(value, one[name]), $"{name}: {value?.ToJsonString()} became {one[name]?.ToJsonString()}");
    }

    [Fact]
    public void A_free_model_lists_its_unknown_completion_limit_as_null()
    {
        var json = JsonSerializer.Serialize(SyntheticCatalog.Model("x/y:free", 1000, promptPrice: 0), Router.Contracts.RouterJsonContext.Default.ModelInfo);
        var topProvider = JsonDocument.Parse(json).RootElement.GetProperty("top_provider");
        Assert.Equal(JsonValueKind.Null, topProvider.GetProperty("max_completion_tokens").ValueKind);
    }

    [Theory]
    [InlineData("POST", "/v1/embeddings", 404, "unknown_url")]
    [InlineData("POST", "/v1/completions", 404, "unknown_url")]
    [InlineData("POST", "/v1/responses", 404, "unknown_url")]
    [InlineData("GET", "/v1/nothing/here", 404, "unknown_url")]
    [InlineData("GET", "/v1/chat/completions", 405, "method_not_allowed")]
    [InlineData("DELETE", "/v1/models", 405, "method_not_allowed")]
    public async Task Unsupported_routes_and_methods_answer_openai_error_json(string method, string path, int status, string code)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), Node.Url + path);
        if (method == "POST") request.Content = new StringContent("{\"input\":\"hi\",\"model\":\"x\"}", Encoding.UTF8, "application/json");
        var response = await _http.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Contains(path, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_sdk_reads_the_error_of_an_unsupported_route()
    {
        var client = OpenAiSdk.Client(Node);
        var e = await Assert.ThrowsAsync<ClientResultException>(() => client.GetEmbeddingClient("x").GenerateEmbeddingAsync("hi"));
        Assert.Equal(404, e.Status);
        Assert.Contains("Unknown route: POST /v1/embeddings", e.Message);
    }

    [Fact]
    public async Task An_over_long_request_target_answers_openai_error_json()
    {
        var longPath = await _http.GetAsync(Node.Url + "/v1/models/" + new string('a', 10_000));
        Assert.Equal(414, (int)longPath.StatusCode);
        Assert.Equal("uri_too_long", (await ErrorOf(longPath)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_client_uploading_too_large_a_body_always_reads_the_413()
    {
        // No Expect: 100-continue (the npm openai client sends none): the whole body is on its way when the answer comes.
        var huge = Encoding.UTF8.GetBytes("{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 5 * 1024 * 1024) + "\"}]}");
        for (var i = 0; i < 6; i++)
        {
            using var client = new HttpClient();
            var response = await client.PostAsync(Node.Url + "/v1/chat/completions", new ByteArrayContent(huge) { Headers = { ContentType = new("application/json") } });
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("request_too_large", (await ErrorOf(response)).GetProperty("code").GetString());
        }
        Assert.Equal(0, Fake.Script.TotalCalls);
    }

    [Fact]
    public async Task A_chunked_body_past_the_limit_also_reads_the_413()
    {
        var huge = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 5 * 1024 * 1024) + "\"}]}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))); // no length: chunked
        content.Headers.ContentType = new("application/json");
        var response = await _http.PostAsync(Node.Url + "/v1/chat/completions", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ErrorOf(response);
    }

    [Theory]
    [InlineData("""{"messages":[{"content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"},{"content":"x"}]}""", "messages[1].role")]
    [InlineData("""{"model":"a/b"}""", "messages")]
    public async Task A_missing_field_is_named_with_its_place(string body, string field)
    {
        var response = await _http.PostAsync(Node.Url + "/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal($"Request body is missing required field '{field}'", error.GetProperty("message").GetString());
    }
}
