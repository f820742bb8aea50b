using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Router.Tests.Support;

/// <summary>A Router node as a separate OS process (<c>dotnet Router.Node.dll</c>) on loopback ports, for cluster tests.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _workDir;

    private NodeProcess(Process process, string name, int httpPort, int akkaPort, string workDir)
    {
        _process = process;
        Name = name;
        HttpPort = httpPort;
        AkkaPort = akkaPort;
        _workDir = workDir;
    }

    public string Name { get; }

    /// <summary>The settings it was started with (its own ports aside), to start it again alike.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; private init; } = new Dictionary<string, string>();
    public int HttpPort { get; }
    public int AkkaPort { get; }
    public string Url => $"http://127.0.0.1:{HttpPort}";
    public string Address => $"{(_process.StartInfo.Environment.ContainsKey("ROUTER_REMOTING_TLS_CERT") ? "akka.ssl.tcp" : "akka.tcp")}://router@127.0.0.1:{AkkaPort}";
    public ConcurrentQueue<string> Output { get; } = new();
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static string NodeDll
    {
        get
        {
            var dll = RepoFiles.BuiltDll("src/Router.Node", "Router.Node");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/Router.Node first", dll);
        }
    }

    public static NodeProcess Start(string name, IReadOnlyDictionary<string, string> environment, int? akkaPort = null, int? httpPort = null)
    {
        httpPort ??= TestNodes.FreePort();
        var port = akkaPort ?? TestNodes.FreePort();
        var workDir = TestNodes.TempDir();
        var own = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["ROUTER_HOSTNAME"] = "127.0.0.1",
            ["ROUTER_PORT"] = port.ToString(),
            ["ROUTER_DATA_DIR"] = Path.Combine(workDir, "data"),
        };
        foreach (var (key, value) in environment) own[key] = value;
        var start = Router.Shared.Loopback.DotnetChild(NodeDll, [], own, workDir);

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeProcess(process, name, httpPort.Value, port, workDir) { Environment = environment };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) node.Output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node.Output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until /ready answers 200 and the node sees at least <paramref name="membersUp"/> members Up.</summary>
    public async Task WaitReadyAsync(int membersUp = 1, int timeoutSeconds = 60)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}):\n{string.Join("\n", Output.Where(l => l.Contains("could not start") || l.Contains("fail") || l.Contains("rror")).Take(20).DefaultIfEmpty(string.Join("\n", Output.TakeLast(30))))}");
            try
            {
                var response = await http.GetAsync(Url + "/ready");
                if (response.IsSuccessStatusCode
                    && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("members_up").GetInt32() >= membersUp)
                    return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} not ready:\n{string.Join('\n', Output.TakeLast(40))}");
    }

    /// <summary>Waits for the process to exit on its own and its output to be read to the end.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>SIGKILL: the node dies at once, without leaving the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: a graceful leave.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await TerminateAsync(TimeSpan.FromSeconds(15));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { }
    }
}
