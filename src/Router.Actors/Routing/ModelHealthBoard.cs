using System.Diagnostics.CodeAnalysis;
using Router.Actors.Catalog;
using System.Collections.Concurrent;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>
/// This node's one copy of the models' health: the last view each model actor published (for the health page and
/// <c>/router/models</c>), and which models are resting (open circuit, cooldown) and until when, learnt from those
/// views and from the model actors' answers, so coordinators skip them without a round trip. The model actors stay the
/// truth: a stale entry costs one rejected attempt at most. Bounded by the catalog (only its models have actors).
/// </summary>
public sealed class ModelHealthBoard
{
    private readonly ConcurrentDictionary<ModelId, Entry> _blocked = new();
    private readonly ConcurrentDictionary<ModelId, ModelHealthView> _views = new();

    /// <summary>Every model's last published health, by id.</summary>
    public IReadOnlyList<ModelHealthView> All => _views.Values.OrderBy(v => v.ModelId.Value, StringComparer.Ordinal).ToList();

    /// <summary>A model actor's health publication: keep it, note where the actor lives, and whether the model rests.</summary>
    public void Observe(ModelHealthView view, DateTimeOffset now)
    {
        _views[view.ModelId] = view;
        _ranking?.Observe(view, now);
        if (view.Node is { } node) HostedOn(view.ModelId, node);
        var until = new[] { view.CooldownUntil, view.Circuit == CircuitState.Open ? view.OpenUntil : null }.Max();
        if (until is { } restUntil && restUntil > now)
            Block(view.ModelId, restUntil, rateLimited: view.CooldownReason == RestReason.RateLimited);
        else if (view.Circuit == CircuitState.Closed)
            Clear(view.ModelId);
    }

    private volatile RankingTable? _ranking;
    private long _lastExploration = long.MinValue;

    /// <summary>Explorations are spaced at least this far apart on a node, whatever the request rate.</summary>
    public static readonly TimeSpan ExplorationSpacing = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Whether a request may explore a model not measured yet now (<paramref name="now"/>: a monotonic timestamp in
    /// ticks): at most one per <see cref="ExplorationSpacing"/>, since each one may start an actor and call a slow model,
    /// and a few samples per model are all ranking needs.
    /// </summary>
    public bool TryExplore(long now)
    {
        var last = Interlocked.Read(ref _lastExploration);
        return (last == long.MinValue || now - last >= ExplorationSpacing.Ticks) && Interlocked.CompareExchange(ref _lastExploration, now, last) == last;
    }

    /// <summary>
    /// The measurements and prices of <paramref name="catalog"/>'s models as ranking reads them: built from the views
    /// in hand once per catalog version (by <see cref="Prepare"/>, or else by the first request that sorts), then kept
    /// up to date by <see cref="Observe"/>.
    /// </summary>
    public RankingTable RankingFor(CatalogView catalog)
    {
        var table = _ranking;
        if (IsFor(table, catalog)) return table;
        var built = new RankingTable(catalog, _views.Values);
        // A request still holding an older catalog ranks on a table of its own and leaves the newer one in place.
        if (table is null || catalog.Update.Version >= table.Catalog.Update.Version) _ranking = built;
        return built;
    }

    /// <summary>Whether the table of <paramref name="catalog"/>'s models is built (a request sorting on it finds it ready).</summary>
    public bool HasRankingFor(CatalogView catalog) => IsFor(_ranking, catalog);

    private static bool IsFor([NotNullWhen(true)] RankingTable? table, CatalogView catalog) =>
        table is not null && ReferenceEquals(table.Catalog.ByContextLength, catalog.ByContextLength);

    /// <summary>
    /// Builds the table of a new catalog version before requests see that version (the catalog replica calls it
    /// before the swap, off the request path: milliseconds for a large catalog, see bench/planner.sh), when this node ranks:
    /// <paramref name="sortsByDefault"/>, or a request has sorted here before.
    /// </summary>
    public void Prepare(CatalogView catalog, bool sortsByDefault)
    {
        if (catalog.IsLoaded && (sortsByDefault || _ranking is not null)) RankingFor(catalog);
    }

    // Where each model's actor last said it lives (from its health publications; bounded by the catalog).
    private readonly ConcurrentDictionary<ModelId, string> _nodes = new();

    public void HostedOn(ModelId model, string node) => _nodes[model] = node;

    /// <summary>
    /// Blocks <paramref name="model"/> and every model whose actor lives on the same node: when one of them cannot be
    /// reached, its node is likely gone, and each of the others would cost a request the same wait to find out.
    /// </summary>
    public void BlockNodeOf(ModelId model, DateTimeOffset until)
    {
        Block(model, until);
        if (!_nodes.TryGetValue(model, out var node)) return;
        foreach (var (other, host) in _nodes)
            if (host == node) Block(other, until);
    }

    public void Block(ModelId model, DateTimeOffset until, bool rateLimited = false) =>
        _blocked.AddOrUpdate(model, new Entry(until, rateLimited), (_, current) => until > current.Until ? new Entry(until, rateLimited) : current);

    public void Clear(ModelId model) => _blocked.TryRemove(model, out _);

    public DateTimeOffset? BlockedUntil(ModelId model, DateTimeOffset now)
    {
        if (!_blocked.TryGetValue(model, out var entry)) return null;
        if (entry.Until > now) return entry.Until;
        _blocked.TryRemove(KeyValuePair.Create(model, entry));
        return null;
    }

    /// <summary>Whether the model's current rest is a rate limit (as opposed to an open circuit or a missing model).</summary>
    public bool IsRateLimited(ModelId model) => _blocked.TryGetValue(model, out var entry) && entry.RateLimited;

    private sealed record Entry(DateTimeOffset Until, bool RateLimited);
}
