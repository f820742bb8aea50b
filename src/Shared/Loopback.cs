using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Router.Shared;

/// <summary>
/// Small facts about this machine and checkout that the node, the tests and the benchmark all need; one copy, compiled
/// into each (linked source: the benchmark references no Router project).
/// </summary>
internal static class Loopback
{
    /// <summary>A TCP port free on loopback right now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// <c>dotnet {dll} {args}</c> with its output redirected, in <paramref name="workDir"/>, seeing only the Router
    /// settings in <paramref name="environment"/>: none of this process's OPENROUTER_*, ROUTER_*, DEV_MODE or
    /// ASPNETCORE_URLS leaks into it.
    /// </summary>
    public static ProcessStartInfo DotnetChild(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string workDir)
    {
        var info = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("OPENROUTER_") || k.StartsWith("ROUTER_") || k is "DEV_MODE" or "ASPNETCORE_URLS").ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return info;
    }

    /// <summary>The repository this program was built from: the first directory above it holding Router.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Router.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("not run from a build inside the repository");
        }
    }
}
