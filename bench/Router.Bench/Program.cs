using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Router.Bench;

// Router benchmark: direct-to-fake versus through-Router, in one run, on this machine.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args is ["proxy", var listenPort, var upstream, var upstreamKey, var upstreamVersion])
{
    await BareProxy.RunAsync(int.Parse(listenPort), upstream, upstreamKey, Version.Parse(upstreamVersion));
    return 0;
}
if (args is ["node-loss", ..])
{
    var root0 = ChildProcess.Root;
    return await NodeLoss.RunAsync(Path.Combine(root0, "src/Router.FakeOpenRouter/bin/Release/net10.0/Router.FakeOpenRouter.dll"),
        Path.Combine(root0, "src/Router.Node/bin/Release/net10.0/Router.Node.dll"), before: TimeSpan.FromSeconds(5), after: TimeSpan.FromSeconds(40));
}
if (args is ["tracing", ..])
    return await TracingOnly.RunAsync(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 8);
if (args is ["hop", ..])
    return await Hop.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 5, args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 8);
if (args is ["coalesce", ..])
    return await CoalescingOnly.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 3);
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 8;
var duration = TimeSpan.FromSeconds(seconds);
const int workers = 32;
var root = ChildProcess.Root;
var fakeDll = Path.Combine(root, "src/Router.FakeOpenRouter/bin/Release/net10.0/Router.FakeOpenRouter.dll");
var nodeDll = Path.Combine(root, "src/Router.Node/bin/Release/net10.0/Router.Node.dll");
var results = new List<(string Name, string Value, string Target, bool? Met)>();
void Report(string name, string value, string target = "", bool? met = null)
{
    results.Add((name, value, target, met));
    Console.WriteLine($"  {name,-48} {value,-28} {target} {(met is null ? "" : met.Value ? "MET" : "MISSED")}");
}

// The fake serves the load generator over HTTP/1.1 (as most clients call OpenRouter) and Router over HTTP/2, as Router
// calls OpenRouter (negotiated over TLS there; with prior knowledge, h2c, on this plain loopback port).
// BENCH_UPSTREAM_HTTP=1.1 measures Router and the bare proxy calling the fake over HTTP/1.1 instead.
var fakePort = ChildProcess.FreePort();
var fakeH2cPort = ChildProcess.FreePort();
const string key = "bench-key";
using var fake = ChildProcess.Start(fakeDll, ["--port", fakePort.ToString(), "--h2c-port", fakeH2cPort.ToString(), "--models", "300", "--api-key", key]);
var fakeBase = $"http://127.0.0.1:{fakePort}";
var fakeH2cBase = $"http://127.0.0.1:{fakeH2cPort}";
var h1 = Environment.GetEnvironmentVariable("BENCH_UPSTREAM_HTTP") == "1.1";
var upstreamBase = h1 ? fakeBase : fakeH2cBase;
var upstreamHttp = h1 ? "1.1" : "2.0"; // OPENROUTER_HTTP_VERSION's spelling, and a Version for the bare proxy
using var http = Load.NewClient(workers * 2);
await Waits.UntilAsync(async () => (await http.GetAsync(fakeBase + "/api/v1/models")).IsSuccessStatusCode, TimeSpan.FromSeconds(30));

// Cold start: process start to the first routed 200.
var nodePort = ChildProcess.FreePort();
var nodeUrl = $"http://127.0.0.1:{nodePort}";
var workDir = Directory.CreateTempSubdirectory("router-bench-").FullName;
var env = new Dictionary<string, string>
{
    ["OPENROUTER_API_KEY"] = key,
    ["OPENROUTER_BASE_URL"] = upstreamBase + "/api/v1",
    ["OPENROUTER_HTTP_VERSION"] = upstreamHttp,
    ["ASPNETCORE_URLS"] = nodeUrl,
    ["ROUTER_PORT"] = ChildProcess.FreePort().ToString(),
    ["ROUTER_DATA_DIR"] = Path.Combine(workDir, "data"),
    ["Logging__LogLevel__Default"] = "Warning",
    ["ROUTER_AKKA_HOCON"] = "akka.loglevel = WARNING",
};
var model = "openai/nova-1-mini";
var chat = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = "Hello, world!" } } }));
var chatStream = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { model, stream = true, messages = new[] { new { role = "user", content = "Hello, world!" } } }));
var load = new Load(http);
var startWatch = Stopwatch.StartNew();
using var node = ChildProcess.Start(nodeDll, [], env, workDir);
await Waits.UntilAsync(async () => { await load.OnceAsync(nodeUrl + "/v1/chat/completions", chat); return true; }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10));
var coldStart = startWatch.Elapsed;

