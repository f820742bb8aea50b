using System.Text.Json;
using Router.Actors.Caching;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Tests.Caching;

public class CacheKeyTests
{
    private static ChatCompletionRequest Parse(string json) =>
        JsonSerializer.Deserialize(json, RouterJsonContext.Default.ChatCompletionRequest)!;

    private static string Key(string json, string? client = null) => CacheKey.For(Parse(json), client);

    [Fact]
    public void Formatting_field_order_and_number_spelling_do_not_matter()
    {
        var a = Key("""{"model":"m/a","temperature":0.70,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}""");
        var b = Key("""
            { "tools": [ { "function": { "parameters": { "a": 2, "b": 1.0 }, "name": "f" }, "type": "function" } ],
              "messages": [ { "content": "hi", "role": "user" } ], "temperature": 7e-1, "model": "m/a" }
            """);
        Assert.Equal(a, b);
        Assert.Equal(64, a.Length);
    }

    [Fact]
    public void Streaming_or_not_is_the_same_answer()
    {
        Assert.Equal(Key("""{"model":"m/a","messages":[{"role":"user","content":"hi"}]}"""),
            Key("""{"model":"m/a","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"""));
    }

    [Theory]
    [InlineData("""{"model":"m/b","messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m/a","messages":[{"role":"user","content":"hi!"}]}""")]
    [InlineData("""{"model":"m/a","messages":[{"role":"system","content":"hi"}]}""")]
    [InlineData("""{"model":"m/a","temperature":0.1,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m/a","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m/a","models":["m/b"],"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m/a","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m/a","router":{"sort":"price"},"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m/a","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null}]}""")]
    public void Anything_that_changes_the_answer_changes_the_key(string other)
    {
        Assert.NotEqual(Key("""{"model":"m/a","messages":[{"role":"user","content":"hi"}]}"""), Key(other));
    }

    [Fact]
    public void A_client_key_keeps_clients_apart()
    {
        const string request = """{"model":"m/a","messages":[{"role":"user","content":"hi"}]}""";
        Assert.NotEqual(Key(request, "client-a"), Key(request, "client-b"));
        Assert.NotEqual(Key(request), Key(request, "client-a"));
        Assert.Equal(Key(request, "client-a"), Key(request, "client-a"));
    }

    [Fact]
    public void A_number_beyond_a_double_is_kept_as_written()
    {
        Assert.NotEqual(Key("""{"messages":[{"role":"user","content":"hi"}],"seed":1e400}"""), Key("""{"messages":[{"role":"user","content":"hi"}],"seed":2e400}"""));
    }
}
