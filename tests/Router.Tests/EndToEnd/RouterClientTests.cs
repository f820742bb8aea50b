using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Client;
using Router.Contracts;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;
using Router.Node.Hosting;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>The .NET client API on a running node, against the fake over HTTP.</summary>
public class RouterClientTests : IAsyncLifetime
{
    private FakeOpenRouterServer _fake = null!;
    private RouterNode _node = null!;
    private RouterClient _client = null!;
    private readonly string _dataDir = TestNodes.TempDir();
    private static readonly ChatMessage[] Hello = [ChatMessage.Text("user", "Hello, world!")];

    public async Task InitializeAsync()
    {
        _fake = await Fakes.StartAsync();
        _node = await TestNodes.StartAsync(TestNodes.Settings(_fake, _dataDir));
        _client = _node.Services.GetRequiredService<RouterClient>();
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _fake.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Lists_the_available_models()
    {
        var models = await _client.GetAvailableModelsAsync();
        Assert.Equal(Fakes.ModelIds.Order(), models.Select(m => m.Id).Order());
    }

    [Fact]
    public async Task Generates_a_response_with_the_model_used_and_tokens()
    {
        _fake.Script.Set("test/beta", new FakeBehavior { StatusCode = 500 });
        var response = await _client.GenerateResponseAsync(Hello, model: "test/beta", maxTokens: 50);
        Assert.True(response.Success);
        Assert.Equal("test/delta", response.Model?.Value); // fell back to the largest context
        Assert.Contains("Hello, world!", response.Content);
        Assert.True(response.Tokens!.TotalTokens > 0);
        Assert.Equal(2, response.Attempts.Count);
    }

    [Fact]
    public async Task Max_tokens_and_temperature_reach_the_model()
    {
        var response = await _client.GenerateResponseAsync(Hello, "test/alpha", temperature: 0.2, maxTokens: 3);
        Assert.Equal(3, response.Tokens!.CompletionTokens);
    }

    [Fact]
    public async Task A_failure_is_a_typed_error_not_an_exception()
    {
        _fake.Script.Set("test/alpha", new FakeBehavior { StatusCode = 402 });
        var response = await _client.GenerateResponseAsync(Hello, "test/alpha");
        Assert.False(response.Success);
        Assert.Equal(UpstreamErrorKind.PaymentRequired, response.Error!.Kind);
        Assert.False(response.Error.ShouldFallback);
    }

    [Fact]
    public async Task Streams_content_then_a_final_item_with_tokens()
    {
        var items = new List<RouterStreamItem>();
        await foreach (var item in _client.GenerateResponseStreamAsync(Hello, "test/gamma"))
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
        _fake.Script.Set("test/gamma", new FakeBehavior { Content = "a b c d", MidStreamErrorAfterChunks = 2 });
        var items = new List<RouterStreamItem>();
        await foreach (var item in _client.GenerateResponseStreamAsync(Hello, "test/gamma"))
            items.Add(item);
        Assert.Equal("a b", string.Concat(items.Select(i => i.Content)));
        Assert.Equal(UpstreamErrorKind.StreamError, items[^1].Error!.Kind);
        Assert.True(items[^1].Done);
    }
}