Console.WriteLine($"Router benchmark: {Environment.ProcessorCount} cores, load generator in this process, {workers} connections, {seconds:0} s per path in three rounds");
Console.WriteLine($"Load generator to fake, Router and bare proxy: HTTP/1.1; Router and bare proxy to fake: {(h1 ? "HTTP/1.1" : "HTTP/2 (h2c)")}");
Console.WriteLine();
Report("cold start to first routed 200", $"{coldStart.TotalSeconds:0.00} s", "<= 3 s", coldStart <= TimeSpan.FromSeconds(3));

// The floor for any HTTP router here: a bare pass-through proxy (Kestrel + HttpClient, nothing else), as a process.
var bareProxy = BareProxy.Start(upstreamBase + "/api/v1", key, upstreamHttp);
using var proxy = bareProxy.Process;
var proxyUrl = bareProxy.Url;
await Waits.UntilAsync(async () => { await load.OnceAsync(proxyUrl, chat); return true; }, TimeSpan.FromSeconds(30));

// Warm every path, then maximum throughput (closed loop).
var directUrl = fakeBase + "/api/v1/chat/completions";
var routedUrl = nodeUrl + "/v1/chat/completions";
var directHttp = new Load(WithAuth(Load.NewClient(workers * 2), key));
await directHttp.ClosedLoopAsync(directUrl, chat, workers, TimeSpan.FromSeconds(2));
await load.ClosedLoopAsync(proxyUrl, chat, workers, TimeSpan.FromSeconds(2));
await load.ClosedLoopAsync(routedUrl, chat, workers, TimeSpan.FromSeconds(5));
// Three rounds, the three paths in turn, each figure the median of its rounds: the box is shared and noisy.
// CPU per request of the process under load, over all rounds: what a hop costs, whatever the rate it reached.
var rounds = new List<(Samples Direct, Samples Bare, Samples Routed)>();
var fakeCpu = new CpuPerRequest(fake);
var bareCpu = new CpuPerRequest(proxy);
var routedCpu = new CpuPerRequest(node);
for (var round = 0; round < 3; round++)
    rounds.Add((await fakeCpu.MeasureAsync(() => directHttp.ClosedLoopAsync(directUrl, chat, workers, duration / 2)),
        await bareCpu.MeasureAsync(() => load.ClosedLoopAsync(proxyUrl, chat, workers, duration / 2)),
        await routedCpu.MeasureAsync(() => load.ClosedLoopAsync(routedUrl, chat, workers, duration / 2))));
var direct = MedianBy(rounds.Select(r => r.Direct));
var bare = MedianBy(rounds.Select(r => r.Bare));
var routed = MedianBy(rounds.Select(r => r.Routed));
var ratio = routed.Throughput / direct.Throughput;
Report("throughput direct (req/s)", $"{direct.Throughput:0}");
Report("throughput bare pass-through proxy (req/s)", $"{bare.Throughput:0} (errors {bare.Errors})");
Report("throughput through Router (req/s)", $"{routed.Throughput:0} (errors {routed.Errors})");
Report("throughput ratio bare proxy/direct", $"{bare.Throughput / direct.Throughput:0.00}x", "(the floor for any HTTP hop here)");
Report("throughput ratio routed/bare proxy", $"{routed.Throughput / bare.Throughput:0.00}x");
Report("throughput ratio routed/direct", $"{ratio:0.00}x", ">= 0.5x", ratio >= 0.5);
Report("CPU per request: fake / bare proxy / Router", $"{fakeCpu.Microseconds:0} / {bareCpu.Microseconds:0} / {routedCpu.Microseconds:0} us");
Report("CPU per request ratio Router/bare proxy", $"{routedCpu.Microseconds / bareCpu.Microseconds:0.00}x");

