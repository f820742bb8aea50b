using System.Text.Json;
using Router.FakeOpenRouter;

// Standalone fake OpenRouter: dotnet run --project src/Router.FakeOpenRouter -- --port 5005 --models 300 --h2c-port 5006
//   --api-key KEY  --latency-ms N  --tokens-per-second N  --script behaviors.json ({"model/id": {FakeBehavior}})
var config = new ConfigurationBuilder().AddCommandLine(args).Build();
var port = config.GetValue("port", 5005);
var h2cPort = config.GetValue("h2c-port", 0);
var scriptFile = config["script"];
var options = new FakeOpenRouterOptions
{
    ApiKey = config["api-key"] ?? new FakeOpenRouterOptions().ApiKey,
    ModelCount = config.GetValue("models", 300),
    DefaultBehavior = new FakeBehavior
    {
        LatencyMs = config.GetValue("latency-ms", 0),
        TokensPerSecond = config.GetValue("tokens-per-second", 0.0),
    },
    Behaviors = scriptFile is null
        ? null
        : JsonSerializer.Deserialize<Dictionary<string, FakeBehavior>>(File.ReadAllText(scriptFile), FakeJson.Options),
};

await using var server = await FakeOpenRouterServer.StartAsync(options, port, h2cPort);
Console.WriteLine($"Fake OpenRouter listening on {server.BaseUrl}, HTTP/2 (h2c) on {server.H2cBaseUrl} ({server.Script.Catalog.Count} models, key '{options.ApiKey}')");
var done = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; done.TrySetResult(); };
// The web host's console lifetime takes SIGTERM for itself and waits for Main to return; end Main on it too.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => done.TrySetResult());
AppDomain.CurrentDomain.ProcessExit += (_, _) => done.TrySetResult();
await done.Task;
