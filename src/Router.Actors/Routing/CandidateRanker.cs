using System.Globalization;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Routing;

/// <summary>
/// How one request weighs a catalog model under its sort: a key (lower is tried first), whether the key rests on the
/// prior of a model not measured yet, and the reason in words for <c>router.attempts</c>. Models the request's
/// constraints refuse rank last (the route skips them with the reason); a model without a known price ranks after the
/// priced ones under <c>price</c>.
/// </summary>
public sealed class CandidateRanker
{
    /// <summary>The completion a request without <c>max_tokens</c> is expected to cost.</summary>
    public const int ExpectedCompletionTokens = 512;

    private readonly RankingTable _table;
    private readonly RouteConstraints _constraints;
    private readonly Medians _medians;
    private readonly double _promptTokens;
    private readonly double _completionTokens;

    // Keys weigh the prices by the request's shares of prompt and completion tokens (summing to 1): the order of
    // expected costs, whatever the request's size, so that orders cached per share serve every request of that share.
    private readonly double _promptWeight;
    private readonly double _completionWeight;
    private readonly double _medianPrice;

    /// <summary>The prompt of the reference request scores are shown for (<c>/router/models</c>, the health page).</summary>
    public const int ReferencePromptTokens = 1_000;

    public CandidateRanker(RankingTable table, RouteSort sort, ChatCompletionRequest request, RouteConstraints constraints)
        : this(table, sort, RouteConstraints.EstimatePromptTokens(request.Messages), request.MaxTokens ?? ExpectedCompletionTokens, constraints)
    {
    }

    private CandidateRanker(RankingTable table, RouteSort sort, double promptTokens, double completionTokens, RouteConstraints constraints)
    {
        _table = table;
        Sort = sort;
        _constraints = constraints;
        _medians = table.Medians;
        _promptTokens = promptTokens;
        _completionTokens = completionTokens;
        PromptShare = promptTokens + completionTokens > 0 ? promptTokens / (promptTokens + completionTokens) : 0.5;
        _promptWeight = PromptShare;
        _completionWeight = 1 - PromptShare;
        _medianPrice = _promptWeight * _medians.PromptPrice + _completionWeight * _medians.CompletionPrice;
    }

    /// <summary>Scores for a reference request (1,000 prompt tokens, 512 completion tokens, no constraints).</summary>
    public static CandidateRanker Reference(RankingTable table) =>
        new(table, RouteSort.Score, ReferencePromptTokens, ExpectedCompletionTokens, RouteConstraints.None);

    /// <summary>Keys of any unconstrained request whose prompt is <paramref name="promptShare"/> of its tokens.</summary>
    internal static CandidateRanker AtShare(RankingTable table, RouteSort sort, double promptShare) =>
        new(table, sort, promptShare, 1 - promptShare, RouteConstraints.None);

    /// <summary>The prompt's share of the request's expected tokens (prompt + completion), from 0 to 1.</summary>
    public double PromptShare { get; }

    public RouteSort Sort { get; }

    /// <summary>Whether the sort reads measurements (and so explores models without them).</summary>
    public bool Measures => Sort is RouteSort.Latency or RouteSort.Throughput or RouteSort.Score;

    /// <summary>The model's key for this request: lower is tried first; refused by the request's constraints: infinity.</summary>
    public double Key(int i) => Refused(i) ? double.PositiveInfinity : RawKey(i);

    /// <summary>The request's constraints rule the model out (it ranks last, and the route skips it with the reason).</summary>
    public bool Refused(int i)
    {
        var t = _table;
        return t.ContextLength[i] < _constraints.RequiredContext
            || (_constraints.LimitsPrice && _constraints.Refusal(t.ContextLength[i], t.PromptPrice[i], t.CompletionPrice[i]) is not null);
    }

    public bool Allowed(int i) => !Refused(i);

    private double RawKey(int i) => Sort switch
    {
        RouteSort.Price => PriceKey(WeightedPrice(i)),
        RouteSort.Latency => _table.LatencyKey[i],
        RouteSort.Throughput => _table.ThroughputKey[i],
        _ => PriceShare(WeightedPrice(i)) + _table.PerformanceScore[i],
    };

