using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.FakeOpenRouter;

/// <summary>The fake's HTTP endpoints, mapped onto any <see cref="WebApplication"/>.</summary>
public static class FakeOpenRouterApp
{
    public const string ApiPrefix = "/api/v1";

    public static FakeScript MapFakeOpenRouter(this WebApplication app, FakeOpenRouterOptions options)
    {
        var script = new FakeScript { Default = options.DefaultBehavior };
        script.SetCatalog(options.Models ?? SyntheticCatalog.Generate(options.ModelCount, options.Seed));
        foreach (var (model, behavior) in options.Behaviors ?? new Dictionary<string, FakeBehavior>())
            script.Set(model, behavior);

        var api = app.MapGroup(ApiPrefix);
        api.MapGet("/models", (HttpContext http) => ModelsAsync(http, script));
        api.MapGet("/key", (HttpContext http) => KeyAsync(http, options));
        api.MapPost("/chat/completions", (HttpContext http) => new FakeChatHandler(script, options).HandleAsync(http));

        // Scripting over HTTP, for out-of-process use (benchmarks, the demo).
        var admin = app.MapGroup("/_fake");
        admin.MapPut("/behaviors/{**model}", async (string model, HttpContext http) =>
        {
            var behavior = await http.Request.ReadFromJsonAsync<FakeBehavior>(FakeJson.Options);
            script.Set(model, behavior ?? FakeBehavior.Ok);
            return Results.NoContent();
        });
        admin.MapPut("/default", async (HttpContext http) =>
        {
            script.Default = await http.Request.ReadFromJsonAsync<FakeBehavior>(FakeJson.Options) ?? FakeBehavior.Ok;
            return Results.NoContent();
        });
        admin.MapDelete("/behaviors", () => { script.Reset(); return Results.NoContent(); });
        admin.MapPut("/catalog", (int count) =>
        {
            script.SetCatalog(SyntheticCatalog.Generate(count, options.Seed));
            return Results.NoContent();
        });
        admin.MapGet("/calls", () => Results.Json(new { total = script.TotalCalls, cancelled = script.CancelledCalls, by_model = script.Calls }));
        return script;
    }

    private static async Task ModelsAsync(HttpContext http, FakeScript script)
    {
        if (script.ModelsStatusCode is { } status)
        {
            await FakeResponses.WriteErrorAsync(http, status, FakeResponses.MessageFor(status, "models"), retryAfterSeconds: null);
            return;
        }
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(script.CatalogJson, http.RequestAborted);
    }

    private static Task KeyAsync(HttpContext http, FakeOpenRouterOptions options)
    {
        if (!FakeResponses.IsAuthorized(http, options.ApiKey))
            return FakeResponses.WriteErrorAsync(http, 401, "User not found.", null);
        var info = new KeyInfoEnvelope(new KeyInfo
        {
            Label = "fake-" + options.ApiKey[..Math.Min(4, options.ApiKey.Length)] + "...",
            Usage = 0,
            Limit = null,
            IsFreeTier = false,
            RateLimit = new KeyRateLimit(options.RateLimitRequests, "10s"),
        });
        return http.Response.WriteAsJsonAsync(info, RouterJsonContext.Default.KeyInfoEnvelope);
    }
}

/// <summary>The fake's scripting JSON (behaviours over HTTP and in script files): camelCase, as web clients write it.</summary>
public static class FakeJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

internal static class FakeResponses
{
    public static bool IsAuthorized(HttpContext http, string apiKey) =>
        http.Request.Headers.Authorization.ToString() == "Bearer " + apiKey;

    public static async Task WriteErrorAsync(HttpContext http, int status, string message, int? retryAfterSeconds)
    {
        http.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds)
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = new ErrorEnvelope(new ErrorDetail
        {
            Code = JsonSerializer.SerializeToElement(status),
            Message = message,
        });
        await http.Response.WriteAsJsonAsync(body, RouterJsonContext.Default.ErrorEnvelope);
    }

    public static string MessageFor(int status, string model) => status switch
    {
        400 => "Invalid request",
        401 => "User not found.",
        402 => "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
        403 => "Input was flagged by moderation",
        404 => $"No endpoints found for {model}.",
        408 => "Request timed out",
        429 => $"{model} is temporarily rate-limited upstream. Please retry shortly.",
        500 => "Internal Server Error",
        502 => "Provider returned error",
        503 => "No available providers for this model",
        _ => $"Fake error {status}",
    };
}
