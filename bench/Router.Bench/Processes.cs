using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Router.Bench;

/// <summary>A child process (the fake or a Router node) with its own loopback ports.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public static string Root => Router.Shared.Loopback.RepositoryRoot;

    public static ChildProcess Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? workDir = null)
    {
        var info = Router.Shared.Loopback.DotnetChild(dll, args, env ?? new Dictionary<string, string>(), workDir ?? Path.GetTempPath());
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) Console.Error.WriteLine("  child: " + line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process);
    }

    /// <summary>SIGKILL: the process dies at once.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Resident memory of the process, from /proc.</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    /// <summary>CPU time the process has used so far (user and system).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
            if (!_process.WaitForExit(20_000)) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    public static int FreePort() => Router.Shared.Loopback.FreePort();
}
