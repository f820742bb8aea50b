using System.Buffers;

namespace Router.Actors.Routing;

/// <summary>
/// The catalog in a request's sort order, lazily. On a large catalog the head comes from the table's
/// <see cref="Leaderboards"/>: the few models that can lead, re-keyed for this request, of which those certified ahead
/// of every other model are yielded in order. Otherwise (a small catalog, a request whose constraints refuse the
/// leaders) one pass over the table keeps the best <see cref="Kept"/>. Only a request that goes past the head (every
/// one failed, rested or was refused) sorts the rest. Ties keep the priority order: the preferred models in their
/// order, then the catalog's.
/// </summary>
internal static class CatalogRanking
{
    public const int Kept = 8;

    public readonly record struct Ranked(int Index, bool Explored);

    /// <param name="preferred">Catalog indices that win ties, in their order.</param>
    /// <param name="excluded">Catalog indices already tried (the request's own models).</param>
    /// <param name="explore">Put one allowed model not measured yet first, chosen at random.</param>
    public static IEnumerable<Ranked> Order(RankingTable table, CandidateRanker ranker, int[] preferred, int[] excluded, bool explore)
    {
        excluded = excluded.Order().ToArray();
        var explored = explore ? PickUnmeasured(table, ranker, excluded) : -1;
        if (explored >= 0) yield return new Ranked(explored, true);

        var head = Certified(table, ranker, preferred, excluded);
        if (head.Count == 0) head = Best(table, ranker, preferred, excluded);
        foreach (var index in head)
            if (index != explored)
                yield return new Ranked(index, false);
        if (head.Count + (explored >= 0 ? 1 : 0) + excluded.Length >= table.Count) yield break;

        var done = new HashSet<int>(head) { explored };
        var rest = new List<(double Key, int Tie, int Index)>();
        for (var i = 0; i < table.Count; i++)
            if (!done.Contains(i) && Array.BinarySearch(excluded, i) < 0)
                rest.Add((ranker.Key(i), Tie(i, preferred), i));
        rest.Sort((a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Tie.CompareTo(b.Tie));
        foreach (var r in rest) yield return new Ranked(r.Index, false);
    }

    /// <summary>
    /// The leaders of the table's leaderboard for this request that are certainly ahead of every model off the
    /// board, keyed now, in order; empty without a leaderboard or when none is certain.
    /// </summary>
    private static List<int> Certified(RankingTable table, CandidateRanker ranker, int[] preferred, int[] excluded)
    {
        var certified = new List<(double Key, int Tie, int Index)>();
        if (table.Leaderboards?.For(ranker.Sort, ranker.PromptShare) is not { } board) return [];
        foreach (var i in board.Candidates)
            Consider(i, isPreferred: Array.IndexOf(preferred, i) >= 0);
        foreach (var i in preferred)
            if (Array.IndexOf(board.Candidates, i) < 0)
                Consider(i, isPreferred: true);
        certified.Sort((a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Tie.CompareTo(b.Tie));
        return certified.ConvertAll(c => c.Index);

        void Consider(int i, bool isPreferred)
        {
            if (Array.BinarySearch(excluded, i) >= 0) return;
            var key = ranker.Key(i);
            if (board.Certifies(key, i, isPreferred)) certified.Add((key, Tie(i, preferred), i));
        }
    }

    /// <summary>The best <see cref="Kept"/> catalog indices for this request, best first, in one pass over the table.</summary>
    private static List<int> Best(RankingTable table, CandidateRanker ranker, int[] preferred, int[] excluded)
    {
        var buffer = ArrayPool<double>.Shared.Rent(table.Count);
        try
        {
            var best = Best(ranker.RawKeys(buffer), ranker.Refused, preferred, excluded, Kept);
            return [.. best.Indices.AsSpan(0, best.Count)];
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>The best of <paramref name="rawKeys"/>, best first, in one pass without allocating per model.</summary>
    /// <param name="refused">Models that rank last whatever their key.</param>
    /// <returns>The indices (<paramref name="keep"/> at most) and the key of the last one kept.</returns>
    public static (int[] Indices, int Count, double LastKey) Best(ReadOnlySpan<double> rawKeys, Func<int, bool>? refused, int[] preferred, int[] excluded, int keep)
    {
        Span<double> keys = stackalloc double[keep];
        Span<int> ties = stackalloc int[keep];
        var best = new int[keep];
        var count = 0;
        var nextExcluded = 0;
        for (var i = 0; i < rawKeys.Length; i++)
        {
            if (nextExcluded < excluded.Length && excluded[nextExcluded] == i)
            {
                nextExcluded++;
                continue;
            }
            var key = rawKeys[i];
            if (count == keep && key > keys[keep - 1]) continue;
            if (refused?.Invoke(i) == true) key = double.PositiveInfinity;
            if (count == keep && key > keys[keep - 1]) continue;
            var tie = Tie(i, preferred);
            if (count == keep && key == keys[keep - 1] && tie > ties[keep - 1]) continue;
            var at = count < keep ? count++ : keep - 1;
            while (at > 0 && (key < keys[at - 1] || (key == keys[at - 1] && tie < ties[at - 1])))
            {
                keys[at] = keys[at - 1];
                ties[at] = ties[at - 1];
                best[at] = best[at - 1];
                at--;
            }
            keys[at] = key;
            ties[at] = tie;
            best[at] = i;
        }
        return (best, count, count > 0 ? keys[count - 1] : double.PositiveInfinity);
    }

    /// <summary>Where ties place a model: a preferred one at its position, the others after them in catalog order.</summary>
    private static int Tie(int index, int[] preferred)
    {
        var position = Array.IndexOf(preferred, index);
        return position >= 0 ? position : preferred.Length + index;
    }

    /// <summary>One allowed model not measured yet, uniformly at random; -1 when every allowed model is measured.</summary>
    private static int PickUnmeasured(RankingTable table, CandidateRanker ranker, int[] excluded)
    {
        var count = 0;
        for (var i = 0; i < table.Count; i++)
            if (IsCandidate(i)) count++;
        if (count == 0) return -1;
        var pick = Random.Shared.Next(count);
        for (var i = 0; i < table.Count; i++)
            if (IsCandidate(i) && pick-- == 0)
                return i;
        return -1;

        bool IsCandidate(int i) => ranker.Unmeasured(i) && Array.BinarySearch(excluded, i) < 0 && ranker.Allowed(i);
    }
}
