using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Router.Bench;

/// <summary>
/// What tracing costs: a node exporting every trace, one exporting 10 % of them (OTEL_TRACES_SAMPLER), both to a
/// collector that takes and drops the exports, against a node with tracing off, all three started together (so their
/// code is as warm), in alternating rounds; CPU per request of each node process.
/// </summary>
public static class Tracing
{
    public sealed record Result(double OffMicros, double TenPercentMicros, double AllMicros);

    public static async Task<Result> RunAsync(string nodeDll, IReadOnlyDictionary<string, string> env, string workDir,
        Load load, byte[] chat, int workers, TimeSpan duration)
    {
        var sinkPort = ChildProcess.FreePort();
        await using var sink = await StartSinkAsync(sinkPort);
        (ChildProcess Node, string Url) Start(string name, string? sampler, string ratio)
        {
            var port = ChildProcess.FreePort();
            var nodeEnv = new Dictionary<string, string>(env)
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}", ["ROUTER_PORT"] = ChildProcess.FreePort().ToString(),
                ["ROUTER_DATA_DIR"] = Path.Combine(workDir, "data-" + name),
            };
            if (sampler is not null)
            {
                nodeEnv["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{sinkPort}";
                nodeEnv["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
                nodeEnv["OTEL_TRACES_SAMPLER"] = sampler;
                nodeEnv["OTEL_TRACES_SAMPLER_ARG"] = ratio;
            }
            return (ChildProcess.Start(nodeDll, [], nodeEnv, workDir), $"http://127.0.0.1:{port}/v1/chat/completions");
        }

        var (off, offUrl) = Start("trace-off", null, "");
        var (ten, tenUrl) = Start("trace10", "parentbased_traceidratio", "0.1");
        var (all, allUrl) = Start("trace100", "parentbased_always_on", "1");
        using (off)
        using (ten)
        using (all)
        {
            foreach (var url in new[] { offUrl, tenUrl, allUrl })
            {
                var until = DateTime.UtcNow.AddSeconds(60);
                while (true)
                {
                    try { await load.OnceAsync(url, chat); break; }
                    catch (HttpRequestException) when (DateTime.UtcNow < until) { await Task.Delay(50); }
                }
                await load.ClosedLoopAsync(url, chat, workers, TimeSpan.FromSeconds(3));
            }
            var offCpu = new CpuPerRequest(off);
            var tenCpu = new CpuPerRequest(ten);
            var allCpu = new CpuPerRequest(all);
            for (var round = 0; round < 3; round++)
            {
                await offCpu.MeasureAsync(() => load.ClosedLoopAsync(offUrl, chat, workers, duration / 2));
                await tenCpu.MeasureAsync(() => load.ClosedLoopAsync(tenUrl, chat, workers, duration / 2));
                await allCpu.MeasureAsync(() => load.ClosedLoopAsync(allUrl, chat, workers, duration / 2));
            }
            return new Result(offCpu.Microseconds, tenCpu.Microseconds, allCpu.Microseconds);
        }
    }

    /// <summary>An OTLP/HTTP endpoint that takes trace exports and drops them.</summary>
    private static async Task<WebApplication> StartSinkAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/v1/traces", async (HttpContext http) =>
        {
            await http.Request.Body.CopyToAsync(Stream.Null);
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return app;
    }
}

/// <summary><c>bench/run.sh tracing [seconds]</c>: only the tracing round, against a fake.</summary>
public static class TracingOnly
{
    public static async Task<int> RunAsync(double seconds)
    {
        var root = ChildProcess.Root;
        var nodeDll = Path.Combine(root, "src/Router.Node/bin/Release/net10.0/Router.Node.dll");
        var fakePort = ChildProcess.FreePort();
        var fakeH2cPort = ChildProcess.FreePort();
        var workDir = Directory.CreateTempSubdirectory("router-bench-").FullName;
        using var fake = ChildProcess.Start(Path.Combine(root, "src/Router.FakeOpenRouter/bin/Release/net10.0/Router.FakeOpenRouter.dll"),
            ["--port", fakePort.ToString(), "--h2c-port", fakeH2cPort.ToString(), "--models", "300", "--api-key", "bench-key"]);
        var env = new Dictionary<string, string>
        {
            ["OPENROUTER_API_KEY"] = "bench-key", ["OPENROUTER_BASE_URL"] = $"http://127.0.0.1:{fakeH2cPort}/api/v1", ["OPENROUTER_HTTP_VERSION"] = "2.0",
            ["Logging__LogLevel__Default"] = "Warning", ["ROUTER_AKKA_HOCON"] = "akka.loglevel = WARNING",
        };
        using var http = Load.NewClient(64);
        var chat = System.Text.Encoding.UTF8.GetBytes("""{"model":"openai/nova-1-mini","messages":[{"role":"user","content":"Hello, world!"}]}""");
        var r = await Tracing.RunAsync(nodeDll, env, workDir, new Load(http), chat, 32, TimeSpan.FromSeconds(seconds));
        Console.WriteLine($"  CPU per request: tracing off {r.OffMicros:0} us, 10 % {r.TenPercentMicros:0} us ({r.TenPercentMicros / r.OffMicros - 1:+0.0%;-0.0%}), " +
                          $"100 % {r.AllMicros:0} us ({r.AllMicros / r.OffMicros - 1:+0.0%;-0.0%})");
        Directory.Delete(workDir, recursive: true);
        return 0;
    }
}
