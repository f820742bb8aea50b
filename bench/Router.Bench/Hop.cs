using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Router.Bench;

/// <summary>
/// <c>bench/run.sh hop [runs] [seconds]</c>: what Router's hop costs against a bare pass-through proxy, with the upstream
/// over HTTP/1.1 and over HTTP/2 (h2c), side by side in each run. Five paths (direct to the fake; bare proxy and Router
/// over each protocol) are driven by the built-in generator and by wrk, each measured for the gateway's and the
/// upstream's CPU per request; then, with every path at one arrival rate (half of the slower Router's maximum), CPU per
/// request again and latency; then time to first token. Every process is warmed to a
/// steady state first (JIT tiering included) so that CPU per request is the hop's, not the compiler's.
/// </summary>
public static class Hop
{
    private sealed record Path(string Name, string Url, ChildProcess Gateway);

    private const int Workers = 32;
    private const string Key = "bench-key";

    public static async Task<int> RunAsync(int runs, double seconds)
    {
        var root = ChildProcess.Root;
        var nodeDll = System.IO.Path.Combine(root, "src/Router.Node/bin/Release/net10.0/Router.Node.dll");
        var fakePort = ChildProcess.FreePort();
        var fakeH2cPort = ChildProcess.FreePort();
        var workDir = Directory.CreateTempSubdirectory("router-bench-hop-").FullName;
        using var fake = ChildProcess.Start(System.IO.Path.Combine(root, "src/Router.FakeOpenRouter/bin/Release/net10.0/Router.FakeOpenRouter.dll"),
            ["--port", fakePort.ToString(), "--h2c-port", fakeH2cPort.ToString(), "--models", "300", "--api-key", Key]);
        var h1 = $"http://127.0.0.1:{fakePort}/api/v1";
        var h2 = $"http://127.0.0.1:{fakeH2cPort}/api/v1";

        (ChildProcess Process, string Url) Node(string name, string upstream, string version)
        {
            var port = ChildProcess.FreePort();
            return (ChildProcess.Start(nodeDll, [], new Dictionary<string, string>
            {
                ["OPENROUTER_API_KEY"] = Key, ["OPENROUTER_BASE_URL"] = upstream, ["OPENROUTER_HTTP_VERSION"] = version,
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}", ["ROUTER_PORT"] = ChildProcess.FreePort().ToString(),
                ["ROUTER_DATA_DIR"] = System.IO.Path.Combine(workDir, name), ["Logging__LogLevel__Default"] = "Warning",
                ["ROUTER_AKKA_HOCON"] = "akka.loglevel = WARNING",
            }, workDir), $"http://127.0.0.1:{port}/v1/chat/completions");
        }

        var (router1, router1Url) = Node("h1", h1, "1.1");
        var (router2, router2Url) = Node("h2", h2, "2");
        var (bare1, bare1Url) = BareProxy.Start(h1, Key, "1.1");
        var (bare2, bare2Url) = BareProxy.Start(h2, Key, "2.0");
        using var gateways = new ChildProcesses(router1, router2, bare1, bare2);

        var chat = Encoding.UTF8.GetBytes("""{"model":"openai/nova-1-mini","messages":[{"role":"user","content":"Hello, world!"}]}""");
        var chatStream = Encoding.UTF8.GetBytes("""{"model":"openai/nova-1-mini","stream":true,"messages":[{"role":"user","content":"Hello, world!"}]}""");
        var paths = new List<Path>
        {
            new("direct", $"http://127.0.0.1:{fakePort}/api/v1/chat/completions", fake),
            new("bare proxy, HTTP/1.1", bare1Url, bare1),
            new("Router, HTTP/1.1", router1Url, router1),
            new("bare proxy, h2c", bare2Url, bare2),
            new("Router, h2c", router2Url, router2),
        };
        var routers = paths.Where(p => p.Name.StartsWith("Router", StringComparison.Ordinal)).ToList();
        using var http = Load.NewClient(Workers * 2);
        http.DefaultRequestHeaders.Authorization = new("Bearer", Key);
        var load = new Load(http);
        foreach (var path in paths)
            await Waits.UntilAsync(async () => { await load.OnceAsync(path.Url, chat); return true; }, TimeSpan.FromSeconds(60),
                failure: $"{path.Name} did not answer within 60 s");

