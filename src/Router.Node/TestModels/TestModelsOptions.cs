namespace Router.Node.TestModels;

public sealed record TestModelsOptions
{
    /// <summary>Test only these ids (in this order); null: the whole catalog.</summary>
    public IReadOnlyList<string>? Models { get; init; }
    public bool FreeOnly { get; init; }

    /// <summary>Test only models whose id or name contains this (case-insensitive).</summary>
    public string? Match { get; init; }

    /// <summary>Least time between the starts of two tests; null: derived from the key's rate limit.</summary>
    public TimeSpan? Delay { get; init; }
    public int Concurrency { get; init; } = 1;
    public int MaxTokens { get; init; } = 64;

    /// <summary>A 429 is waited out (Retry-After, capped by <see cref="MaxBackoff"/>) and retried this many times.</summary>
    public int MaxRetries { get; init; } = 2;
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    public bool Resume { get; init; }
    public string OutputDirectory { get; init; } = ".";
    public string Prompt { get; init; } = "Hello, world!";
}
