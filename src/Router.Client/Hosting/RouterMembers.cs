using Akka.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Observability;
using Router.Client.Chat;
using Router.Client.Configuration;

namespace Router.Client.Hosting;

/// <summary>An application's own member of a Router cluster, from dependency injection.</summary>
public static class RouterMembers
{
    /// <summary>
    /// Joins the Router cluster as a client member: it hosts no model, routes this application's requests itself
    /// (no HTTP hop) and lets the cluster's router nodes call the models. It reads Router's variables from
    /// <paramref name="configuration"/>: ROUTER_SEED_NODES (default: a node on this machine,
    /// akka.tcp://router@127.0.0.1:4053) or ROUTER_DISCOVERY, ROUTER_HOSTNAME and ROUTER_PORT (default 127.0.0.1, a
    /// free port), remoting TLS, and the routing variables (OPENROUTER_DEFAULT_MODEL, OPENROUTER_FALLBACK_MODELS,
    /// ROUTER_MAX_ATTEMPTS, ROUTER_DEFAULT_SORT, timeouts, daily caps). Registers <see cref="RouterClient"/> and
    /// <see cref="RouterChatClient"/>; <see cref="AddRouterChatClient"/> makes the latter the application's
    /// <see cref="IChatClient"/>. A bad value throws <see cref="RouterConfigurationException"/> naming it.
    /// </summary>
    public static IServiceCollection AddRouterNode(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = RouterSettings.LoadEmbedded(configuration);
        services.AddRouterRouting(settings, RouterMetrics.ForProcess());
        services.AddSingleton(sp => new RouterChatClient(sp.GetRequiredService<RouterClient>(), settings.DefaultModel));
        return services.AddAkka(RouterCluster.SystemName, (builder, sp) => builder
            .WithRouterMembership(settings, sp.GetRequiredService<TimeProvider>(), Akka.Event.LogLevel.WarningLevel)
            .AddRouterProxies()
            .AddRouterRoutingActors(sp)
            .WithRouterOverrides(settings));
    }

    /// <summary>
    /// The member's <see cref="RouterChatClient"/> as the application's <see cref="IChatClient"/>; returns M.E.AI's
    /// builder for its middleware (<c>.UseFunctionInvocation()</c>, <c>.UseOpenTelemetry()</c>, ...).
    /// </summary>
    public static ChatClientBuilder AddRouterChatClient(this IServiceCollection services) =>
        services.AddChatClient(sp => sp.GetRequiredService<RouterChatClient>());
}
