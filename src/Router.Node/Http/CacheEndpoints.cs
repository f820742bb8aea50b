using Router.Client.Configuration;
using Router.Actors.Caching;
using Router.Node.Configuration;

namespace Router.Node.Http;

/// <summary>The response cache's settings and this node's share of it; a purge of the whole cluster's.</summary>
public static class CacheEndpoints
{
    public static void MapCacheEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/router/cache", (RouterSettings settings, CacheSettings cache) => Results.Json(new
        {
            enabled = settings.CacheTtl is not null,
            ttl_seconds = settings.CacheTtl?.TotalSeconds,
            per_key = settings.CachePerKey,
            max_waiters = settings.CoalesceMaxWaiters,
            node = new { entries = cache.Memory.Count, bytes = cache.Memory.Bytes, max_bytes = cache.Memory.MaxBytes },
        }, HttpResults.Json));
        app.MapDelete("/router/cache", async (ResponseCache cache, HttpContext http) =>
            Results.Json(new { purged_buckets = await cache.PurgeAsync(http.RequestAborted) }, HttpResults.Json));
    }
}
