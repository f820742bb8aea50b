using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Router.Actors.Caching;
using Router.Actors.Catalog;
using Router.Actors.Models;
using Router.Actors.Observability;
using Router.Actors.Quota;
using Router.Actors.Routing;
using Router.Client.Configuration;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Client.Hosting;

/// <summary>
/// What routes requests on a member, server node or embedded client alike: the catalog replica, the health board,
/// the routing settings and context, the coordinators, the daily caps' gates, and <see cref="RouterClient"/>.
/// </summary>
public static class RoutingServices
{
    /// <param name="attemptTimeout">Null: from the upstream's timeouts in the settings (<see cref="RoutingSettings.AttemptTimeoutFor"/>).</param>
    public static IServiceCollection AddRouterRouting(this IServiceCollection services, RouterSettings settings, RouterMetrics metrics, TimeSpan? attemptTimeout = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(settings);
        services.AddSingleton(metrics);
        var board = new ModelHealthBoard();
        services.AddSingleton(board);
        services.AddSingleton(new CatalogReplica(metrics, view => board.Prepare(view, sortsByDefault: settings.DefaultSort != RouteSort.Priority)));
        services.AddSingleton(sp => new QuotaGate(sp.GetRequiredService<IRequiredActor<QuotaShardRegion>>().ActorRef,
            settings.DailyRequestCap, settings.PerKeyDailyRequestCap, sp.GetRequiredService<TimeProvider>(), metrics));
        services.AddSingleton(sp => new BudgetGate(sp.GetRequiredService<IRequiredActor<QuotaShardRegion>>().ActorRef,
            settings.DailySpendCapUsd, settings.PerKeyDailySpendCapUsd, sp.GetRequiredService<TimeProvider>(), metrics));
        services.AddSingleton(sp => new DailyLimits(sp.GetRequiredService<QuotaGate>(), sp.GetRequiredService<BudgetGate>(),
            sp.GetRequiredService<CatalogReplica>(), metrics, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new RoutingSettings
        {
            DefaultModel = settings.DefaultModel is { } m ? new ModelId(m) : null,
            FallbackModels = settings.FallbackModels.Select(f => new ModelId(f)).ToList(),
            MaxAttempts = settings.MaxAttempts,
            DefaultSort = settings.DefaultSort,
            ExplorationRate = settings.SortExploration,
            AttemptTimeout = attemptTimeout ?? RoutingSettings.AttemptTimeoutFor(settings.OpenRouter),
            RequestTimeout = settings.RequestTimeout,
        });
        services.AddSingleton(sp => new RoutingContext(
            sp.GetRequiredService<IRequiredActor<ModelShardRegion>>().ActorRef,
            sp.GetRequiredService<CatalogReplica>(),
            sp.GetRequiredService<ModelHealthBoard>(),
            sp.GetRequiredService<RoutingSettings>(),
            sp.GetRequiredService<TimeProvider>()) { Metrics = metrics });
        services.AddSingleton(sp => new Coordinators(sp.GetRequiredService<IRequiredActor<CoordinatorPool>>(), sp.GetRequiredService<RoutingContext>()));
        // One materializer for the node or member, created when the actor system is up.
        services.AddSingleton<IMaterializer>(sp => sp.GetRequiredService<ActorSystem>().Materializer(namePrefix: "router-streams"));
        services.AddSingleton(sp => new ResponseCache(sp.GetRequiredService<IRequiredActor<CacheShardRegion>>().ActorRef, settings.CacheTtl is not null,
            settings.CachePerKey, settings.RequestTimeout, sp.GetRequiredService<ActorSystem>(),
            new FlightSettings(settings.CoalesceMaxWaiters, MaxBytes: settings.CacheMaxMegabytes * 1024L * 1024 / 16, Backlog: 4096,
                Linger: TimeSpan.FromSeconds(5), sp.GetRequiredService<IMaterializer>(), TimeProvider.System), metrics,
            sp.GetRequiredService<CatalogReplica>()));
        services.AddSingleton(sp => new RouterClient(sp.GetRequiredService<Coordinators>(), sp.GetRequiredService<CatalogReplica>(),
            sp.GetRequiredService<ActorSystem>(), sp.GetRequiredService<DailyLimits>(), metrics, settings.MaxMessages, settings.EmbeddedClientId,
            sp.GetRequiredService<ResponseCache>(), sp.GetRequiredService<IMaterializer>()));
        return services;
    }

    /// <summary>The actors routing needs on a member that hosts no shard: proxies to the router nodes' shards and singleton.</summary>
    public static AkkaConfigurationBuilder AddRouterProxies(this AkkaConfigurationBuilder builder) =>
        builder
            .AddModelShardsProxy(RouterCluster.RouterRole)
            .AddQuotaShardsProxy(RouterCluster.RouterRole)
            .AddCacheShardsProxy(RouterCluster.RouterRole)
            .AddCatalogSingletonProxy(RouterCluster.RouterRole);

    /// <summary>The routing actors every member runs: the catalog replica, the health listener, the coordinators.</summary>
    public static AkkaConfigurationBuilder AddRouterRoutingActors(this AkkaConfigurationBuilder builder, IServiceProvider sp) =>
        builder
            .AddCatalogReplica(sp.GetRequiredService<CatalogReplica>())
            .AddModelHealthListener(sp.GetRequiredService<ModelHealthBoard>(), sp.GetRequiredService<TimeProvider>())
            .AddCoordinators(sp.GetRequiredService<RoutingContext>);
}
