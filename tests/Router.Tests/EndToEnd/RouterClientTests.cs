using Microsoft.Extensions.DependencyInjection;
using Router.Client;
using Router.Contracts;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>The .NET client API on a running node, against the fake over HTTP.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class RouterClientTests : NodeTestBase
{
    private static readonly ChatMessage[] Hello = [ChatMessage.Text("user", "Hello, world!")];

    private RouterClient Client => Node.Services.GetRequiredService<RouterClient>();

    [Fact]
    public async Task Lists_the_available_models()
    {
        var models = await Client.GetAvailableModelsAsync();
        Assert.Equal(Fakes.ModelIds.Order(), models.Select(m => m.Id).Order());
    }

    [Fact]
    public async Task Generates_a_response_with_the_model_used_and_tokens()
    {
        Fake.Script.Set("test/beta", new FakeBehavior { StatusCode = 500 });
        var response = await Client.GenerateResponseAsync(Hello, model: "test/beta", maxTokens: 50);
        Assert.True(response.Success);
        Assert.Equal("test/delta", response.Model?.Value); // fell back to the largest context
        Assert.Contains("Hello, world!", response.Content);
        Assert.True(response.Tokens!.TotalTokens > 0);
        Assert.Equal(2, response.Attempts.Count);
    }

    [Fact]
    public async Task Max_tokens_and_temperature_reach_the_model()
    {
        var response = await Client.GenerateResponseAsync(Hello, "test/alpha", temperature: 0.2, maxTokens: 3);
        Assert.Equal(3, response.Tokens!.CompletionTokens);
    }

    [Fact]
    public async Task A_failure_is_a_typed_error_not_an_exception()
    {
        Fake.Script.Set("test/alpha", new FakeBehavior { StatusCode = 402 });
        var response = await Client.GenerateResponseAsync(Hello, "test/alpha");
        Assert.False(response.Success);
        Assert.Equal(UpstreamErrorKind.PaymentRequired, response.Error!.Kind);
        Assert.False(response.Error.ShouldFallback);
    }

    [Fact]
    public async Task Streams_content_then_a_final_item_with_tokens()
    {
        var items = new List<RouterStreamItem>();
        await foreach (var item in Client.GenerateResponseStreamAsync(Hello, "test/gamma"))
            items.Add(item);
        Assert.Contains("Hello, world!", string.Concat(items.Select(i => i.Content)));
        var last = items[^1];
        Assert.True(last.Done);
        Assert.Null(last.Error);
        Assert.Equal("test/gamma", last.Model?.Value);
        Assert.True(last.Tokens!.CompletionTokens > 0);
        Assert.All(items[..^1], i => Assert.False(i.Done));
    }

    [Fact]
    public async Task A_stream_that_breaks_ends_with_an_error_item()
    {
        Fake.Script.Set("test/gamma", new FakeBehavior { Content = "a b c d", MidStreamErrorAfterChunks = 2 });
        var items = new List<RouterStreamItem>();
        await foreach (var item in Client.GenerateResponseStreamAsync(Hello, "test/gamma"))
            items.Add(item);
        Assert.Equal("a b", string.Concat(items.Select(i => i.Content)));
        Assert.Equal(UpstreamErrorKind.StreamError, items[^1].Error!.Kind);
        Assert.True(items[^1].Done);
    }
}
