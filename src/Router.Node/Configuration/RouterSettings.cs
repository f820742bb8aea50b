using Router.Actors.OpenRouter;

namespace Router.Node.Configuration;

/// <summary>Router's validated settings; see README's configuration table for each variable.</summary>
public sealed record RouterSettings
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public required OpenRouterClientOptions OpenRouter { get; init; }
    public string? DefaultModel { get; init; }
    public IReadOnlyList<string> FallbackModels { get; init; } = [];

    /// <summary>Route to the built-in fake OpenRouter (DEV_MODE=true, or no OPENROUTER_API_KEY).</summary>
    public bool DevMode { get; init; }
    public string? DevModeReason { get; init; }

    public TimeSpan CatalogTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>PostgreSQL connection string; null means the SQLite file in <see cref="DataDir"/>.</summary>
    public string? Database { get; init; }
    public string DataDir { get; init; } = "./data";

    public string Hostname { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4053;
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    public IReadOnlyList<string> Roles { get; init; } = ["router", "front"];

    public IReadOnlyList<string> ApiKeys { get; init; } = [];
    public long? DailyRequestCap { get; init; }

    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrls];

    public static RouterSettings Load(IConfiguration config) => new SettingsReader(config).Read();
}

/// <summary>A start-up configuration error; the message names every bad variable.</summary>
public sealed class RouterConfigurationException(IReadOnlyList<string> problems)
    : Exception("Invalid configuration:\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
