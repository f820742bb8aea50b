using System.Collections.Frozen;
using Router.Actors.Catalog;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Routing;

/// <summary>
/// What ordering candidates needs to know of every catalog model, in arrays aligned with the catalog's priority order
/// (largest context first), so that ranking a request's candidates is one pass over numbers rather than lookups:
/// context lengths, prices per token, and the measurements the model actors publish (latency, completion tokens per
/// second, error rate; NaN until measured), with their medians, the prior of a model not measured yet. One per catalog
/// version; measurements are written in place as health views arrive (a reader may see one a view late).
/// </summary>
public sealed class RankingTable
{
    /// <summary>Medians follow the measurements at most this often, unless a model is measured for the first time.</summary>
    public static readonly TimeSpan MedianRefresh = TimeSpan.FromSeconds(1);

    private readonly FrozenDictionary<ModelId, int> _index;
    private readonly Lock _mediansLock = new();
    private volatile Medians _medians;
    private DateTimeOffset _mediansAt;

    public RankingTable(CatalogView catalog, IEnumerable<ModelHealthView> views)
    {
        Catalog = catalog;
        Ids = catalog.ByContextLength.ToArray();
        var count = Ids.Length;
        ContextLength = new int[count];
        PromptPrice = new double[count];
        CompletionPrice = new double[count];
        LatencyMs = new double[count];
        TokensPerSecond = new double[count];
        ErrorRate = new double[count];
        for (var i = 0; i < count; i++)
        {
            var info = catalog.ById[Ids[i].Value];
            ContextLength[i] = info.ContextLength ?? int.MaxValue; // unknown: not refused for its context
            PromptPrice[i] = ModelPrices.Prompt(info) ?? double.NaN;
            CompletionPrice[i] = ModelPrices.Completion(info) ?? double.NaN;
            LatencyMs[i] = TokensPerSecond[i] = ErrorRate[i] = double.NaN;
        }
        LatencyKey = new double[count];
        ThroughputKey = new double[count];
        PerformanceScore = new double[count];
        _index = Ids.Select((id, i) => (id, i)).ToFrozenDictionary(p => p.id, p => p.i);
        foreach (var view in views) Write(view, out _);
        _medians = ComputeMedians();
        DeriveAll();
    }

    /// <summary>Catalogs up to this size are ranked by a pass over the table: cheap, and no leaderboard to keep.</summary>
    public const int LeaderboardFrom = 4 * Leaderboards.Kept;

    /// <summary>The models that can lead each sort, for a large catalog; null for a small one.</summary>
    internal Leaderboards? Leaderboards { get; private set; }

    public CatalogView Catalog { get; }
    public int Count => Ids.Length;
    public Medians Medians => _medians;

    internal ModelId[] Ids { get; }
    internal int[] ContextLength { get; }
    internal double[] PromptPrice { get; }
    internal double[] CompletionPrice { get; }
    internal double[] LatencyMs { get; }
    internal double[] TokensPerSecond { get; }
    internal double[] ErrorRate { get; }

    // Request-independent keys, kept with the measurements so a request only reads them: an unmeasured model's is the
    // median's. Throughput's is negated (more first); the performance part of the score is latency share + 2 x error rate.
    internal double[] LatencyKey { get; }
    internal double[] ThroughputKey { get; }
    internal double[] PerformanceScore { get; }

    public ModelId ModelAt(int index) => Ids[index];

    /// <summary>The model's place in the catalog's priority order; -1 outside the catalog.</summary>
    public int IndexOf(ModelId model) => _index.TryGetValue(model, out var i) ? i : -1;

    /// <summary>A model actor's published health: its measurements, and the medians when they are due.</summary>
    public void Observe(ModelHealthView view, DateTimeOffset now)
    {
        var firstMeasurement = Write(view, out var index);
        if (index < 0) return;
        lock (_mediansLock)
        {
            if (!firstMeasurement && now - _mediansAt < MedianRefresh)
            {
                Derive(index, _medians);
                return;
            }
            _medians = ComputeMedians();
            _mediansAt = now;
            DeriveAll();
        }
    }

    /// <summary>A model's latency as a share of (itself + the median): 0.5 at the median and when not measured.</summary>
    public double LatencyShare(int i, Medians medians)
    {
        var latency = LatencyMs[i];
        return double.IsNaN(latency) || !(medians.LatencyMs > 0) ? 0.5 : latency / (latency + medians.LatencyMs);
    }

    /// <summary>A model's recent error rate, the median's when not measured (0 when nothing is).</summary>
    public double ErrorRateOrPrior(int i, Medians medians) => OrPrior(ErrorRate[i], medians.ErrorRate);

    private static double OrPrior(double measured, double median) => !double.IsNaN(measured) ? measured : double.IsNaN(median) ? 0 : median;

    /// <summary>Every model's request-independent keys from the current medians, then the leaderboards from them.</summary>
    private void DeriveAll()
    {
        var medians = _medians;
        for (var i = 0; i < Ids.Length; i++) Derive(i, medians);
        if (Ids.Length > LeaderboardFrom) Leaderboards = new Leaderboards(this);
    }

    private void Derive(int i, Medians medians)
    {
        LatencyKey[i] = OrPrior(LatencyMs[i], medians.LatencyMs);
        ThroughputKey[i] = -OrPrior(TokensPerSecond[i], medians.TokensPerSecond);
        PerformanceScore[i] = LatencyShare(i, medians) + 2 * ErrorRateOrPrior(i, medians);
    }

    /// <summary>Whether a measurement the model lacked arrived; <paramref name="i"/>: the model's index, -1 outside the catalog.</summary>
    private bool Write(ModelHealthView view, out int i)
    {
        if (!_index.TryGetValue(view.ModelId, out i))
        {
            i = -1;
            return false;
        }
        var performance = view.Performance ?? ModelPerformance.None;
        var latency = performance.FirstTokenMs ?? view.LatencyEwmaMs ?? double.NaN;
        var tokensPerSecond = performance.TokensPerSecond ?? double.NaN;
        var errorRate = performance.ErrorRate ?? double.NaN;
        var first = (double.IsNaN(LatencyMs[i]) && !double.IsNaN(latency)) || (double.IsNaN(TokensPerSecond[i]) && !double.IsNaN(tokensPerSecond))
            || (double.IsNaN(ErrorRate[i]) && !double.IsNaN(errorRate));
        LatencyMs[i] = latency;
        TokensPerSecond[i] = tokensPerSecond;
        ErrorRate[i] = errorRate;
        return first;
    }

    private Medians ComputeMedians() => new(Median(LatencyMs), Median(TokensPerSecond), Median(ErrorRate), Median(PromptPrice), Median(CompletionPrice));

    /// <summary>The median of the known values; NaN when none is known.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var known = values.Where(v => !double.IsNaN(v)).ToArray();
        if (known.Length == 0) return double.NaN;
        Array.Sort(known);
        var mid = known.Length / 2;
        return known.Length % 2 == 1 ? known[mid] : (known[mid - 1] + known[mid]) / 2;
    }
}

/// <summary>The middle of the measured (and priced) catalog models: where a model not measured yet is ranked. NaN: nothing known.</summary>
public sealed record Medians(double LatencyMs, double TokensPerSecond, double ErrorRate, double PromptPrice, double CompletionPrice);
