using Router.Actors.OpenRouter;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;

namespace Router.Tests.Support;

public static class Fakes
{
    public static readonly string[] ModelIds = ["test/alpha", "test/beta", "test/gamma", "test/delta"];

    /// <summary>A fake with a small, known catalog and the given scripted behaviours.</summary>
    public static Task<FakeOpenRouterServer> StartAsync(params (string Model, FakeBehavior Behavior)[] behaviors) => StartAsync(null, behaviors);

    /// <summary>A fake with <paramref name="models"/> (the small, known catalog when null) and the given behaviours.</summary>
    public static Task<FakeOpenRouterServer> StartAsync(IReadOnlyList<ModelInfo>? models, (string Model, FakeBehavior Behavior)[] behaviors) =>
        FakeOpenRouterServer.StartAsync(new FakeOpenRouterOptions
        {
            Models = models ?? ModelIds.Select((id, i) => SyntheticCatalog.Model(id, 8192 * (i + 1))).ToList(),
            Behaviors = behaviors.ToDictionary(b => b.Model, b => b.Behavior),
        });

    public static OpenRouterClientOptions ClientOptions(FakeOpenRouterServer fake) => new()
    {
        BaseUrl = fake.BaseUrl,
        ApiKey = fake.ApiKey,
        Timeout = TimeSpan.FromSeconds(5),
        RetryAttempts = 3,
        BackoffBase = TimeSpan.FromMilliseconds(20),
        BackoffMax = TimeSpan.FromMilliseconds(200),
        Jitter = 0.25,
    };

    public static ChatCompletionRequest Hello(string model, int? maxTokens = null) => new()
    {
        Model = model,
        Messages = [ChatMessage.Text("user", "Hello, world!")],
        MaxTokens = maxTokens,
    };
}