    /// <summary>
    /// Every catalog model's key before constraints, in catalog order: the table's own keys for latency and throughput
    /// (they do not depend on the request), else computed into <paramref name="buffer"/> in one tight loop.
    /// </summary>
    public ReadOnlySpan<double> RawKeys(double[] buffer)
    {
        var t = _table;
        switch (Sort)
        {
            case RouteSort.Latency: return t.LatencyKey;
            case RouteSort.Throughput: return t.ThroughputKey;
        }
        var (prompt, completion, performance) = (t.PromptPrice, t.CompletionPrice, t.PerformanceScore);
        var keys = buffer.AsSpan(0, t.Count);
        if (Sort == RouteSort.Price)
            for (var i = 0; i < keys.Length; i++) keys[i] = PriceKey(_promptWeight * prompt[i] + _completionWeight * completion[i]);
        else
            for (var i = 0; i < keys.Length; i++) keys[i] = PriceShare(_promptWeight * prompt[i] + _completionWeight * completion[i]) + performance[i];
        return keys;
    }

    private double WeightedPrice(int i) => _promptWeight * _table.PromptPrice[i] + _completionWeight * _table.CompletionPrice[i];

    private static double PriceKey(double price) => double.IsNaN(price) ? double.MaxValue : price;

    /// <summary>The model lacks the measurement its rank needs (it is ranked at the median).</summary>
    public bool Unmeasured(int i) => Sort switch
    {
        RouteSort.Latency or RouteSort.Score => double.IsNaN(_table.LatencyMs[i]),
        RouteSort.Throughput => double.IsNaN(_table.TokensPerSecond[i]),
        _ => false,
    };

    /// <summary>This request's prompt and completion at the model's prices, in USD; NaN when a price is unknown.</summary>
    public double ExpectedCost(int i) => _promptTokens * _table.PromptPrice[i] + _completionTokens * _table.CompletionPrice[i];

    /// <summary>
    /// The blend <c>score</c> sorts by, from 0 (best) to 1: (price + latency + 2 x error rate) / 4, where price and
    /// latency are x / (x + median), 0.5 at the catalog's median, and the error rate is the model's recent share of
    /// failed calls. A model not measured yet takes the medians (0.5 and the median error rate).
    /// </summary>
    public double Score(int i) => (PriceShare(WeightedPrice(i)) + _table.PerformanceScore[i]) / 4;

    /// <summary>The model's price for this request as a share of (itself + the median model's): 0.5 at the median.</summary>
    private double PriceShare(double price)
    {
        if (double.IsNaN(price)) return 1;
        if (price <= 0) return 0;
        return _medianPrice > 0 ? price / (price + _medianPrice) : 1;
    }

    /// <summary>Why the model stands where it does under this sort, in words.</summary>
    public string Explain(int i)
    {
        var t = _table;
        return Sort switch
        {
            RouteSort.Price => double.IsNaN(ExpectedCost(i)) ? "price: unknown" : $"price: {Usd(ExpectedCost(i))} USD expected",
            RouteSort.Latency => double.IsNaN(t.LatencyMs[i]) ? $"latency: not measured, ranked at the median {Ms(_medians.LatencyMs)}" : $"latency: {Ms(t.LatencyMs[i])}",
            RouteSort.Throughput => double.IsNaN(t.TokensPerSecond[i])
                ? $"throughput: not measured, ranked at the median {Rate(_medians.TokensPerSecond)}"
                : $"throughput: {Rate(t.TokensPerSecond[i])}",
            _ => string.Create(CultureInfo.InvariantCulture,
                $"score: {Score(i):0.000} (price {PriceShare(WeightedPrice(i)):0.00}, latency {t.LatencyShare(i, _medians):0.00}{(double.IsNaN(t.LatencyMs[i]) ? " not measured" : "")}, error rate {t.ErrorRateOrPrior(i, _medians):0.00})"),
        };
    }

    private static string Usd(double value) => value.ToString("0.#########", CultureInfo.InvariantCulture);
    private static string Ms(double value) => double.IsNaN(value) ? "(none measured)" : value.ToString("0", CultureInfo.InvariantCulture) + " ms";
    private static string Rate(double value) => double.IsNaN(value) ? "(none measured)" : value.ToString("0.#", CultureInfo.InvariantCulture) + " tokens/s";
}
