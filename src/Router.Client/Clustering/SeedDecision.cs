namespace Router.Client.Clustering;

/// <summary>
/// When a node found through discovery may join: once at least <c>required</c> nodes are found and the set found
/// has not changed for <c>stableMargin</c>. The seeds are then the set in ordinal order, the same list on every node
/// that found the same set, so exactly one of them (the first) may start a new cluster; Akka's seed-node join has
/// it join an existing cluster instead whenever one of the others already belongs to one.
/// </summary>
public sealed class SeedDecision(int required, TimeSpan stableMargin)
{
    private HashSet<string> _found = [];
    private DateTimeOffset _since;

    /// <summary>The seeds to join, or null while the set found is too small or still changing.</summary>
    public IReadOnlyList<string>? Observe(IEnumerable<string> found, DateTimeOffset now)
    {
        var set = found.ToHashSet(StringComparer.Ordinal);
        if (!set.SetEquals(_found) || _since == default)
        {
            _found = set;
            _since = now;
        }
        return set.Count >= required && now - _since >= stableMargin ? set.Order(StringComparer.Ordinal).ToList() : null;
    }
}
