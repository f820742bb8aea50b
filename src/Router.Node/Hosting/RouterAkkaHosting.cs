using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Router.Actors.Caching;
using Router.Actors.Catalog;
using Router.Actors.Models;
using Router.Actors.Observability;
using Router.Actors.Routing;
using Router.Actors.OpenRouter;
using Router.Actors.Quota;
using Router.Client.Configuration;
using Router.Client.Hosting;

namespace Router.Node.Hosting;

public static class RouterAkkaHosting
{
    /// <summary>
    /// The ActorSystem: membership (remoting, clustering, discovery, the serializer; <see cref="RouterCluster"/>),
    /// persistence, health checks, model and quota shards, the catalog singleton and its replica, the coordinators.
    /// ROUTER_AKKA_HOCON goes over everything.
    /// </summary>
    public static IServiceCollection AddRouterAkka(this IServiceCollection services, RouterSettings settings)
    {
        var hostsModels = settings.Roles.Contains(RouterCluster.RouterRole);

        var drain = new ReadinessDrain(settings.ShutdownDelay);
        services.AddSingleton(drain).AddHostedService(_ => drain);
        services.AddHealthChecks().AddCheck("stopping", drain, HealthStatus.Unhealthy, [RouterHealthChecks.Readiness]);
        return services.AddAkka(RouterCluster.SystemName, (builder, sp) =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            builder
                .WithRouterMembership(settings, time)
                .AddRouterPersistence(settings, [RouterHealthChecks.Readiness])
                .AddRouterHealthChecks(sp.GetRequiredService<CatalogReplica>());

            if (hostsModels)
            {
                builder
                    .AddModelShards(sp.GetRequiredService<ModelActorSettings>(), RouterCluster.RouterRole)
                    .AddQuotaShards(RouterCluster.RouterRole)
                    .AddCacheShards(sp.GetRequiredService<CacheSettings>(), RouterCluster.RouterRole)
                    .AddCatalogSingleton(sp.GetRequiredService<OpenRouterClient>(), sp.GetRequiredService<CatalogSettings>(), time, RouterCluster.RouterRole);
            }
            else
                builder.AddRouterProxies();
            builder
                .AddRouterRoutingActors(sp)
                .WithRouterOverrides(settings);
        });
    }
}
