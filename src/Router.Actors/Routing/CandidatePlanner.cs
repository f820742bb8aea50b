using Router.Actors.Catalog;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Routing;

/// <summary>A model to try, its place in the request's plan (1 first) and why it stands there.</summary>
public readonly record struct Candidate(ModelId Model, int Rank, string Placed);

/// <summary>
/// The order in which a request tries models. Under <c>priority</c>: the request's <c>model</c>, its <c>models</c>
/// list, the configured default, the configured fallbacks, then every catalog model by context length (largest
/// first); no duplicates. Under another sort the request's own models still come first (sorted among themselves)
/// unless <c>router.listed_first</c> is false, and the rest is sorted, ties keeping the priority order. A sort that
/// reads measurements puts a model not measured yet first (in each of the two groups) in a share of requests
/// (<see cref="RoutingSettings.ExplorationRate"/>, at most once per <see cref="ModelHealthBoard.ExplorationSpacing"/>
/// on a node), so every model gets measured. Strict requests try only their own model.
/// </summary>
public static class CandidatePlanner
{
    /// <summary>
    /// Lazily: a request that succeeds on its first candidate never walks the catalog, and a sorted plan starts from
    /// the few models that can lead (<see cref="CatalogRanking"/>); only a request that goes past them sorts the rest.
    /// </summary>
    public static IEnumerable<Candidate> Plan(RouteRequest route, RoutingSettings settings, CatalogView catalog,
        ModelHealthBoard? board = null, RouteConstraints? constraints = null, TimeProvider? time = null)
    {
        var request = route.Request;
        if (route.Strict)
        {
            if (!string.IsNullOrWhiteSpace(request.Model)) yield return new Candidate(new ModelId(request.Model), 1, "strict: the requested model only");
            yield break;
        }

        var sort = request.RouterOptions?.Sort ?? settings.DefaultSort;
        if (sort == RouteSort.Priority || !catalog.IsLoaded)
        {
            foreach (var candidate in PriorityOrder(request, settings, catalog))
                yield return candidate;
            yield break;
        }

        var listed = Distinct(Listed(request), []);
        var configured = Distinct(Configured(settings), listed);
        var rank = 0;

        board ??= new ModelHealthBoard();
        var table = board.RankingFor(catalog);
        var ranker = new CandidateRanker(table, sort, request, constraints ?? RouteConstraints.For(request));
        var explore = ranker.Measures && settings.ExplorationRate > 0 && Random.Shared.NextDouble() < settings.ExplorationRate
            && board.TryExplore((time ?? TimeProvider.System).GetElapsedTime(0).Ticks); // monotonic
        var sortName = sort.ToString().ToLowerInvariant();
        var listedFirst = request.RouterOptions?.ListedFirst ?? true;
        if (listedFirst)
            foreach (var candidate in RankFew(listed, table, ranker, explore, "listed"))
                yield return candidate with { Rank = ++rank };

        // The rest; the configured models (and the listed ones, when not first) win ties, in priority order.
        var preferred = listedFirst ? configured : [.. listed, .. configured];
        var excluded = listedFirst ? Indices(listed, table) : [];
        foreach (var i in CatalogRanking.Order(table, ranker, Indices(preferred, table), excluded, explore))
            yield return new Candidate(table.Ids[i.Index], ++rank, (i.Explored ? "explored, not measured yet; " : $"sort {sortName}; ") + ranker.Explain(i.Index));
        foreach (var (model, placed) in preferred)
            if (table.IndexOf(model) < 0)
                yield return new Candidate(model, ++rank, placed + ", not in the catalog");
    }

    /// <summary>The configured order, lazily and with one set of the models already yielded.</summary>
    private static IEnumerable<Candidate> PriorityOrder(ChatCompletionRequest request, RoutingSettings settings, CatalogView catalog)
    {
        var seen = new HashSet<ModelId>();
        var rank = 0;
        foreach (var (model, placed) in Listed(request).Concat(Configured(settings)))
            if (seen.Add(model))
                yield return new Candidate(model, ++rank, placed);
        foreach (var model in catalog.ByContextLength)
            if (seen.Add(model))
                yield return new Candidate(model, ++rank, $"catalog, context {catalog.ById[model.Value].ContextLength}");
    }

    /// <summary>A short list (the request's own models) in the sort's order, ties keeping theirs.</summary>
    private static IEnumerable<Candidate> RankFew(List<(ModelId Model, string Placed)> models, RankingTable table, CandidateRanker ranker, bool explore, string tier)
    {
        var ranked = models.Select((m, position) => (m.Model, m.Placed, Index: table.IndexOf(m.Model), position))
            .Select(m => (m.Model, m.Placed, m.Index, m.position, Key: m.Index < 0 ? double.PositiveInfinity : ranker.Key(m.Index)))
            .OrderBy(m => m.Key).ThenBy(m => m.position).ToList();
        if (explore && ranked.FindIndex(m => m.Index >= 0 && ranker.Unmeasured(m.Index) && ranker.Allowed(m.Index)) is var first and > 0)
        {
            var pick = ranked[first];
            ranked.RemoveAt(first);
            ranked.Insert(0, pick with { Placed = pick.Placed + ", explored" });
        }
        foreach (var m in ranked)
            yield return new Candidate(m.Model, 0, m.Index < 0 ? $"{tier}: {m.Placed}, not in the catalog" : $"{tier}: {m.Placed}; {ranker.Explain(m.Index)}");
    }

    private static IEnumerable<(ModelId Model, string Placed)> Listed(ChatCompletionRequest request)
    {
        if (!string.IsNullOrWhiteSpace(request.Model)) yield return (new ModelId(request.Model), "requested model");
        var models = request.Models ?? [];
        for (var i = 0; i < models.Count; i++)
            if (!string.IsNullOrWhiteSpace(models[i])) yield return (new ModelId(models[i]), $"models[{i}]");
    }

    private static IEnumerable<(ModelId Model, string Placed)> Configured(RoutingSettings settings)
    {
        if (settings.DefaultModel is { } defaultModel) yield return (defaultModel, "default model");
        for (var i = 0; i < settings.FallbackModels.Count; i++) yield return (settings.FallbackModels[i], $"fallback {i + 1}");
    }

    private static List<(ModelId Model, string Placed)> Distinct(IEnumerable<(ModelId Model, string Placed)> models, List<(ModelId Model, string Placed)> before)
    {
        var seen = before.Select(b => b.Model).ToHashSet();
        return models.Where(m => seen.Add(m.Model)).ToList();
    }

    private static int[] Indices(List<(ModelId Model, string Placed)> models, RankingTable table) =>
        models.Select(m => table.IndexOf(m.Model)).Where(i => i >= 0).ToArray();
}
