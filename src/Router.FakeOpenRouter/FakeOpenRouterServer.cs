using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Router.FakeOpenRouter;

/// <summary>The fake OpenRouter hosted in-process on loopback: HTTP/1.1 on one port, HTTP/2 (h2c) on another.</summary>
public sealed class FakeOpenRouterServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOpenRouterServer(WebApplication app, FakeScript script, FakeOpenRouterOptions options, int port, int h2cPort)
    {
        _app = app;
        Script = script;
        Options = options;
        RootUrl = $"http://127.0.0.1:{port}";
        H2cRootUrl = $"http://127.0.0.1:{h2cPort}";
    }

    public FakeScript Script { get; }
    public FakeOpenRouterOptions Options { get; }

    /// <summary>e.g. http://127.0.0.1:41234</summary>
    public string RootUrl { get; }

    /// <summary>The OpenRouter-style API base, e.g. http://127.0.0.1:41234/api/v1</summary>
    public string BaseUrl => RootUrl + FakeOpenRouterApp.ApiPrefix;

    /// <summary>The same fake over HTTP/2 with prior knowledge (h2c), e.g. http://127.0.0.1:41235</summary>
    public string H2cRootUrl { get; }

    /// <summary>The API base over h2c, e.g. http://127.0.0.1:41235/api/v1</summary>
    public string H2cBaseUrl => H2cRootUrl + FakeOpenRouterApp.ApiPrefix;

    public string ApiKey => Options.ApiKey;

    /// <summary>
    /// Serves HTTP/1.1 on <paramref name="port"/> and HTTP/2 with prior knowledge (h2c) on <paramref name="h2cPort"/>
    /// (0 = a free one): Kestrel offers cleartext HTTP/2 only on an endpoint that speaks nothing else.
    /// </summary>
    public static async Task<FakeOpenRouterServer> StartAsync(FakeOpenRouterOptions? options = null, int port = 0, int h2cPort = 0, CancellationToken ct = default)
    {
        options ??= new FakeOpenRouterOptions();
        var builder = WebApplication.CreateSlimBuilder();
        // The fake listens where it is told below, and nowhere else: the process's configuration (ASPNETCORE_URLS,
        // Kestrel__Endpoints__*, meant for the Router node it runs in) must not add endpoints to it.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        ListenOptions http1 = null!, h2c = null!;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port, o => http1 = o);
            k.Listen(IPAddress.Loopback, h2cPort, o => (h2c = o).Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var script = app.MapFakeOpenRouter(options);
        await app.StartAsync(ct);
        return new FakeOpenRouterServer(app, script, options, http1.IPEndPoint!.Port, h2c.IPEndPoint!.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
    }
}
