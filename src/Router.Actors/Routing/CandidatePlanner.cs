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
    public static IReadOnlyList<ModelId> Plan(RouteRequest route, RoutingSettings settings, CatalogView catalog)
    {
        var request = route.Request;
        if (route.Strict)
            return string.IsNullOrWhiteSpace(request.Model) ? [] : [new ModelId(request.Model)];

        var seen = new HashSet<ModelId>();
        var plan = new List<ModelId>();
        void Add(ModelId id)
        {
            if (!string.IsNullOrWhiteSpace(id.Value) && seen.Add(id)) plan.Add(id);
        }

        if (!string.IsNullOrWhiteSpace(request.Model)) Add(new ModelId(request.Model));
        foreach (var model in request.Models ?? []) Add(new ModelId(model));
        if (settings.DefaultModel is { } defaultModel) Add(defaultModel);
        foreach (var model in settings.FallbackModels) Add(model);
        foreach (var model in catalog.ByContextLength) Add(model);
        return plan;
    }
}
