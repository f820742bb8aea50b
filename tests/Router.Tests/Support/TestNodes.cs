using Router.Client.Configuration;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Router.Actors.Models;
using Router.Actors.Observability;
using Router.FakeOpenRouter;
using Router.Node.Configuration;
using Router.Node.Hosting;

namespace Router.Tests.Support;

/// <summary>Starts real Router nodes (Kestrel on loopback, Akka cluster of one, SQLite in a temp folder) against a fake.</summary>
public static class TestNodes
{
    public static readonly HealthPolicy FastPolicy = new() { FailureThreshold = 2, OpenBase = TimeSpan.FromSeconds(1) };

    public static RouterSettings Settings(FakeOpenRouterServer fake, string dataDir) => new()
    {
        OpenRouter = Fakes.ClientOptions(fake) with { RetryAttempts = 1, Timeout = TimeSpan.FromSeconds(3) },
        DevMode = false,
        DataDir = dataDir,
        Hostname = "127.0.0.1",
        Port = FreePort(),
        Urls = ["http://127.0.0.1:0"],
        RequestTimeout = TimeSpan.FromSeconds(20),
    };

    public static async Task<RouterNode> StartAsync(RouterSettings settings, HealthPolicy? policy = null,
        CapturingLoggerProvider? logs = null, LogLevel level = LogLevel.Warning, Action<OpenTelemetry.Trace.TracerProviderBuilder>? tracing = null)
    {
        var node = await RouterNode.StartAsync(settings, new RouterNodeOptions
        {
            HealthPolicy = policy ?? FastPolicy,
            Metrics = RouterMetrics.Isolated(), // several nodes in this process: each counts its own
            Tracing = tracing,
            Logging = l =>
            {
                l.SetMinimumLevel(level);
                if (logs is not null) l.AddProvider(logs);
            },
        });
        await WaitReadyAsync(node);
        return node;
    }

    public static async Task WaitReadyAsync(RouterNode node)
    {
        using var http = new HttpClient();
        var until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until)
        {
            if ((await http.GetAsync(node.Url + "/ready")).IsSuccessStatusCode) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("node not ready");
    }

    public static string TempDir() => Directory.CreateTempSubdirectory("router-test-").FullName;

    public static int FreePort() => Router.Shared.Loopback.FreePort();
}