// Latency at half of Router's maximum load, both paths at the same arrival rate.
var rate = routed.Throughput / 2;
var directHalf = await directHttp.OpenLoopAsync(directUrl, chat, rate, duration);
var bareHalf = await load.OpenLoopAsync(proxyUrl, chat, rate, duration);
var routedHalf = await load.OpenLoopAsync(routedUrl, chat, rate, duration);
var added50 = routedHalf.Percentile(50) - directHalf.Percentile(50);
var added99 = routedHalf.Percentile(99) - directHalf.Percentile(99);
Report($"latency direct p50 / p99 at {rate:0} req/s", $"{directHalf.Percentile(50):0.000} / {directHalf.Percentile(99):0.000} ms");
Report($"latency bare proxy p50 / p99 at {rate:0} req/s", $"{bareHalf.Percentile(50):0.000} / {bareHalf.Percentile(99):0.000} ms");
Report($"latency routed p50 / p99 at {rate:0} req/s", $"{routedHalf.Percentile(50):0.000} / {routedHalf.Percentile(99):0.000} ms");
Report("added latency of the bare proxy p50 / p99", $"{bareHalf.Percentile(50) - directHalf.Percentile(50):0.000} / {bareHalf.Percentile(99) - directHalf.Percentile(99):0.000} ms",
    "(the floor for any HTTP hop here)");
Report("added latency p50", $"{added50:0.000} ms", "<= 0.2 ms", added50 <= 0.2);
Report("added latency p99", $"{added99:0.000} ms", "<= 1 ms", added99 <= 1);

// Streaming: time to first token, one request at a time, after warming the streaming paths as the plain ones were.
await directHttp.ClosedLoopAsync(directUrl, chatStream, workers, TimeSpan.FromSeconds(2));
await load.ClosedLoopAsync(routedUrl, chatStream, workers, TimeSpan.FromSeconds(3));
var ttftDirect = new List<double>();
var ttftRouted = new List<double>();
for (var i = 0; i < 300; i++)
{
    ttftDirect.Add(await directHttp.TimeToFirstTokenAsync(directUrl, chatStream));
    ttftRouted.Add(await load.TimeToFirstTokenAsync(routedUrl, chatStream));
}
var ttftOverhead = Waits.Median(ttftRouted.Skip(50)) - Waits.Median(ttftDirect.Skip(50));
Report("TTFT direct / routed (median)", $"{Waits.Median(ttftDirect.Skip(50)):0.000} / {Waits.Median(ttftRouted.Skip(50)):0.000} ms");
Report("TTFT overhead (median)", $"{ttftOverhead:0.000} ms", "<= 1 ms", ttftOverhead <= 1);

// Tracing: CPU per request with every trace exported, and with 10 % of them, against tracing off (three fresh nodes).
var traced = await Router.Bench.Tracing.RunAsync(nodeDll, env, workDir, load, chat, workers, duration);
Report("CPU per request: tracing off / 10 % / 100 %", $"{traced.OffMicros:0} / {traced.TenPercentMicros:0} / {traced.AllMicros:0} us");
Report("tracing cost at 10 % / 100 % sampling", $"{traced.TenPercentMicros / traced.OffMicros - 1:+0.0%;-0.0%} / {traced.AllMicros / traced.OffMicros - 1:+0.0%;-0.0%}",
    "10 % <= +5 %", traced.TenPercentMicros / traced.OffMicros - 1 <= 0.05);

// Catalog: 5,000 models fetched, stored and replicated.
await http.PutAsync(fakeBase + "/_fake/catalog?count=5000", null);
var refresh = Stopwatch.StartNew();
await http.PostAsync(nodeUrl + "/router/catalog/refresh", null);
await Waits.UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>(nodeUrl + "/router/catalog")).GetProperty("models").GetInt32() == 5000,
    TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(2));
