using System.Buffers;

namespace Router.Actors.Routing;

/// <summary>
/// The catalog in a request's sort order, lazily: one pass over the ranking table keeps the best
/// <see cref="Kept"/>; only a request that goes past them (every one failed, rested or was refused) sorts the rest.
/// Ties keep the priority order: the preferred models in their order, then the catalog's.
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

        var (best, count) = Best(table, ranker, preferred, excluded);
        for (var k = 0; k < count; k++)
            if (best[k] != explored)
                yield return new Ranked(best[k], false);
        if (count < Kept) yield break;

        var done = new HashSet<int>(best) { explored };
        var rest = new List<(double Key, int Tie, int Index)>();
        for (var i = 0; i < table.Count; i++)
            if (!done.Contains(i) && Array.BinarySearch(excluded, i) < 0)
                rest.Add((ranker.Key(i), Tie(i, preferred), i));
        rest.Sort((a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Tie.CompareTo(b.Tie));
        foreach (var r in rest) yield return new Ranked(r.Index, false);
    }

    /// <summary>The best <see cref="Kept"/> catalog indices, best first, in one pass without allocating per model.</summary>
    private static (int[] Best, int Count) Best(RankingTable table, CandidateRanker ranker, int[] preferred, int[] excluded)
    {
        var buffer = ArrayPool<double>.Shared.Rent(table.Count);
        try
        {
            return Best(ranker.RawKeys(buffer), ranker, preferred, excluded);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    private static (int[] Best, int Count) Best(ReadOnlySpan<double> rawKeys, CandidateRanker ranker, int[] preferred, int[] excluded)
    {
        Span<double> keys = stackalloc double[Kept];
        Span<int> ties = stackalloc int[Kept];
        var best = new int[Kept];
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
            if (count == Kept && key > keys[Kept - 1]) continue;
            if (ranker.Refused(i)) key = double.PositiveInfinity;
            if (count == Kept && key > keys[Kept - 1]) continue;
            var tie = Tie(i, preferred);
            if (count == Kept && key == keys[Kept - 1] && tie > ties[Kept - 1]) continue;
            var at = count < Kept ? count++ : Kept - 1;
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
        return (best, count);
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
