using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Router.Client.Chat;
using Router.Contracts;
using Router.Contracts.OpenRouter;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Router.Tests.Client;

/// <summary>M.E.AI messages and options become the OpenAI body an HTTP client would send for them.</summary>
public class ChatRequestMappingTests
{
    private static JsonElement Body(IEnumerable<AiMessage> messages, ChatOptions? options = null) =>
        JsonSerializer.SerializeToElement(ChatRequestMapping.ToRequest(messages, options), RouterJsonContext.Default.ChatCompletionRequest);

    [Description("The weather of a city")]
    private static string GetWeather([Description("The city")] string city, int days = 1) => $"Sunny in {city}";

    [Fact]
    public void Text_messages_keep_their_roles_and_names_and_a_lone_text_is_a_string()
    {
        var body = Body([
            new AiMessage(ChatRole.System, "Be brief."),
            new AiMessage(ChatRole.User, "Hi") { AuthorName = "ann" },
            new AiMessage(ChatRole.Assistant, "Hello"),
            new AiMessage(new ChatRole("developer"), [new TextContent("a"), new TextContent("b")]),
        ]);
        var messages = body.GetProperty("messages");
        Assert.Equal(["system", "user", "assistant", "developer"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Be brief.", messages[0].GetProperty("content").GetString());
        Assert.Equal("ann", messages[1].GetProperty("name").GetString());
        Assert.Equal("ab", messages[3].GetProperty("content").GetString());
        Assert.False(body.TryGetProperty("model", out _)); // no ModelId: Router chooses
    }

    [Fact]
    public void Images_audio_and_files_become_content_parts()
    {
        var png = new byte[] { 0x89, 0x50, 0x4e, 0x47 };
        var body = Body([new AiMessage(ChatRole.User, [
            new TextContent("What is this?"),
            new DataContent(png, "image/png"),
            new UriContent("https://example.com/cat.jpg", "image/jpeg"),
            new DataContent(new byte[] { 1, 2 }, "audio/wav"),
            new DataContent(new byte[] { 3 }, "application/pdf") { Name = "doc.pdf" },
        ])]);
        var parts = body.GetProperty("messages")[0].GetProperty("content");
        Assert.Equal(["text", "image_url", "image_url", "input_audio", "file"], parts.EnumerateArray().Select(p => p.GetProperty("type").GetString()));
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(png), parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("https://example.com/cat.jpg", parts[2].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("wav", parts[3].GetProperty("input_audio").GetProperty("format").GetString());
        Assert.Equal(Convert.ToBase64String(new byte[] { 1, 2 }), parts[3].GetProperty("input_audio").GetProperty("data").GetString());
        Assert.Equal("doc.pdf", parts[4].GetProperty("file").GetProperty("filename").GetString());
        Assert.StartsWith("data:application/pdf;base64,", parts[4].GetProperty("file").GetProperty("file_data").GetString());
    }

    [Fact]
    public void Tool_calls_and_their_results_become_an_assistant_message_and_one_tool_message_per_result()
    {
        var body = Body([
            new AiMessage(ChatRole.User, "Weather in Paris and Oslo?"),
            new AiMessage(ChatRole.Assistant, [
                new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" }),
                new FunctionCallContent("call_2", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo", ["days"] = 2 }),
            ]),
            new AiMessage(ChatRole.Tool, [new FunctionResultContent("call_1", JsonSerializer.SerializeToElement("Sunny")), new FunctionResultContent("call_2", new { temp = -3 })]),
        ]);
        var messages = body.GetProperty("messages");
        Assert.Equal(4, messages.GetArrayLength());
        var assistant = messages[1];
        Assert.Equal(JsonValueKind.Null, assistant.GetProperty("content").ValueKind);
        var calls = assistant.GetProperty("tool_calls");
        Assert.Equal("call_2", calls[1].GetProperty("id").GetString());
        Assert.Equal("function", calls[1].GetProperty("type").GetString());
        Assert.Equal("get_weather", calls[1].GetProperty("function").GetProperty("name").GetString());
        var arguments = JsonDocument.Parse(calls[1].GetProperty("function").GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("Oslo", arguments.GetProperty("city").GetString());
        Assert.Equal(2, arguments.GetProperty("days").GetInt32());
        Assert.Equal(["tool", "tool"], new[] { messages[2], messages[3] }.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("call_1", messages[2].GetProperty("tool_call_id").GetString());
        Assert.Equal("Sunny", messages[2].GetProperty("content").GetString());
        Assert.Equal("{\"temp\":-3}", messages[3].GetProperty("content").GetString());
    }

    [Fact]
    public void Options_map_onto_the_openai_fields()
    {
        var weather = AIFunctionFactory.Create(GetWeather, "get_weather");
        var options = new ChatOptions
        {
            ModelId = "openai/gpt-4o",
            Temperature = 0.2f,
            MaxOutputTokens = 50,
            TopP = 0.9f,
            TopK = 40,
            FrequencyPenalty = 0.5f,
            PresencePenalty = 0.25f,
            Seed = 7,
            StopSequences = ["END"],
            Tools = [weather],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            AllowMultipleToolCalls = false,
            ResponseFormat = ChatResponseFormat.Json,
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.Low, Output = ReasoningOutput.None },
            Instructions = "Answer in French.",
        };
        var body = Body([new AiMessage(ChatRole.User, "Hi")], options);
        Assert.Equal("openai/gpt-4o", body.GetProperty("model").GetString());
        Assert.Equal(0.2, body.GetProperty("temperature").GetDouble(), 5);
        Assert.Equal(50, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.9, body.GetProperty("top_p").GetDouble(), 5);
        Assert.Equal(40, body.GetProperty("top_k").GetInt32());
        Assert.Equal(0.5, body.GetProperty("frequency_penalty").GetDouble(), 5);
        Assert.Equal(0.25, body.GetProperty("presence_penalty").GetDouble(), 5);
        Assert.Equal(7, body.GetProperty("seed").GetInt64());
        Assert.Equal("END", body.GetProperty("stop")[0].GetString());
        var tool = body.GetProperty("tools")[0];
        Assert.Equal("function", tool.GetProperty("type").GetString());
        Assert.Equal("get_weather", tool.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("The weather of a city", tool.GetProperty("function").GetProperty("description").GetString());
        Assert.Equal(["city"], tool.GetProperty("function").GetProperty("parameters").GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("get_weather", body.GetProperty("tool_choice").GetProperty("function").GetProperty("name").GetString());
        Assert.False(body.GetProperty("parallel_tool_calls").GetBoolean());
        Assert.Equal("json_object", body.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal("low", body.GetProperty("reasoning").GetProperty("effort").GetString());
        Assert.True(body.GetProperty("reasoning").GetProperty("exclude").GetBoolean());
        Assert.Equal("system", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("Answer in French.", body.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("auto", "auto")]
    [InlineData("none", "none")]
    [InlineData("required", "required")]
    public void Tool_modes(string mode, string expected)
    {
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(GetWeather, "get_weather")],
            ToolMode = mode switch { "auto" => ChatToolMode.Auto, "none" => ChatToolMode.None, _ => ChatToolMode.RequireAny },
        };
        Assert.Equal(expected, Body([new AiMessage(ChatRole.User, "Hi")], options).GetProperty("tool_choice").GetString());
    }

    [Fact]
    public void A_json_schema_response_format_carries_its_schema()
    {
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer"}}}""").RootElement;
        var body = Body([new AiMessage(ChatRole.User, "Hi")], new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "count", "A count") });
        var format = body.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("count", format.GetProperty("json_schema").GetProperty("name").GetString());
        Assert.Equal("integer", format.GetProperty("json_schema").GetProperty("schema").GetProperty("properties").GetProperty("n").GetProperty("type").GetString());
    }

    [Fact]
    public void Additional_properties_carry_the_fallback_list_the_router_object_and_provider_fields()
    {
        var options = new ChatOptions
        {
            AdditionalProperties = new()
            {
                ["models"] = new[] { "a/one", "b/two" },
                ["router"] = new RouterOptions { Sort = RouteSort.Price, MaxPrice = new PriceLimit { Prompt = 1 } },
                ["provider"] = new { order = new[] { "Together" } },
            },
        };
        var request = ChatRequestMapping.ToRequest([new AiMessage(ChatRole.User, "Hi")], options);
        Assert.Equal(["a/one", "b/two"], request.Models);
        Assert.Equal(RouteSort.Price, request.RouterOptions!.Sort);
        Assert.Equal(1, request.RouterOptions.MaxPrice!.Prompt);
        Assert.Equal("Together", request.Extra!["provider"].GetProperty("order")[0].GetString());

        // The router object as JSON (what configuration or another process hands over) reads the same.
        var fromJson = ChatRequestMapping.ToRequest([new AiMessage(ChatRole.User, "Hi")], new ChatOptions
        {
            AdditionalProperties = new() { ["router"] = JsonDocument.Parse("""{"sort":"latency","free_only":true}""").RootElement },
        });
        Assert.Equal(RouteSort.Latency, fromJson.RouterOptions!.Sort);
        Assert.True(fromJson.RouterOptions.FreeOnly);
    }

    [Fact]
    public void A_raw_representation_factory_gives_the_request_to_start_from()
    {
        var start = new ChatCompletionRequest
        {
            Messages = [Router.Contracts.OpenRouter.ChatMessage.Text("system", "from the factory")],
            Model = "x/base",
            Extra = new() { ["transforms"] = JsonDocument.Parse("""["middle-out"]""").RootElement },
        };
        var request = ChatRequestMapping.ToRequest([new AiMessage(ChatRole.User, "Hi")], new ChatOptions { RawRepresentationFactory = _ => start });
        Assert.Equal("x/base", request.Model);
        Assert.Equal(["system", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal("middle-out", request.Extra!["transforms"][0].GetString());
    }

    [Fact]
    public void Null_messages_throw_and_options_are_not_changed()
    {
        Assert.Throws<ArgumentNullException>(() => ChatRequestMapping.ToRequest(null!, null));
        var options = new ChatOptions { ModelId = "a/b", Temperature = 0.5f, AdditionalProperties = new() { ["models"] = new[] { "c/d" } } };
        var before = JsonSerializer.Serialize(options, AIJsonUtilities.DefaultOptions);
        ChatRequestMapping.ToRequest([new AiMessage(ChatRole.User, "Hi")], options);
        Assert.Equal(before, JsonSerializer.Serialize(options, AIJsonUtilities.DefaultOptions));
    }

    [Fact]
    public void A_hosted_tool_is_refused_rather_than_dropped()
    {
        var options = new ChatOptions { Tools = [new HostedWebSearchTool()] };
        var e = Assert.Throws<NotSupportedException>(() => ChatRequestMapping.ToRequest([new AiMessage(ChatRole.User, "Hi")], options));
        Assert.Contains("function tools only", e.Message);
    }
}
