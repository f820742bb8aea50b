using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Router.Actors.Catalog;

namespace Router.Node.Hosting;

/// <summary>
/// The node's health checks, registered with Akka.Hosting and served by ASP.NET Core's health checks:
/// <c>/health</c> runs the liveness checks, <c>/ready</c> the readiness checks.
/// </summary>
public static class RouterHealthChecks
{
    public const string Liveness = "liveness";
    public const string Readiness = "readiness";
    public const string Catalog = "model-catalog";

    private static readonly Task<HealthCheckResult> CatalogLoaded = Task.FromResult(HealthCheckResult.Healthy("model catalog loaded"));
    private static readonly Task<HealthCheckResult> CatalogMissing = Task.FromResult(HealthCheckResult.Unhealthy("model catalog not loaded yet"));

    /// <summary>Alive: the actor system runs. Ready: an Up cluster member with a catalog (the journal checks come with persistence).</summary>
    public static AkkaConfigurationBuilder AddRouterHealthChecks(this AkkaConfigurationBuilder builder, CatalogReplica replica) =>
        builder
            .WithActorSystemLivenessCheck(HealthStatus.Unhealthy, [Liveness])
            .WithAkkaClusterReadinessCheck(HealthStatus.Unhealthy, [Readiness])
            .WithHealthCheck(Catalog, (_, _, _) => replica.Current.IsLoaded ? CatalogLoaded : CatalogMissing, HealthStatus.Unhealthy, [Readiness]);
}