Report("5,000-model catalog refresh + replication", $"{refresh.Elapsed.TotalMilliseconds:0} ms", "<= 1 s", refresh.Elapsed <= TimeSpan.FromSeconds(1));

// Strategies: routed throughput with no model named on the 5,000-model catalog, a node ordering by ROUTER_DEFAULT_SORT=score
// (every request ranks the whole catalog) against this node's priority order, in alternating rounds.
var scorePort = ChildProcess.FreePort();
var scoreUrl = $"http://127.0.0.1:{scorePort}/v1/chat/completions";
var scoreEnv = new Dictionary<string, string>(env)
{
    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{scorePort}", ["ROUTER_PORT"] = ChildProcess.FreePort().ToString(),
    ["ROUTER_DATA_DIR"] = Path.Combine(workDir, "data-score"), ["ROUTER_DEFAULT_SORT"] = "score",
};
var chatAny = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = "Hello, world!" } } }));
using (var scoreNode = ChildProcess.Start(nodeDll, [], scoreEnv, workDir))
{
    await Waits.UntilAsync(async () => { await load.OnceAsync(scoreUrl, chatAny); return true; }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10));
    await load.ClosedLoopAsync(routedUrl, chatAny, workers, TimeSpan.FromSeconds(3));
    await load.ClosedLoopAsync(scoreUrl, chatAny, workers, TimeSpan.FromSeconds(3));
    var sortRounds = new List<(Samples Priority, Samples Score)>();
    for (var round = 0; round < 3; round++)
        sortRounds.Add((await load.ClosedLoopAsync(routedUrl, chatAny, workers, duration / 2), await load.ClosedLoopAsync(scoreUrl, chatAny, workers, duration / 2)));
    var byPriority = MedianBy(sortRounds.Select(r => r.Priority));
    var byScore = MedianBy(sortRounds.Select(r => r.Score));
    var sortRatio = byScore.Throughput / byPriority.Throughput;
    Report("throughput, 5,000 models, sort priority (req/s)", $"{byPriority.Throughput:0} (errors {byPriority.Errors})");
    Report("throughput, 5,000 models, sort score (req/s)", $"{byScore.Throughput:0} (errors {byScore.Errors})");
    Report("throughput ratio score/priority", $"{sortRatio:0.00}x", ">= 0.95x", sortRatio >= 0.95);
}

