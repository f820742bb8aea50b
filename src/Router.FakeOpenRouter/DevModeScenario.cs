namespace Router.FakeOpenRouter;

/// <summary>
/// The fake OpenRouter a DEV_MODE node starts: the synthetic catalog with human-paced answers at each model's own
/// pace, and the two largest-context models misbehaving (one rate limited, one flaky) so routing and fallback are visible at once.
/// </summary>
public static class DevModeScenario
{
    public static FakeOpenRouterOptions Options(int modelCount = 300)
    {
        var models = SyntheticCatalog.Generate(modelCount);
        var largest = models.OrderByDescending(m => m.ContextLength ?? 0).ThenBy(m => m.Id, StringComparer.Ordinal).Take(2).ToList();
        return new FakeOpenRouterOptions
        {
            ApiKey = "dev-mode-" + Guid.NewGuid().ToString("N"),
            Models = models,
            DefaultBehavior = new FakeBehavior { LatencyMs = 120, TokensPerSecond = 60 },
            Behaviors = new Dictionary<string, FakeBehavior>(Speeds(models))
            {
                [largest[0].Id] = new() { StatusCode = 429, RetryAfterSeconds = 60 },
                [largest[1].Id] = new() { StatusCode = 503, StatusProbability = 0.5, LatencyMs = 80 },
            },
        };
    }

    /// <summary>
    /// Each model's own pace, fixed per model: 60 to 900 ms before the first token, 20 to 200 tokens per second, so that
    /// the latency, throughput and score sorts choose differently from the priority order.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, FakeBehavior>> Speeds(IReadOnlyList<Router.Contracts.OpenRouter.ModelInfo> models)
    {
        var random = new Random(7);
        return models.Select(m => KeyValuePair.Create(m.Id, new FakeBehavior { LatencyMs = 60 + random.Next(841), TokensPerSecond = 20 + random.Next(181) }));
    }
}
