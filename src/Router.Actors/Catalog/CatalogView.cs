using System.Collections.Frozen;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Catalog;

/// <summary>An immutable, indexed copy of the catalog for the request path.</summary>
public sealed class CatalogView
{
    public static readonly CatalogView Empty = new(new CatalogUpdated([], null, 0, 0, 0, null, null));

    public CatalogView(CatalogUpdated update)
    {
        Update = update;
        ById = update.Models.GroupBy(m => m.Id, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        ByContextLength = update.Models
            .OrderByDescending(m => m.ContextLength ?? 0)
            .ThenBy(m => m.Id, StringComparer.Ordinal)
            .Select(m => new ModelId(m.Id))
            .Distinct()
            .ToArray();
    }

    private CatalogView(CatalogUpdated update, CatalogView sameModels)
    {
        Update = update;
        ById = sameModels.ById;
        ByContextLength = sameModels.ByContextLength;
    }

    /// <summary>The same models with a new fetch record (a failed fetch), without re-indexing them.</summary>
    public CatalogView WithStatus(CatalogUpdated update) => new(update with { Models = Models }, this);

    public CatalogUpdated Update { get; }
    public IReadOnlyList<ModelInfo> Models => Update.Models;
    public FrozenDictionary<string, ModelInfo> ById { get; }

    /// <summary>Every model, largest context first (ties by id): the tail of every candidate list.</summary>
    public IReadOnlyList<ModelId> ByContextLength { get; }

    public bool IsLoaded => Update.Models.Count > 0;

    /// <summary>Whether <paramref name="model"/> is a model of this catalog: the only ids that get a model actor.</summary>
    public bool Contains(ModelId model) => ById.ContainsKey(model.Value);
}

/// <summary>
/// This node's read-only replica of the catalog, swapped whole on each update. <paramref name="prepare"/> sees each new
/// version of the models before requests do.
/// </summary>
public sealed class CatalogReplica(Observability.RouterMetrics? metrics = null, Action<CatalogView>? prepare = null)
{
    private readonly Observability.RouterMetrics _metrics = metrics ?? Observability.RouterMetrics.Isolated();
    private volatile CatalogView _view = CatalogView.Empty;
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CatalogView Current => _view;

    /// <summary>
    /// Waits up to <paramref name="wait"/> for a catalog with models (restored from the snapshot or fetched) to reach
    /// this node; whether one did. Answers at once once loaded.
    /// </summary>
    public async Task<bool> WaitLoadedAsync(TimeSpan wait, CancellationToken ct = default)
    {
        if (_view.IsLoaded) return true;
        try
        {
            await _loaded.Task.WaitAsync(wait, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return _view.IsLoaded;
        }
    }

    /// <summary>Takes an update unless it is older than what the replica holds.</summary>
    public bool Apply(CatalogUpdated update)
    {
        var current = _view.Update;
        if (update.Version < current.Version) return false;
        if (update.Version == current.Version && update.FetchFailures == current.FetchFailures && update.FetchSuccesses == current.FetchSuccesses)
            return false;
        var newModels = update.Version != current.Version;
        var view = newModels ? new CatalogView(update) : _view.WithStatus(update);
        if (newModels) Prepare(view);
        _view = view;
        if (view.IsLoaded) _loaded.TrySetResult();
        _metrics.CatalogModels.Set(view.Models.Count);
        return true;
    }

    private void Prepare(CatalogView view)
    {
        try
        {
            prepare?.Invoke(view);
        }
        catch (Exception)
        {
            // Preparing only saves requests time; whatever failed here fails again, and is reported, where they need it.
        }
    }
}