        // Warm every path to a steady state: the JIT's tiering of a node runs for tens of seconds under load.
        foreach (var path in paths)
            await load.ClosedLoopAsync(path.Url, chat, Workers, TimeSpan.FromSeconds(path.Name == "direct" ? 5 : 20));
        foreach (var path in routers)
            await load.ClosedLoopAsync(path.Url, chatStream, Workers, TimeSpan.FromSeconds(5));

        var wrk = Wrk.Find();
        var duration = TimeSpan.FromSeconds(seconds);
        var generators = wrk is null ? new[] { "built-in" } : ["built-in", "wrk"];
        var targets = new Dictionary<string, int>();
        void Count(string target, bool met) => targets[target] = targets.GetValueOrDefault(target) + (met ? 1 : 0);
        Console.WriteLine($"Router's hop against a bare proxy: {Environment.ProcessorCount} cores, {Workers} connections, {seconds:0} s per path, {runs} runs" +
                          (wrk is null ? " (wrk not found: built-in generator only)" : ", built-in generator and wrk"));
        for (var run = 1; run <= runs; run++)
        {
            Console.WriteLine();
            Console.WriteLine($"run {run}");
            Console.WriteLine($"  {"path",-22} {"generator",-9} {"req/s",8} {"gateway us/req",15} {"upstream us/req",16}");
            var cpu = new Dictionary<(string, string), Cpu>();
            foreach (var generator in generators)
                foreach (var path in paths)
                {
                    var ((requests, rate), used) = await WithCpuAsync(path, () => generator == "wrk"
                        ? wrk!.RunAsync(path.Url, chat, Key, Workers, duration)
                        : BuiltInAsync(load, path.Url, chat, duration), r => r.Requests);
                    cpu[(path.Name, generator)] = used;
                    Row(path, generator, rate, used);
                }
            foreach (var generator in generators)
                foreach (var protocol in new[] { "HTTP/1.1", "h2c" })
                    CheckCpu($"{protocol}, {generator}", cpu[($"Router, {protocol}", generator)], cpu[($"bare proxy, {protocol}", generator)]);

            // Latency at half of the slower Router's built-in throughput, every path at the same arrival rate.
            var rateHalf = Math.Min((await BuiltInAsync(load, routers[0].Url, chat, TimeSpan.FromSeconds(2))).Rate,
                (await BuiltInAsync(load, routers[1].Url, chat, TimeSpan.FromSeconds(2))).Rate) / 2;
            // At one arrival rate for all, CPU per request compares the work of each hop; at each path's own maximum, a
            // slower gateway also pays for fewer requests per wake-up, and so does the upstream behind it.
            var latency = new Dictionary<string, Samples>();
            var cpuAtRate = new Dictionary<string, Cpu>();
            Console.WriteLine($"  at {rateHalf:0} req/s (half of the slower Router's maximum), every path:");
            foreach (var path in paths)
            {
                var (samples, used) = await WithCpuAsync(path, () => load.OpenLoopAsync(path.Url, chat, rateHalf, duration), s => s.Count + s.Errors);
                (latency[path.Name], cpuAtRate[path.Name]) = (samples, used);
                Row(path, "open loop", samples.Throughput, used);
            }
            var direct = latency["direct"];
            foreach (var protocol in new[] { "HTTP/1.1", "h2c" })
            {
                CheckCpu($"{protocol}, same rate", cpuAtRate[$"Router, {protocol}"], cpuAtRate[$"bare proxy, {protocol}"]);
                var router = latency[$"Router, {protocol}"];
                var bare = latency[$"bare proxy, {protocol}"];
                var added50 = router.Percentile(50) - direct.Percentile(50);
                var bare50 = bare.Percentile(50) - direct.Percentile(50);
                var added99 = router.Percentile(99) - direct.Percentile(99);
                var bare99 = bare.Percentile(99) - direct.Percentile(99);
                Console.WriteLine($"  added latency at {rateHalf:0} req/s, {protocol}: Router p50 {added50:0.000} / p99 {added99:0.000} ms, bare proxy p50 {bare50:0.000} / p99 {bare99:0.000} ms");
                Check($"added p99 Router/bare proxy, {protocol}", added99 / bare99, "<= 2x", added99 <= 2 * bare99);
                Check($"added p50 Router - bare proxy (ms), {protocol}", added50 - bare50, "<= 0.15 ms", added50 - bare50 <= 0.15);
            }

            // Time to first token, one request at a time, the paths interleaved.
            var ttft = paths.Where(p => p.Name is "direct" or "Router, HTTP/1.1" or "Router, h2c").ToDictionary(p => p.Name, _ => new List<double>());
            for (var i = 0; i < 120; i++)
                foreach (var (name, samples) in ttft)
                    samples.Add(await load.TimeToFirstTokenAsync(paths.First(p => p.Name == name).Url, chatStream));
            var directTtft = Waits.Median(ttft["direct"].Skip(20));
            foreach (var protocol in new[] { "HTTP/1.1", "h2c" })
            {
                var overhead = Waits.Median(ttft[$"Router, {protocol}"].Skip(20)) - directTtft;
                Check($"TTFT overhead median (ms), {protocol}", overhead, "<= 0.5 ms", overhead <= 0.5);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"targets met, of {runs} runs:");
        foreach (var (target, met) in targets)
            Console.WriteLine($"  {target,-56} {met} of {runs}");
        Directory.Delete(workDir, recursive: true);
        return 0;

        void Check(string target, double value, string goal, bool met)
        {
            Count(target, met);
            Console.WriteLine($"  {target,-56} {value,8:0.00}   {goal,-10} {(met ? "MET" : "MISSED")}");
        }

        void CheckCpu(string measured, Cpu router, Cpu bare)
        {
            Check($"CPU per request Router/bare proxy, {measured}", router.Gateway / bare.Gateway, "<= 1.25x", router.Gateway / bare.Gateway <= 1.25);
            Check($"upstream CPU via Router/via bare, {measured}", router.Upstream / bare.Upstream, "<= 1.10x", router.Upstream / bare.Upstream <= 1.10);
        }

        // A load on one path, with the CPU per request its gateway and the upstream spent on it.
        async Task<(T Result, Cpu Used)> WithCpuAsync<T>(Path path, Func<Task<T>> run, Func<T, long> requests)
        {
            var (gateway0, upstream0) = (path.Gateway.CpuTime(), fake.CpuTime());
            var result = await run();
            var n = requests(result);
            return (result, new Cpu((path.Gateway.CpuTime() - gateway0).TotalMicroseconds / n, (fake.CpuTime() - upstream0).TotalMicroseconds / n));
        }

        static void Row(Path path, string generator, double rate, Cpu used) =>
            Console.WriteLine($"  {path.Name,-22} {generator,-9} {rate,8:0} {(path.Name == "direct" ? "-" : used.Gateway.ToString("0")),15} {used.Upstream,16:0}");
    }

