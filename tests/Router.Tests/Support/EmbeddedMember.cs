using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Router.Actors.Routing;
using Router.Client;
using Router.Client.Hosting;

namespace Router.Tests.Support;

/// <summary>
/// An application in this process that embeds a Router member as a .NET app would: a generic host with
/// <c>AddRouterNode(configuration)</c> and <c>AddRouterChatClient().UseFunctionInvocation()</c>.
/// </summary>
public sealed class EmbeddedMember : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedMember(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    /// <summary>The application's IChatClient: Router's, behind M.E.AI's function invocation.</summary>
    public IChatClient Chat => Services.GetRequiredService<IChatClient>();

    public RouterClient Router => Services.GetRequiredService<RouterClient>();

    /// <summary>Joins the cluster of <paramref name="seed"/> and returns once this member has the catalog.</summary>
    public static async Task<EmbeddedMember> JoinAsync(string seed, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var member = await StartAsync(seed, settings);
        try
        {
            await member.Router.GetAvailableModelsAsync(TimeSpan.FromSeconds(60));
            return member;
        }
        catch
        {
            await member.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the application, its member trying to join <paramref name="seed"/>; returns at once.</summary>
    public static async Task<EmbeddedMember> StartAsync(string seed, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["ROUTER_SEED_NODES"] = seed,
        });
        builder.Services.AddRouterNode(builder.Configuration);
        // These tests are about answers, not failover (ClusterFailoverTests): on two busy cores, a member's first call
        // through a shard it has not located yet was once silent past the 3 s liveness limit, and fell back.
        var routing = (RoutingSettings)builder.Services.Single(d => d.ServiceType == typeof(RoutingSettings)).ImplementationInstance!;
        builder.Services.Replace(ServiceDescriptor.Singleton(routing with { UnreachableAfter = TimeSpan.FromSeconds(30) }));
        builder.Services.AddRouterChatClient().UseFunctionInvocation();
        var host = builder.Build();
        await host.StartAsync();
        return new EmbeddedMember(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(20));
        _host.Dispose();
    }
}
