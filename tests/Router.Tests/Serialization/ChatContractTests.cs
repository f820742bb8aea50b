using System.Text.Json;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Tests.Serialization;

/// <summary>The wire shape of what the front writes.</summary>
public class ChatContractTests
{
    private static readonly RouterInfo Info = new("a/b", [new AttemptRecord(new ModelId("a/b"), AttemptOutcome.Ok, null, 200, 1.5)]);

    private static UpstreamCompletion Upstream(string json) => UpstreamCompletion.Read(System.Text.Encoding.UTF8.GetBytes(json));

    [Fact]
    public void An_upstream_completion_is_served_byte_for_byte_with_the_router_field_appended()
    {
        const string body = """{"id":"g1","provider":"P","model":"a/b","choices":[{"index":0,"message":{"role":"assistant","content":"h\u00e9 ✓"},"logprobs":null}],"usage":{"prompt_tokens":1}}""";
        var completion = Upstream(body + "\n");
        Assert.Equal("a/b", completion.Model);
        Assert.Equal(1, completion.Choices);
        Assert.False(completion.HasError);

        var served = System.Text.Encoding.UTF8.GetString(completion.ServedWith(Info));
        Assert.StartsWith(body[..^1] + ",\"router\":{", served);
        var json = JsonDocument.Parse(served).RootElement;
        Assert.Equal("a/b", json.GetProperty("router").GetProperty("model").GetString());
        Assert.Equal(200, json.GetProperty("router").GetProperty("attempts")[0].GetProperty("status_code").GetInt32());
        Assert.Equal("P", json.GetProperty("provider").GetString());
        Assert.Equal("hé ✓", json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Single(json.EnumerateObject(), p => p.Name == "router");
    }

    [Fact]
    public void An_upstream_router_field_or_a_missing_model_is_edited_in_place_nulls_kept()
    {
        var nulls = JsonDocument.Parse(Upstream("""{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[]},"finish_reason":null}],"usage":null}""").ServedWith(Info)).RootElement;
        Assert.Equal("a/b", nulls.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, nulls.GetProperty("usage").ValueKind);
        Assert.Equal(JsonValueKind.Null, nulls.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, nulls.GetProperty("choices")[0].GetProperty("message").GetProperty("content").ValueKind);

        var theirs = JsonDocument.Parse(Upstream("""{"model":"x/y","choices":[{}],"router":"theirs"}""").ServedWith(Info)).RootElement;
        Assert.Single(theirs.EnumerateObject(), p => p.Name == "router");
        Assert.Equal("a/b", theirs.GetProperty("router").GetProperty("model").GetString());
        Assert.Equal("x/y", theirs.GetProperty("model").GetString());

        var unnamed = JsonDocument.Parse(Upstream("""{"choices":[{}]}""").ServedWith(Info)).RootElement;
        Assert.Equal("a/b", unnamed.GetProperty("model").GetString());
        Assert.Equal("a/b", unnamed.GetProperty("router").GetProperty("model").GetString());
    }

    [Fact]
    public void Reading_counts_choices_and_notices_an_error_without_building_objects()
    {
        Assert.Equal(0, Upstream("""{"model":"m","choices":[]}""").Choices);
        Assert.Equal(0, Upstream("""{"model":"m","choices":null}""").Choices);
        Assert.Equal(3, Upstream("""{"choices":[{"a":[{}]},{},{}]}""").Choices);
        Assert.True(Upstream("""{"error":{"code":502,"message":"down"}}""").HasError);
        Assert.False(Upstream("""{"error":null,"choices":[{}]}""").HasError);
        Assert.Equal("down", Upstream("""{"error":{"code":502,"message":"down"}}""").Response.Error!.Message);
        var withBom = UpstreamCompletion.Read([0xEF, 0xBB, 0xBF, .. """{"model":"m","choices":[{}]}"""u8]);
        Assert.Equal((byte)'{', withBom.ServedWith(Info)[0]);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("{\"choices\":[{}]")]
    [InlineData("{\"choices\":[{}]} {}")]
    [InlineData("{\"choices\":{}}")]
    [InlineData("{\"choices\":[1]}")]
    [InlineData("{\"model\":5,\"choices\":[{}]}")]
    [InlineData("{\"error\":\"down\"}")]
    [InlineData("{\"choices\":[{}],\"x\":tru}")]
    public void Reading_rejects_what_is_not_one_completion_object(string json) =>
        Assert.ThrowsAny<JsonException>(() => Upstream(json));
}
