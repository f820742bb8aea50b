using Router.Contracts.OpenRouter;

namespace Router.Actors.Routing;

/// <summary>
/// For a large catalog, the few models that can lead each sort, computed when the table's medians are (at most once a
/// second), so a request re-keys a few dozen models instead of the catalog. Latency and throughput do not depend on
/// the request: one board each. Price and score depend only on the prompt's share of the request's tokens, through
/// keys monotonic in that share: the catalog's best at both ends of a band of shares, with the lower of their bounds,
/// holds the best of any share in the band.
/// </summary>
internal sealed class Leaderboards
{
    /// <summary>Bands of the prompt's share of a request's tokens.</summary>
    public const int Bands = 16;

    /// <summary>Models kept per board end.</summary>
    public const int Kept = 16;

    private readonly Leaderboard _latency;
    private readonly Leaderboard _throughput;
    private readonly Leaderboard[] _price;
    private readonly Leaderboard[] _score;

    public Leaderboards(RankingTable table)
    {
        var keys = new double[table.Count]; // one buffer for every board's keys
        _latency = Leaderboard.Of(table, RouteSort.Latency, 0, keys);
        _throughput = Leaderboard.Of(table, RouteSort.Throughput, 0, keys);
        _price = Banded(table, RouteSort.Price, keys);
        _score = Banded(table, RouteSort.Score, keys);
    }

    public Leaderboard? For(RouteSort sort, double promptShare) => sort switch
    {
        RouteSort.Latency => _latency,
        RouteSort.Throughput => _throughput,
        RouteSort.Price => _price[Band(promptShare)],
        RouteSort.Score => _score[Band(promptShare)],
        _ => null,
    };

    private static int Band(double promptShare) => Math.Clamp((int)(promptShare * Bands), 0, Bands - 1);

    private static Leaderboard[] Banded(RankingTable table, RouteSort sort, double[] keys)
    {
        var ends = Enumerable.Range(0, Bands + 1).Select(b => Leaderboard.Of(table, sort, (double)b / Bands, keys)).ToArray();
        return Enumerable.Range(0, Bands).Select(b => ends[b].Union(ends[b + 1])).ToArray();
    }
}

/// <summary>
/// The models that can lead, and the bound behind which every other model stood: (key, catalog index) of the last
/// one kept. A model on the board, keyed now, is certainly ahead of every model off it when it is ahead of the bound.
/// </summary>
internal sealed record Leaderboard(int[] Candidates, double BoundKey, int BoundIndex)
{
    public static Leaderboard Of(RankingTable table, RouteSort sort, double promptShare, double[] keys)
    {
        var ranker = CandidateRanker.AtShare(table, sort, promptShare);
        var (best, count, lastKey) = CatalogRanking.Best(ranker.RawKeys(keys), null, [], [], Leaderboards.Kept);
        return new Leaderboard(best[..count], lastKey, count > 0 ? best[count - 1] : int.MaxValue);
    }

    /// <summary>Both boards' models behind the nearer of their bounds.</summary>
    public Leaderboard Union(Leaderboard other)
    {
        var nearer = BoundKey < other.BoundKey || (BoundKey == other.BoundKey && BoundIndex < other.BoundIndex) ? this : other;
        return new Leaderboard(Candidates.Union(other.Candidates).ToArray(), nearer.BoundKey, nearer.BoundIndex);
    }

    /// <param name="isPreferred">The request prefers the model on ties (it precedes every model off the board on equal keys).</param>
    public bool Certifies(double key, int index, bool isPreferred) =>
        key < BoundKey || (key == BoundKey && (isPreferred || index < BoundIndex));
}
