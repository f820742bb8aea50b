using Router.Contracts.OpenRouter;

namespace Router.FakeOpenRouter;

public sealed record FakeOpenRouterOptions
{
    /// <summary>The key callers must send as <c>Authorization: Bearer ...</c>.</summary>
    public string ApiKey { get; init; } = "fake-openrouter-key";

    /// <summary>How many synthetic models <c>GET /models</c> lists (ignored when <see cref="Models"/> is set).</summary>
    public int ModelCount { get; init; } = 300;

    public int Seed { get; init; } = 42;

    /// <summary>An explicit catalog, for tests that want a small, known one.</summary>
    public IReadOnlyList<ModelInfo>? Models { get; init; }

    /// <summary>What <c>GET /key</c> reports as the key's rate limit (requests per 10 s).</summary>
    public int RateLimitRequests { get; init; } = 20;

    /// <summary>The behaviour of models without a script entry.</summary>
    public FakeBehavior DefaultBehavior { get; init; } = FakeBehavior.Ok;

    /// <summary>Scripted behaviours by model id.</summary>
    public IReadOnlyDictionary<string, FakeBehavior>? Behaviors { get; init; }
}
