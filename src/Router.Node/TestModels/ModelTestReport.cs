namespace Router.Node.TestModels;

/// <summary>The JSON report: every result so far and the summary figures; rewritten after each model.</summary>
public sealed record ModelTestReport
{
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public bool Finished { get; init; }
    public bool Interrupted { get; init; }

    /// <summary>Seconds spent testing, over every run that built this report (resumed runs add up).</summary>
    public double DurationSeconds { get; init; }
    public int Planned { get; init; }
    public required ModelTestSummary Summary { get; init; }
    public IReadOnlyList<ModelTestResult> Results { get; init; } = [];
}

public sealed record ModelTestSummary
{
    public int Total { get; init; }
    public int Successful { get; init; }
    public int Failed { get; init; }
    public double SuccessRate { get; init; }
    public double? AverageLatencyMs { get; init; }
    public double? MedianLatencyMs { get; init; }
    public long TotalTokens { get; init; }
    public double TotalDurationSeconds { get; init; }
    public IReadOnlyDictionary<string, int> FailuresByReason { get; init; } = new Dictionary<string, int>();
    public IReadOnlyList<ModelTestResult> Fastest { get; init; } = [];

    public static ModelTestSummary From(IReadOnlyList<ModelTestResult> results, double durationSeconds)
    {
        var ok = results.Where(r => r.Ok).ToList();
        var latencies = ok.Where(r => r.LatencyMs is not null).Select(r => r.LatencyMs!.Value).Order().ToList();
        return new ModelTestSummary
        {
            Total = results.Count,
            Successful = ok.Count,
            Failed = results.Count - ok.Count,
            SuccessRate = results.Count == 0 ? 0 : Math.Round((double)ok.Count / results.Count, 4),
            AverageLatencyMs = latencies.Count == 0 ? null : Math.Round(latencies.Average(), 1),
            MedianLatencyMs = latencies.Count == 0 ? null : latencies[latencies.Count / 2],
            TotalTokens = results.Sum(r => (long)(r.TotalTokens ?? 0)),
            TotalDurationSeconds = Math.Round(durationSeconds, 1),
            FailuresByReason = results.Where(r => !r.Ok).GroupBy(r => r.Reason ?? "unknown")
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            Fastest = ok.Where(r => r.LatencyMs is not null).OrderBy(r => r.LatencyMs).ThenBy(r => r.Id, StringComparer.Ordinal).Take(5).ToList(),
        };
    }
}
