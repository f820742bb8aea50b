using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Router.FakeOpenRouter;

/// <summary>The fake OpenRouter hosted in-process on a loopback port (0 = a free one).</summary>
public sealed class FakeOpenRouterServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOpenRouterServer(WebApplication app, FakeScript script, FakeOpenRouterOptions options)
    {
        _app = app;
        Script = script;
        Options = options;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        RootUrl = address.TrimEnd('/');
    }

    public FakeScript Script { get; }
    public FakeOpenRouterOptions Options { get; }

    /// <summary>e.g. http://127.0.0.1:41234</summary>
    public string RootUrl { get; }

    /// <summary>The OpenRouter-style API base, e.g. http://127.0.0.1:41234/api/v1</summary>
    public string BaseUrl => RootUrl + FakeOpenRouterApp.ApiPrefix;

    public string ApiKey => Options.ApiKey;

    public static async Task<FakeOpenRouterServer> StartAsync(FakeOpenRouterOptions? options = null, int port = 0, CancellationToken ct = default)
    {
        options ??= new FakeOpenRouterOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var script = app.MapFakeOpenRouter(options);
        await app.StartAsync(ct);
        return new FakeOpenRouterServer(app, script, options);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
    }
}
