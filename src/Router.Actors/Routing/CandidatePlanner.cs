using Router.Actors.Catalog;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>
/// The order in which a request tries models: the request's <c>model</c>, its <c>models</c> list, the configured
/// default, the configured fallbacks, then every catalog model by context length (largest first); no duplicates.
/// Strict requests try only their own model.
/// </summary>
public static class CandidatePlanner
{
    /// <summary>Lazily: a request that succeeds on its first candidate never walks the catalog.</summary>
    public static IEnumerable<ModelId> Plan(RouteRequest route, RoutingSettings settings, CatalogView catalog)
    {
        var request = route.Request;
        if (route.Strict)
        {
            if (!string.IsNullOrWhiteSpace(request.Model)) yield return new ModelId(request.Model);
            yield break;
        }

        var seen = new HashSet<ModelId>();
        if (!string.IsNullOrWhiteSpace(request.Model) && seen.Add(new ModelId(request.Model))) yield return new ModelId(request.Model);
        foreach (var model in request.Models ?? [])
            if (!string.IsNullOrWhiteSpace(model) && seen.Add(new ModelId(model))) yield return new ModelId(model);
        if (settings.DefaultModel is { } defaultModel && seen.Add(defaultModel)) yield return defaultModel;
        foreach (var model in settings.FallbackModels)
            if (seen.Add(model)) yield return model;
        foreach (var model in catalog.ByContextLength)
            if (seen.Add(model)) yield return model;
    }
}