    /// <summary>CPU per request, in microseconds, of a path's gateway and of the upstream.</summary>
    private readonly record struct Cpu(double Gateway, double Upstream);

    private static async Task<(long Requests, double Rate)> BuiltInAsync(Load load, string url, byte[] body, TimeSpan duration)
    {
        var samples = await load.ClosedLoopAsync(url, body, Workers, duration);
        return (samples.Count + samples.Errors, samples.Throughput);
    }
}

/// <summary>Processes disposed together.</summary>
internal sealed class ChildProcesses(params ChildProcess[] processes) : IDisposable
{
    public void Dispose()
    {
        foreach (var process in processes) process.Dispose();
    }
}

/// <summary>wrk as an external load generator: another process, competing for the cores as real clients do.</summary>
public sealed partial class Wrk(string path)
{
    public static Wrk? Find() =>
        Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => System.IO.Path.Combine(d, "wrk")).FirstOrDefault(File.Exists) is { } found
            ? new Wrk(found)
            : null;

    public async Task<(long Requests, double Rate)> RunAsync(string url, byte[] body, string key, int connections, TimeSpan duration)
    {
        var script = System.IO.Path.GetTempFileName();
        await File.WriteAllTextAsync(script, $$"""
            wrk.method = "POST"
            wrk.body = '{{Encoding.UTF8.GetString(body)}}'
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["Authorization"] = "Bearer {{key}}"
            """);
        try
        {
            using var process = Process.Start(new ProcessStartInfo(path, ["-t2", $"-c{connections}", $"-d{duration.TotalSeconds:0}s", "-s", script, url])
            {
                RedirectStandardOutput = true,
            })!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var requests = long.Parse(Requests().Match(output).Groups[1].Value);
            var rate = double.Parse(Rate().Match(output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return (requests, rate);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex Rate();
}
