using System.Text;
using System.Text.Json.Nodes;
using Router.Actors.Caching;

namespace Router.Tests.Caching;

public class StreamedAnswerTests
{
    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static JsonNode Json(byte[] bytes) => JsonNode.Parse(bytes)!;

    private static readonly byte[][] ToolStream =
    [
        Utf8("""{"id":"gen-1","provider":"P","model":"m/a","object":"chat.completion.chunk","created":7,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"""),
        Utf8("""{"id":"gen-1","provider":"P","model":"m/a","object":"chat.completion.chunk","created":7,"choices":[{"index":0,"delta":{"content":"Let me "},"finish_reason":null}]}"""),
        Utf8("""{"id":"gen-1","provider":"P","model":"m/a","object":"chat.completion.chunk","created":7,"choices":[{"index":0,"delta":{"content":"check.","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"ci"}}]},"finish_reason":null}]}"""),
        Utf8("""{"id":"gen-1","provider":"P","model":"m/a","object":"chat.completion.chunk","created":7,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Oslo\"}"}}]},"finish_reason":null}]}"""),
        Utf8("""{"id":"gen-1","provider":"P","model":"m/a","object":"chat.completion.chunk","created":7,"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls","native_finish_reason":"tool_use"}]}"""),
        Utf8("""{"id":"gen-1","provider":"P","model":"m/a","object":"chat.completion.chunk","created":7,"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14,"cost":null}}"""),
    ];

    [Fact]
    public void Chunks_fold_into_one_completion_with_text_joined_and_tool_calls_merged()
    {
        var completion = Json(StreamedAnswer.Assemble(ToolStream));
        Assert.Equal("chat.completion", (string?)completion["object"]);
        Assert.Equal(("gen-1", "P", "m/a", 7L), ((string?)completion["id"], (string?)completion["provider"], (string?)completion["model"], (long?)completion["created"]));
        var choice = completion["choices"]![0]!;
        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        Assert.Equal("tool_use", (string?)choice["native_finish_reason"]);
        Assert.Equal("assistant", (string?)choice["message"]!["role"]);
        Assert.Equal("Let me check.", (string?)choice["message"]!["content"]);
        var call = choice["message"]!["tool_calls"]![0]!;
        Assert.Equal(("call_1", "function", "weather", """{"city":"Oslo"}"""),
            ((string?)call["id"], (string?)call["type"], (string?)call["function"]!["name"], (string?)call["function"]!["arguments"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14,"cost":null}"""), completion["usage"]));
    }

    [Fact]
    public void A_completion_cut_into_chunks_folds_back_into_itself()
    {
        var plain = Utf8("""
            {"id":"gen-2","model":"m/b","object":"chat.completion","created":9,"system_fingerprint":null,
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls","logprobs":null},
                        {"index":1,"message":{"role":"assistant","content":"second"},"finish_reason":"stop","logprobs":null}],
             "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}
            """);
        var chunks = StreamedAnswer.Chunks(plain);

        Assert.Equal(2, chunks.Count); // the answer, then its usage, as OpenAI streams it
        var first = Json(chunks[0]);
        Assert.Equal("chat.completion.chunk", (string?)first["object"]);
        Assert.Equal(0, (int?)first["choices"]![0]!["delta"]!["tool_calls"]![0]!["index"]);
        Assert.Empty(Json(chunks[1])["choices"]!.AsArray());

        var folded = Json(StreamedAnswer.Assemble(chunks));
        Assert.True(JsonNode.DeepEquals(Json(plain), folded), folded.ToJsonString());
    }

    [Fact]
    public void A_stream_without_text_has_null_content_and_no_usage_when_none_was_sent()
    {
        var completion = Json(StreamedAnswer.Assemble([Utf8("""{"id":"x","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":"stop"}]}""")]));
        Assert.Null(completion["choices"]![0]!["message"]!["content"]);
        Assert.False(completion.AsObject().ContainsKey("usage"));
    }
}
