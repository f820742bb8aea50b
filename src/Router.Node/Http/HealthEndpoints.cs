using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Router.Actors.Catalog;
using Router.Node.Hosting;

namespace Router.Node.Http;

/// <summary>
/// <c>/health</c>: the process and its actor system run. <c>/ready</c>: this node is an Up cluster member, its journal
/// and snapshot store answer, and it has a catalog; otherwise 503 with the failing checks under <c>problems</c>.
/// </summary>
public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(RouterHealthChecks.Liveness),
            ResponseWriter = (http, report) => http.Response.WriteAsJsonAsync(
                new { status = report.Status == HealthStatus.Unhealthy ? "unhealthy" : "ok", problems = Problems(report) }, HttpResults.Json),
        });
        app.MapHealthChecks("/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(RouterHealthChecks.Readiness),
            ResponseWriter = WriteReadinessAsync,
        });
    }

    private static Task WriteReadinessAsync(HttpContext http, HealthReport report)
    {
        var cluster = Cluster.Get(http.RequestServices.GetRequiredService<ActorSystem>());
        var body = new
        {
            status = report.Status == HealthStatus.Unhealthy ? "not_ready" : "ready",
            node = cluster.SelfAddress.ToString(),
            cluster = cluster.SelfMember.Status.ToString(),
            members_up = cluster.State.Members.Count(m => m.Status == MemberStatus.Up),
            catalog_models = http.RequestServices.GetRequiredService<CatalogReplica>().Current.Models.Count,
            problems = Problems(report),
        };
        return http.Response.WriteAsJsonAsync(body, HttpResults.Json);
    }

    private static List<string> Problems(HealthReport report) =>
        report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy)
            .Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? "unhealthy"}")
            .ToList();
}
