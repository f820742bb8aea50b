using System.Text.Json;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Tests.Serialization;

/// <summary>The wire shape of what the front writes.</summary>
public class ChatContractTests
{
    [Fact]
    public void The_router_field_is_added_and_the_upstream_extras_are_kept()
    {
        var upstream = JsonSerializer.Deserialize("""{"id":"g1","model":"a/b","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}],"system_fingerprint":"fp"}""",
            RouterJsonContext.Default.ChatCompletionResponse)!;
        var served = upstream.WithRouter(new RouterInfo("a/b", [new AttemptRecord(new ModelId("a/b"), "ok", null, 200, 1.5)]));
        var json = JsonDocument.Parse(JsonSerializer.Serialize(served, RouterJsonContext.Default.ChatCompletionResponse)).RootElement;
        Assert.Equal("fp", json.GetProperty("system_fingerprint").GetString());
        Assert.Equal("a/b", json.GetProperty("router").GetProperty("model").GetString());
        Assert.Equal("ok", json.GetProperty("router").GetProperty("attempts")[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public void An_upstream_router_field_is_not_read_as_ours_and_ours_replaces_it()
    {
        var upstream = JsonSerializer.Deserialize("""{"id":"g1","choices":[],"router":"theirs"}""", RouterJsonContext.Default.ChatCompletionResponse)!;
        Assert.Null(upstream.Router);
        var served = upstream.WithRouter(new RouterInfo("a/b", []));
        var json = JsonSerializer.Serialize(served, RouterJsonContext.Default.ChatCompletionResponse);
        Assert.Single(JsonDocument.Parse(json).RootElement.EnumerateObject(), p => p.Name == "router");
        Assert.Equal("a/b", JsonDocument.Parse(json).RootElement.GetProperty("router").GetProperty("model").GetString());
        Assert.Equal("a/b", JsonDocument.Parse(json).RootElement.GetProperty("model").GetString()); // upstream named none
    }
}
