using Router.Contracts;
using Router.Node.Http;

namespace Router.Node.Security;

/// <summary>
/// Requires a client key (<c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>) on the API when keys are
/// configured; <c>/health</c> and <c>/ready</c> stay open for load balancers. Stores the caller's key id for quotas.
/// </summary>
public static class ApiKeyMiddleware
{
    public const string ClientIdItem = "router.client";

    public static string ClientId(this HttpContext http) => http.Items[ClientIdItem] as string ?? ApiKeyRing.Anonymous;

    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app, ApiKeyRing ring) => app.Use(async (http, next) =>
    {
        if (!ring.Enabled || !IsProtected(http.Request.Path))
        {
            await next(http);
            return;
        }
        var presented = http.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? auth["Bearer ".Length..].Trim()
            : http.Request.Headers["X-Api-Key"].ToString();
        if (string.IsNullOrEmpty(presented) && http.Request.Path == "/router/health")
            presented = http.Request.Query["key"].ToString(); // a browser opening the live page
        if (ring.Identify(presented) is not { } id)
        {
            await HttpResults.WriteErrorAsync(http, new OpenAiError(
                string.IsNullOrEmpty(presented) ? "Missing API key: send Authorization: Bearer <key>" : "Invalid API key",
                "invalid_request_error", null, "invalid_api_key", 401, null, false, false));
            return;
        }
        http.Items[ClientIdItem] = id;
        await next(http);
    });

    private static bool IsProtected(PathString path) =>
        path.StartsWithSegments("/v1") || path.StartsWithSegments("/api") || path.StartsWithSegments("/router") || path.StartsWithSegments("/metrics");
}