// Response cache: a node with ROUTER_CACHE_TTL answering a deterministic request from its cache (no upstream call),
// against the bare proxy (which calls the fake every time), in alternating rounds; then latency at one rate for both.
var cachePort = ChildProcess.FreePort();
var cacheUrl = $"http://127.0.0.1:{cachePort}/v1/chat/completions";
var cacheEnv = new Dictionary<string, string>(env)
{
    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{cachePort}", ["ROUTER_PORT"] = ChildProcess.FreePort().ToString(),
    ["ROUTER_DATA_DIR"] = Path.Combine(workDir, "data-cache"), ["ROUTER_CACHE_TTL"] = "3600",
};
var chatCached = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { model, temperature = 0, messages = new[] { new { role = "user", content = "Hello, world!" } } }));
using (var cacheNode = ChildProcess.Start(nodeDll, [], cacheEnv, workDir))
{
    await Waits.UntilAsync(async () => { await load.OnceAsync(cacheUrl, chatCached); return true; }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10));
    await load.ClosedLoopAsync(cacheUrl, chatCached, workers, TimeSpan.FromSeconds(3));
    await load.ClosedLoopAsync(proxyUrl, chat, workers, TimeSpan.FromSeconds(2));
    var cacheRounds = new List<(Samples Bare, Samples Hit)>();
    for (var round = 0; round < 3; round++)
        cacheRounds.Add((await load.ClosedLoopAsync(proxyUrl, chat, workers, duration / 2), await load.ClosedLoopAsync(cacheUrl, chatCached, workers, duration / 2)));
    var bareRate = MedianBy(cacheRounds.Select(r => r.Bare));
    var hitRate = MedianBy(cacheRounds.Select(r => r.Hit));
    Report("throughput bare proxy / cache hits (req/s)", $"{bareRate.Throughput:0} / {hitRate.Throughput:0} (errors {hitRate.Errors})");
    Report("throughput ratio cache hits/bare proxy", $"{hitRate.Throughput / bareRate.Throughput:0.00}x", ">= 1.5x", hitRate.Throughput / bareRate.Throughput >= 1.5);
    var cacheRate = bareRate.Throughput / 2;
    var directAt = await directHttp.OpenLoopAsync(directUrl, chat, cacheRate, duration);
    var bareAt = await load.OpenLoopAsync(proxyUrl, chat, cacheRate, duration);
    var hitAt = await load.OpenLoopAsync(cacheUrl, chatCached, cacheRate, duration);
    var bareAdded = bareAt.Percentile(50) - directAt.Percentile(50);
    var hitAdded = hitAt.Percentile(50) - directAt.Percentile(50);
    Report($"added latency p50 at {cacheRate:0} req/s: bare proxy / cache hit", $"{bareAdded:0.000} / {hitAdded:0.000} ms", "hit <= bare", hitAdded <= bareAdded);

    var coalesced = (await http.GetFromJsonAsync<JsonElement>(fakeBase + "/api/v1/models")).GetProperty("data").EnumerateArray()
        .Select(m => m.GetProperty("id").GetString()!).First(id => id != model);
    var sharedRounds = new List<Coalescing.Result>();
    for (var round = 0; round < 3; round++) sharedRounds.Add(await Coalescing.RunAsync(http, fakeBase, cacheUrl, coalesced));
    var shared = sharedRounds.OrderBy(r => r.BehindP50).ElementAt(1);
    Report("1,000 identical streams: upstream calls", $"{string.Join(" / ", sharedRounds.Select(r => r.UpstreamCalls))} (done {shared.Done}, coalesced {shared.Coalesced})",
        "1", sharedRounds.All(r => r.UpstreamCalls == 1 && r.Done == 1000));
    Report("follower TTFT - leader TTFT: p50 / p99", $"{shared.BehindP50:0.00} / {shared.BehindP99:0.00} ms", "p50 <= 1 ms", shared.BehindP50 <= 1);
    Report("first tokens after the earliest: p50 / max", $"{shared.SpreadP50:0.00} / {shared.SpreadMax:0.00} ms", "(the fan-out to 1,000 on this machine)");
}

// Memory: 10,000 model actors. Only catalog models get an actor, so the catalog grows to 10,000 first (a refresh
// asked for starts at most once per 10 s: retry until it is taken).
await http.PutAsync(fakeBase + "/_fake/catalog?count=10000", null);
await Waits.UntilAsync(async () => (await http.PostAsync(nodeUrl + "/router/catalog/refresh", null)).StatusCode == System.Net.HttpStatusCode.Accepted,
    TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
await Waits.UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>(nodeUrl + "/router/catalog")).GetProperty("models").GetInt32() == 10_000,
    TimeSpan.FromSeconds(30));
var modelIds = (await http.GetFromJsonAsync<JsonElement>(nodeUrl + "/v1/models")).GetProperty("data").EnumerateArray()
    .Select(m => m.GetProperty("id").GetString()!).ToList();
var before = node.RssBytes();
await Parallel.ForEachAsync(modelIds, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
    (await http.GetAsync($"{nodeUrl}/router/models/{id}")).EnsureSuccessStatusCode());
await Task.Delay(2000);
var extraMb = (node.RssBytes() - before) / 1024.0 / 1024.0;
Report("memory for 10,000 model actors", $"{extraMb:0} MB extra RSS", "<= 200 MB", extraMb <= 200);

Console.WriteLine();
Console.WriteLine($"{results.Count(r => r.Met == true)} of {results.Count(r => r.Met is not null)} targets met");
Directory.Delete(workDir, recursive: true);
return 0;

static HttpClient WithAuth(HttpClient client, string key)
{
    client.DefaultRequestHeaders.Authorization = new("Bearer", key);
    return client;
}

static Samples MedianBy(IEnumerable<Samples> runs)
{
    var sorted = runs.OrderBy(r => r.Throughput).ToList();
    return sorted[sorted.Count / 2];
}
