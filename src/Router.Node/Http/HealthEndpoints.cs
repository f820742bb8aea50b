using Akka.Actor;
using Akka.Cluster;
using Router.Actors.Catalog;

namespace Router.Node.Http;

/// <summary><c>/health</c>: the process answers. <c>/ready</c>: this node is an Up cluster member and has a catalog.</summary>
public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/ready", (ActorSystem system, CatalogReplica replica) =>
        {
            var cluster = Cluster.Get(system);
            var member = cluster.SelfMember.Status;
            var catalog = replica.Current;
            var problems = new List<string>();
            if (member != MemberStatus.Up) problems.Add($"cluster member status is {member}");
            if (!catalog.IsLoaded) problems.Add("model catalog not loaded yet");
            var body = new
            {
                status = problems.Count == 0 ? "ready" : "not_ready",
                node = cluster.SelfAddress.ToString(),
                cluster = member.ToString(),
                members_up = cluster.State.Members.Count(m => m.Status == MemberStatus.Up),
                catalog_models = catalog.Models.Count,
                problems,
            };
            return Results.Json(body, HttpResults.Json, statusCode: problems.Count == 0 ? 200 : 503);
        });
    }
}
