namespace Router.FakeOpenRouter;

/// <summary>
/// The fake OpenRouter a DEV_MODE node starts: the synthetic catalog with human-paced answers, and the two
/// largest-context models misbehaving (one rate limited, one flaky) so routing and fallback are visible at once.
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
            Behaviors = new Dictionary<string, FakeBehavior>
            {
                [largest[0].Id] = new() { StatusCode = 429, RetryAfterSeconds = 60 },
                [largest[1].Id] = new() { StatusCode = 503, StatusProbability = 0.5, LatencyMs = 80 },
            },
        };
    }
}
