using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Router.Actors.Catalog;
using Router.Actors.Models;
using Router.Actors.Observability;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Node.Http;

/// <summary>The model list (OpenAI shape, OpenRouter fields kept), one model, a model's health, the catalog's status.</summary>
public static class ModelEndpoints
{
    public static void MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", ListAsync);
        app.MapGet("/api/v1/models", ListAsync);
        app.MapGet("/v1/models/{**id}", GetAsync);
        app.MapGet("/api/v1/models/{**id}", GetAsync);
        app.MapGet("/router/models/{**id}", HealthAsync);
        app.MapGet("/router/models", (ModelHealthBoard board, CatalogReplica replica) =>
            Results.Json(ModelStatusJson.List(board.All, board, replica.Current), HttpResults.Json));
        app.MapPost("/router/catalog/refresh", RefreshAsync);
        app.MapGet("/router/catalog", (CatalogReplica replica) =>
        {
            var update = replica.Current.Update;
            return Results.Json(new
            {
                models = update.Models.Count,
                version = update.Version,
                fetched_at = update.FetchedAt,
                fetch_successes = update.FetchSuccesses,
                fetch_failures = update.FetchFailures,
                last_error = update.LastError,
                last_failure_at = update.LastFailureAt,
            }, HttpResults.Json);
        });
    }

    /// <summary>Concurrent refreshes share one fetch, and one starts at most once per minimum interval (202, else 429).</summary>
    private static async Task RefreshAsync(HttpContext http, IRequiredActor<CatalogSingleton> catalog)
    {
        CatalogRefreshAnswer answer;
        try
        {
            answer = await catalog.ActorRef.Ask<CatalogRefreshAnswer>(RefreshCatalog.Instance, HealthTimeout, http.RequestAborted);
        }
        catch (AskTimeoutException)
        {
            await HttpResults.WriteErrorAsync(http, new OpenAiError("The catalog singleton did not answer in time; retry shortly",
                "server_error", null, "catalog_unreachable", 503, null, true, false), retryAfter: HealthTimeout);
            return;
        }
        if (answer is { Outcome: CatalogRefreshOutcome.TooSoon, RetryAt: { } retryAt })
        {
            await HttpResults.WriteErrorAsync(http, new OpenAiError($"The catalog was refreshed moments ago; the next refresh may start at {retryAt:O}",
                "rate_limit_error", null, "refresh_too_soon", 429, null, true, true), retryAfter: retryAt - DateTimeOffset.UtcNow);
            return;
        }
        http.Response.StatusCode = StatusCodes.Status202Accepted;
        http.Response.Headers.Location = "/router/catalog";
        await http.Response.WriteAsJsonAsync(new { refresh = answer.Outcome == CatalogRefreshOutcome.Started ? "started" : "in_progress" }, HttpResults.Json);
    }

    private static async Task ListAsync(HttpContext http, CatalogReplica replica)
    {
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(ModelListJson.For(replica.Current), http.RequestAborted);
    }

    /// <summary>
    /// A model id from the path, whichever way its slash arrived: Kestrel decodes a path except <c>%2F</c>, which
    /// clients such as the openai SDK send for the slash inside an id (<c>/v1/models/openai%2Fgpt-4o</c>).
    /// </summary>
    private static string ModelIdOf(string path) => path.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static Task GetAsync(HttpContext http, string id, CatalogReplica replica)
    {
        id = ModelIdOf(id);
        if (!replica.Current.ById.TryGetValue(id, out var model))
            return HttpResults.WriteErrorAsync(http, NotInCatalog(id));
        return http.Response.WriteAsJsonAsync(ModelListJson.ToOpenAi(model), HttpResults.Json);
    }

    /// <summary>
    /// Only catalog models have an actor to ask (any other id would start one). A model whose actor does not answer in
    /// time (its node just died and its shard has not moved yet) is a 503, not an error in Router.
    /// </summary>
    private static async Task HealthAsync(HttpContext http, string id, IRequiredActor<ModelShardRegion> region, CatalogReplica replica, ModelHealthBoard board)
    {
        id = ModelIdOf(id);
        var model = new ModelId(id);
        if (!replica.Current.Contains(model))
        {
            await HttpResults.WriteErrorAsync(http, NotInCatalog(id));
            return;
        }
        ModelHealthView view;
        try
        {
            view = await region.ActorRef.Ask<ModelHealthView>(new GetModelHealth(model), HealthTimeout, http.RequestAborted);
        }
        catch (AskTimeoutException)
        {
            await HttpResults.WriteErrorAsync(http, new OpenAiError(
                $"The actor of model '{id}' did not answer within {HealthTimeout.TotalSeconds:0} s (its node may be down; its state moves to another node)",
                "server_error", null, "model_actor_unreachable", 503, id, true, false), retryAfter: HealthTimeout);
            return;
        }
        await http.Response.WriteAsJsonAsync(ModelStatusJson.List([view], board, replica.Current)[0], HttpResults.Json);
    }

    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(5);

    private static OpenAiError NotInCatalog(string id) =>
        new($"The model '{id}' does not exist", "invalid_request_error", "model", "model_not_found", 404, id, false, false);
}

/// <summary>The <c>/v1/models</c> body, built once per catalog version.</summary>
internal static class ModelListJson
{
    // Keyed by the model list itself: a failed fetch changes the view's status, not its models.
    private static (IReadOnlyList<ModelInfo> Models, byte[] Json) _cache = (CatalogView.Empty.Models, "{\"object\":\"list\",\"data\":[]}"u8.ToArray());

    public static byte[] For(CatalogView view)
    {
        var cache = _cache;
        if (ReferenceEquals(cache.Models, view.Models)) return cache.Json;
        var json = JsonSerializer.SerializeToUtf8Bytes(new { @object = "list", data = view.Models.Select(ToOpenAi) }, HttpResults.Json);
        _cache = (view.Models, json);
        return json;
    }

    public static Dictionary<string, JsonElement> ToOpenAi(ModelInfo model)
    {
        var fields = JsonSerializer.SerializeToElement(model, RouterJsonContext.Default.ModelInfo)
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        fields["object"] = JsonSerializer.SerializeToElement("model");
        fields["owned_by"] = JsonSerializer.SerializeToElement(model.Id.Split('/')[0]);
        fields.TryAdd("created", JsonSerializer.SerializeToElement(0));
        return fields;
    }
}
